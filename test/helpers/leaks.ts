/**
 * The one leak check of the test suite (HOUSE_STYLE.md: every public tensor
 * function gets one, as tfjs-node's image_test.ts does): a run of the work
 * under test must leave the engine's tensor count, and the active backend's
 * count of data buffers, as they were.
 */
import assert from 'node:assert/strict';
import tf = require('@tensorflow/tfjs-core');

export interface LeakCheckOptions {
  /**
   * Runs before the counts are taken and is not checked: first calls may
   * allocate for good (layers build their weights lazily, Adam creates its
   * moment variables on the first step, kernels set up scratch buffers).
   * `true` runs the work itself once; a function runs that instead.
   */
  warmUp?: boolean | (() => unknown);
}

/**
 * Runs `work` (after the warm-up, when asked) and asserts that it left no
 * tensor behind: neither in the engine (`tf.memory().numTensors`) nor in the
 * backend active at the start (`numDataIds()`, which on wasm also counts a
 * kernel's own intermediates on the wasm heap).
 *
 * @returns what `work` returned (awaited), for the test's other assertions.
 */
export async function assertNoTensorLeak<T>(work: () => T | Promise<T>, options: LeakCheckOptions = {}): Promise<Awaited<T>> {
  const { warmUp = false } = options;
  if (warmUp !== false) await (warmUp === true ? work() : warmUp());
  const backend = tf.backend();
  const backendName = tf.getBackend();
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = backend.numDataIds();
  const result = await work();
  assert.equal(tf.memory().numTensors - tensorsBefore, 0, 'tensors left behind in the engine');
  assert.equal(backend.numDataIds() - dataIdsBefore, 0, `data buffers left behind in the ${backendName} backend`);
  return result;
}
