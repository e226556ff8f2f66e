import { parseShard, resolveInputs, selectsCollection, shardSlice } from '../../data/input-sources.js';
import { usageError } from '../../errors.js';
import { DEFAULT_OUT_DIR } from '../defaults.js';
import { resolvePlan, resolveRenderStyle, type ExplainOptions, type ExplainResult } from './options.js';

export type {
  BatchExplainResult,
  BatchProgress,
  ExplainOptions,
  ExplainPlan,
  ExplainResult,
  Explanation,
  SingleExplainResult,
} from './options.js';

/**
 * `gradcam explain`: a CAM method's maps for images, directories, glob
 * patterns and MNIST test digits. One image file or MNIST index (and no
 * --out-dir): the tutorial's figure (or the bare overlay) to `-o`
 * (single.ts). Several inputs, a directory, a pattern, --mnist-test, an
 * --mnist-index list or range, or --out-dir: batch mode (batch.ts), however
 * many images they hold. Options are checked here, before any model is loaded.
 */
export async function explain(options: ExplainOptions): Promise<ExplainResult> {
  const all = await resolveInputs({
    paths: options.images,
    mnistIndex: options.mnistIndex,
    mnistTest: options.mnistTest,
    offset: options.offset,
    limit: options.limit,
    labelsFromNames: options.labelsFromNames,
    cwd: options.cwd,
    // Never the outputs of a previous batch run (single mode writes no directory).
    exclude: options.output === undefined ? (options.outDir ?? DEFAULT_OUT_DIR) : undefined,
  });
  if (all.length === 0) throw usageError('nothing to explain: give image files, directories, patterns, --mnist-index or --mnist-test');
  const batch =
    all.length > 1 ||
    options.outDir !== undefined ||
    options.shard !== undefined ||
    (await selectsCollection({ paths: options.images, mnistIndex: options.mnistIndex, mnistTest: options.mnistTest, cwd: options.cwd }));
  if (!batch && options.figures) throw usageError('--figures is for batch mode; a single input gets the figure by default');
  if (!batch && options.normalize === 'batch') throw usageError('--normalize batch shares one scale across a batch; a single input is scaled to its own peak (its colour bar names it)');
  const plan = resolvePlan(options);
  const style = resolveRenderStyle(options, batch);
  if (plan.compare !== undefined && (options.heatmap !== undefined || options.overlayOnly === true)) {
    throw usageError('--method all draws one figure of every method; --heatmap and --overlay-only take a single method');
  }
  if (!batch) {
    const { explainOne } = await import('./single.js');
    return explainOne(all[0]!, options, plan, style);
  }
  // "with 3 inputs", or for one image found by a directory or pattern, what made it a batch.
  const why = all.length > 1 ? `with ${all.length} inputs` : 'a directory, a pattern, a list or --out-dir is batch mode even for one image;';
  for (const [flag, given] of [['-o', options.output], ['--heatmap', options.heatmap], ['--overlay-only', options.overlayOnly]] as const) {
    if (given !== undefined && given !== false) {
      throw usageError(`${flag} takes a single image file or MNIST index; ${why} use --out-dir DIR (batch mode)`);
    }
  }
  if (plan.compare !== undefined) {
    throw usageError(`--method all draws every method side by side for one image file or MNIST index; ${why} choose one method`);
  }
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const indexed = all.map((ref, index) => ({ ref, index }));
  const mine = shard === undefined ? indexed : shardSlice(indexed, shard);
  const { explainBatch } = await import('./batch.js');
  return explainBatch(mine, options, plan, style, shard === undefined ? null : { ...shard, of: all.length });
}
