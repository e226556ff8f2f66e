/**
 * The version of the JSON gradcam writes (issue 13, "one vocabulary"): every
 * document (`predict --json`, `explain --json`, summary.json, the heatmap
 * JSON, `train --json`, `evaluate --json`) carries it as `schemaVersion`, and
 * schemas/ describes it. 1 was the vocabulary before it had a number
 * (`predicted`, `classIndex`, `output` for train's model directory); 2 names
 * every class `{class, className, probability}`. Bumped when a field changes
 * meaning or disappears; added fields do not bump it.
 */
export const SCHEMA_VERSION = 2;
