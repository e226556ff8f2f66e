/**
 * Notes that flag a doubtful prediction instead of hiding it (issue 11,
 * "Honesty"): one list per record, the reading notes ("used frame 1 of 3",
 * "several digits? gradcam classifies one") first, then these. The same text
 * goes to the terminal, `--json`, the manifest and the figures' subtitle.
 */

/** A prediction whose probability is below this is flagged "low confidence". */
export const LOW_CONFIDENCE_BELOW = 0.5;

/** `low confidence (43%)` for a prediction under LOW_CONFIDENCE_BELOW, else undefined. */
export function lowConfidenceNote(probability: number): string | undefined {
  // Whole percent rounded down, so a flagged 49.6% never reads "50%".
  return probability < LOW_CONFIDENCE_BELOW ? `low confidence (${Math.floor(probability * 100)}%)` : undefined;
}

/**
 * An input's notes with those of its prediction added.
 * @param notes the reading notes of the input, if any.
 * @param probability the predicted class's probability.
 * @returns the notes, or undefined when there are none (records then have no `notes` field).
 */
export function withPredictionNotes(notes: readonly string[] | undefined, probability: number): string[] | undefined {
  const low = lowConfidenceNote(probability);
  const all = [...(notes ?? []), ...(low === undefined ? [] : [low])];
  return all.length === 0 ? undefined : all;
}

/** A figure's subtitle with the notes after it: `layer conv2 · score: logit · low confidence (43%)`. */
export function subtitleWithNotes(subtitle: string, notes: readonly string[] | undefined): string {
  return notes === undefined || notes.length === 0 ? subtitle : `${subtitle} · ${notes.join(' · ')}`;
}
