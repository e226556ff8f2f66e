/**
 * Guided backpropagation's ReLU (Springenberg et al., "Striving for
 * Simplicity: The All Convolutional Net", ICLR workshop 2015, eq. 6): on the
 * way back, a ReLU passes the gradient only where its forward input was
 * positive *and* the incoming gradient is positive, R_l = (f_l > 0) · (R_{l+1} > 0) · R_{l+1}.
 */
import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';

type Layer = tfl.LayersModel['layers'][number];
interface Activation {
  getClassName(): string;
  apply(x: tf.Tensor): tf.Tensor;
}

const RELU = 'Relu';

/** Every layer of the model, nested models included. */
function allLayers(layers: readonly Layer[]): Layer[] {
  return layers.flatMap((layer) => {
    const nested = (layer as { layers?: Layer[] }).layers;
    return Array.isArray(nested) ? [layer, ...allLayers(nested)] : [layer];
  });
}

/**
 * Runs `compute` with every ReLU of `model` guided. Two things make a ReLU in
 * a layers model: the `relu` kernel (Activation/ReLU layers, unfused
 * activations), whose registered gradient is replaced for the duration, and
 * Conv2D/Dense layers with `activation: 'relu'`, which tfjs-layers fuses into
 * the convolution or matMul with a gradient of its own; their activation is
 * swapped, for the duration, for one that does not fuse and so runs the relu
 * kernel. Synchronous, so nothing else runs in between; everything is put
 * back in `finally`.
 */
export function withGuidedRelu<T>(model: tfl.LayersModel, compute: () => T): T {
  const original = tf.getGradient(RELU);
  const swapped: { layer: Layer; activation: Activation }[] = [];
  try {
    tf.registerGradient({
      kernelName: RELU,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved as [tf.Tensor];
        const gradient = dy as tf.Tensor;
        return { x: () => tf.mul(gradient, tf.cast(tf.logicalAnd(tf.greater(x, 0), tf.greater(gradient, 0)), 'float32')) };
      },
    });
    for (const layer of allLayers(model.layers)) {
      const holder = layer as unknown as { activation?: Activation };
      const activation = holder.activation;
      if (activation === undefined || activation === null || activation.getClassName() !== 'relu') continue;
      swapped.push({ layer, activation });
      holder.activation = { getClassName: () => 'guided-relu', apply: (x) => activation.apply(x) };
    }
    return compute();
  } finally {
    for (const { layer, activation } of swapped) (layer as unknown as { activation: Activation }).activation = activation;
    if (original !== undefined && original !== null) tf.registerGradient(original);
    else tf.unregisterGradient(RELU);
  }
}
