import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');

/**
 * Cascading model-parameter randomisation (Adebayo et al., "Sanity Checks for
 * Saliency Maps", NeurIPS 2018, §3.1) on a clone: the user's model is only
 * read. Step s re-initialises the s + 1 top layers with weights, from the
 * output layer down, cumulatively; the layers below keep their trained weights.
 *
 * Seeding: tfjs-layers initialises a layer's weights when the model is built
 * from its JSON, with the initialisers named in the layer's config
 * (`kernel_initializer`, `bias_initializer`, …), and an initialiser whose
 * config has a `seed` draws the same numbers every time
 * (tf.randomUniform / truncatedNormal with that seed). So the clone is
 * `tf.models.modelFromJSON(model.toJSON())` with `seed + layer index · 16 +
 * initialiser number` written into every initialiser's config: each layer is
 * re-drawn from its own initialiser, and a run repeats exactly. (Initialisers
 * without randomness, such as Zeros for biases, ignore the seed.)
 */
export interface RandomisationCascade {
  /** The clone; its weights follow {@link apply}. */
  readonly model: tfl.LayersModel;
  /** The layers with weights, from the output layer down: step s randomises layers[0..s]. */
  readonly layers: readonly string[];
  /** Sets the clone to step `step` (−1: every layer trained). */
  apply(step: number): void;
  dispose(): void;
}

/** The layers the sanity check randomises, from the output layer down: every layer with weights. */
export function cascadeLayerNames(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name).reverse();
}

/** What tfl.models.modelFromJSON takes: the Keras-format topology model.toJSON() returns. */
type ModelJson = Parameters<typeof tfl.models.modelFromJSON>[0];

interface LayerJson {
  config?: Record<string, unknown>;
}

/** A copy of a serialised model whose initialisers all carry seeds. */
function seededTopology(model: tfl.LayersModel, seed: number): ModelJson {
  const topology = JSON.parse(JSON.stringify(model.toJSON(undefined, false))) as { config: { layers: LayerJson[] } };
  topology.config.layers.forEach((layer, index) => {
    let number = 0;
    for (const [key, value] of Object.entries(layer.config ?? {})) {
      if (!key.endsWith('_initializer') || typeof value !== 'object' || value === null) continue;
      const initializer = value as { config?: Record<string, unknown> };
      initializer.config = { ...(initializer.config ?? {}), seed: seed + index * 16 + number++ };
    }
  });
  return topology as unknown as ModelJson;
}

/**
 * Builds the cascade for `model` (not modified; its weights are read once).
 * @returns a cascade at step −1 (trained weights); the caller disposes it.
 */
export async function randomisationCascade(model: tfl.LayersModel, seed: number): Promise<RandomisationCascade> {
  const clone = await tfl.models.modelFromJSON(seededTopology(model, seed));
  const layers = cascadeLayerNames(model);
  const random = new Map<string, tf.Tensor[]>();
  for (const name of layers) random.set(name, clone.getLayer(name).getWeights().map((w) => w.clone()));
  const apply = (step: number) => {
    layers.forEach((name, s) => {
      clone.getLayer(name).setWeights(s <= step ? random.get(name)! : model.getLayer(name).getWeights());
    });
  };
  apply(-1);
  return {
    model: clone,
    layers,
    apply,
    dispose: () => {
      clone.dispose();
      for (const weights of random.values()) tf.dispose(weights);
    },
  };
}
