/**
 * The metrics `gradcam evaluate` scores every method with, by name. A new
 * metric is one file here and one line in this table, plus its fields in
 * {@link MethodScores}.
 */
import { confidence, type ConfidenceScores } from './confidence.js';
import { deletion, type DeletionScores } from './deletion.js';
import { insertion, type InsertionScores } from './insertion.js';
import type { EvaluationMetric } from './metric.js';
import { road, type RoadScores } from './road.js';

export const EVALUATION_METRICS = {
  deletion,
  insertion,
  confidence,
  road,
} as const satisfies Record<string, EvaluationMetric<object>>;

export type EvaluationMetricName = keyof typeof EVALUATION_METRICS;

/** One method's row: the fields of every metric's result. */
export type MethodScores = DeletionScores & InsertionScores & ConfidenceScores & RoadScores;
