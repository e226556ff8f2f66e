import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');

/** MNIST digits: 28×28 pixels, one grey channel. */
export const MNIST_INPUT_SHAPE = [28, 28, 1] as const;

/** MNIST stores pixels as bytes 0..255; the tutorial scales them by 1/255. */
export const MNIST_PIXEL_MAX = 255;

/** The ten digit classes, in output order. */
export const DIGIT_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Key under which gradcam keeps its metadata in `userDefinedMetadata` of model.json. */
export const METADATA_KEY = 'gradcam';

/** Compile settings of the tutorial: Adam, lr 1e-3, sparse categorical cross-entropy, accuracy. */
export const TUTORIAL_LEARNING_RATE = 0.001;

/** What a run of `gradcam train` measured; stored with the model. */
export interface TrainingSummary {
  epochs: number;
  batchSize: number;
  validationSplit: number;
  learningRate: number;
  seed: number;
  trainImages: number;
  validationImages: number;
  /** Accuracy on the full MNIST test set (10,000 images), 0..1. */
  testAccuracy: number;
  testLoss: number;
  /** Wall time of the training loop (excluding evaluation), seconds. */
  trainSeconds: number;
  /** Training throughput, images per second. */
  imagesPerSecond: number;
  backend: string;
  /** Training threads (data parallel); absent in models trained before workers existed (1). */
  workers?: number;
  /** ISO 8601 time the training finished. */
  finishedAt: string;
  /** The command line that produced this model, for the record. */
  command?: string;
}

/**
 * Metadata gradcam stores in `userDefinedMetadata.gradcam` of model.json.
 * Models from elsewhere (tfjs-node, tensorflowjs_converter) lack it; see
 * {@link defaultMetadataFor}.
 */
export interface ModelMetadata {
  /**
   * The model's input size and normalisation: it sees (8-bit value · scale −
   * mean[c]) / std[c] per channel (mean 0 and std 1 when absent); the tutorial
   * CNN sees `pixel / 255`, white ink on black, as in MNIST. See model/input-spec.ts.
   */
  input: { height: number; width: number; channels: number; scale: number; mean?: number[]; std?: number[] };
  classNames: string[];
  training?: TrainingSummary;
}

/**
 * The Keras Grad-CAM tutorial's CNN, built with the functional API:
 * Input 28×28×1 → Conv2D 32 3×3 relu `conv1` → MaxPool 2 → Conv2D 64 3×3 relu
 * `conv2` → MaxPool 2 → Flatten → Dense 64 relu → Dense 10 softmax.
 * 121,930 parameters. Compiled with Adam (lr 1e-3), sparse categorical
 * cross-entropy and accuracy, as in the tutorial.
 *
 * @param seed seeds the Glorot-uniform kernel initialisers (biases start at 0,
 *   the Keras default), so a run is reproducible.
 */
export function buildTutorialCnn(options: { seed?: number; learningRate?: number } = {}): tfl.LayersModel {
  const { seed, learningRate = TUTORIAL_LEARNING_RATE } = options;
  // Each layer gets its own seed: one shared seed would give conv1 and conv2
  // the same random stream, which is a needless correlation.
  let layerSeed = seed;
  const kernelInitializer = () =>
    layerSeed === undefined ? undefined : tfl.initializers.glorotUniform({ seed: layerSeed++ });

  const inputs = tfl.input({ shape: [...MNIST_INPUT_SHAPE], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv1', kernelInitializer: kernelInitializer() })
    .apply(inputs) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2', kernelInitializer: kernelInitializer() })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({ units: 64, activation: 'relu', name: 'dense', kernelInitializer: kernelInitializer() })
    .apply(x) as tfl.SymbolicTensor;
  const outputs = tfl.layers
    .dense({ units: DIGIT_CLASS_NAMES.length, activation: 'softmax', name: 'predictions', kernelInitializer: kernelInitializer() })
    .apply(x) as tfl.SymbolicTensor;

  const model = tfl.model({ inputs, outputs, name: 'mnist_cnn' });
  compileTutorialCnn(model, learningRate);
  return model;
}

/** Compile a model with the tutorial's settings (Adam, sparse categorical cross-entropy, accuracy). */
export function compileTutorialCnn(model: tfl.LayersModel, learningRate = TUTORIAL_LEARNING_RATE): void {
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

/** Metadata for the tutorial CNN or for a model that carries none: 28×28×1 (or the model's input shape), x/255, classes 0..K-1. */
export function defaultMetadataFor(model: tfl.LayersModel): ModelMetadata {
  const inputShape = model.inputs[0]?.shape ?? [null, ...MNIST_INPUT_SHAPE];
  const outputShape = model.outputs[0]?.shape ?? [null, DIGIT_CLASS_NAMES.length];
  const classCount = outputShape[outputShape.length - 1] ?? DIGIT_CLASS_NAMES.length;
  return {
    input: {
      height: inputShape[1] ?? MNIST_INPUT_SHAPE[0],
      width: inputShape[2] ?? MNIST_INPUT_SHAPE[1],
      channels: inputShape[3] ?? MNIST_INPUT_SHAPE[2],
      scale: 1 / MNIST_PIXEL_MAX,
    },
    classNames: Array.from({ length: classCount }, (_, i) => DIGIT_CLASS_NAMES[i] ?? String(i)),
  };
}

/** Number of trainable and non-trainable parameters (weights) of a model. */
export function countParameters(model: tfl.LayersModel): number {
  return model.weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
