/**
 * Entry point of one CAM worker thread (started by gradcam-pool.ts;
 * compiled next to it): loads the model on its own TensorFlow.js backend and
 * explains the slices of batches the pool sends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { preloadTensorflow } from '../backend/tfjs-loader.js';
import type { GradcamJob, GradcamPoolSetup, GradcamReply } from './gradcam-pool.js';
import { serializeError } from '../serialized-error.js';

const setup = workerData as GradcamPoolSetup;

async function start(): Promise<void> {
  preloadTensorflow();
  const [{ initBackend }, { loadModel }, { createCam }, { stackImages }] = await Promise.all([
    import('../backend/init-backend.js'),
    import('../model/model-files.js'),
    import('./pipeline.js'),
    import('../model/classify.js'),
  ]);
  await initBackend(setup.backend);
  const { model, inputSpec } = await loadModel(setup.modelJsonPath, setup.modelOutput === undefined ? {} : { output: setup.modelOutput });
  const cam = createCam(model, {
    method: setup.method,
    layerName: setup.layerName.split(','),
    score: setup.score,
    eigenSmooth: setup.eigenSmooth === true,
    ...(setup.smoothGrad === undefined ? {} : { smoothGrad: setup.smoothGrad }),
  });
  const size = inputSpec.height * inputSpec.width * inputSpec.channels;
  parentPort!.on('message', (job: GradcamJob) => {
    try {
      const images = Array.from({ length: job.count }, (_, i) => job.images.subarray(i * size, (i + 1) * size));
      const x = stackImages(images, inputSpec);
      let batch;
      try {
        batch = cam.explain(x, job.classes ?? undefined);
      } finally {
        x.dispose();
      }
      const reply: GradcamReply = { id: job.id, batch };
      const { heatmaps, unnormalised, channelWeights, probabilities, logits } = batch;
      parentPort!.postMessage(reply, [heatmaps, unnormalised, channelWeights, probabilities, logits].map((a) => a.buffer as ArrayBuffer));
    } catch (error) {
      const reply: GradcamReply = { id: job.id, error: serializeError(error) };
      parentPort!.postMessage(reply);
    }
  });
  parentPort!.postMessage({ ready: true });
}

start().catch((error: unknown) => parentPort!.postMessage({ ready: false, error: serializeError(error) }));
