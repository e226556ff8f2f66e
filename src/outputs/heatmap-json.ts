/** The heatmap JSON that `gradcam explain --heatmap FILE` writes for one input. */
import type { CamMethodName } from '../cam/cam-methods.js';
import type { ScoreKind } from '../cam/score-kinds.js';
import type { RankedClass } from '../model/ranking.js';

export interface HeatmapFile {
  /** SCHEMA_VERSION. */
  schemaVersion: number;
  source: string;
  model: string;
  method: CamMethodName;
  layer: string;
  score: ScoreKind;
  scoreDescription: string;
  /** The predicted class, its name and probability, and the top classes, as in every gradcam JSON. */
  class: number;
  className: string;
  probability: number;
  top: RankedClass[];
  label?: number;
  labelName?: string;
  correct?: boolean;
  /** The class the map explains (the predicted one unless --class) and its probability. */
  explainedClass: number;
  explainedClassName: string;
  explainedProbability: number;
  /**
   * The map at the layer's resolution: ReLU(Σ_k w_k A^k) and the same divided by its maximum (+1e-7);
   * `rawPeak` is that maximum (score units), the value 1 on the figure's colour bar stands for.
   */
  map: { rawPeak: number; height: number; width: number; unnormalised: number[][]; normalised: number[][] };
  /** The normalised map resized to the input image, bilinear with half-pixel centres. */
  upsampled: { height: number; width: number; values: number[][] };
}

/** Float32 values as rows of numbers with 7 significant digits (float32 carries about 7.2). */
export function heatmapRows(values: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < values.length; start += width) {
    out.push(Array.from(values.subarray(start, start + width), (v) => Number(v.toPrecision(7))));
  }
  return out;
}

/** Pretty JSON with each row of numbers on one line, so an 11×11 map reads as a grid. */
export function formatHeatmapJson(record: HeatmapFile): string {
  const placeholders: string[] = [];
  const json = JSON.stringify(
    record,
    (_key, value: unknown) => {
      if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
        placeholders.push(`[${value.join(', ')}]`);
        return `\u0000${placeholders.length - 1}`;
      }
      return value;
    },
    2,
  );
  return `${json.replace(/"\\u0000(\d+)"/g, (_m, i: string) => placeholders[Number(i)]!)}\n`;
}
