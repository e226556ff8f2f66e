import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAM_METHOD_NAMES } from '../../../src/cam/cam-methods.js';
import { DEFAULT_SMOOTH_GRAD_NOISE, resolvePlan } from '../../../src/commands/explain/options.js';
import { EXIT_CODES, GradcamError } from '../../../src/errors.js';

const usage = (error: unknown) => error instanceof GradcamError && error.exitCode === EXIT_CODES.usage;

describe('resolvePlan', () => {
  it('defaults: Grad-CAM, no comparison, last conv layer, logit, no smoothing', () => {
    assert.deepEqual(resolvePlan({}), {
      method: 'gradcam',
      compare: undefined,
      layer: undefined,
      score: 'logit',
      classIndex: undefined,
      eigenSmooth: false,
      smoothGrad: undefined,
      normalize: 'image',
    });
  });
  it('--normalize image|batch; anything else is a usage error naming the choices', () => {
    assert.equal(resolvePlan({ normalize: 'batch' }).normalize, 'batch');
    assert.throws(() => resolvePlan({ normalize: 'run' as 'batch' }), (error: unknown) => usage(error) && /unknown --normalize "run"; choose image or batch/.test((error as Error).message));
  });
  it('--method all compares every method of the table', () => {
    const plan = resolvePlan({ method: 'all' });
    assert.deepEqual(plan.compare, CAM_METHOD_NAMES);
    assert.equal(plan.method, 'gradcam');
  });
  it('--layer a,b is a list of layers; an empty name is refused', () => {
    assert.deepEqual(resolvePlan({ layer: 'conv1, conv2' }).layer, ['conv1', 'conv2']);
    assert.throws(() => resolvePlan({ layer: 'conv1,' }), usage);
  });
  it('--smooth-grad N with the default or a given noise; --noise alone and bad counts are usage errors', () => {
    assert.deepEqual(resolvePlan({ smoothGrad: 8 }).smoothGrad, { samples: 8, noise: DEFAULT_SMOOTH_GRAD_NOISE });
    assert.deepEqual(resolvePlan({ smoothGrad: 2, noise: 0.3 }).smoothGrad, { samples: 2, noise: 0.3 });
    assert.throws(() => resolvePlan({ noise: 0.3 }), usage);
    assert.throws(() => resolvePlan({ smoothGrad: 0 }), usage);
    assert.throws(() => resolvePlan({ method: 'nope' as 'gradcam' }), usage);
  });
});
