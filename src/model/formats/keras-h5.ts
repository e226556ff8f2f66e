/**
 * Keras HDF5 models (`model.save("model.h5")`, Keras 2 and Keras 3): the root
 * attribute `model_config` holds the model's JSON; group `model_weights` holds
 * one group per layer whose attribute `weight_names` lists its datasets
 * ("conv2d/kernel:0" in Keras 2, "sequential/conv2d/kernel" in Keras 3),
 * as Keras' legacy_h5_format.py writes them.
 */
import { GradcamError } from '../../errors.js';
import { datasetAt, groupAt, readWeight, stringsAttribute, withHdf5, type Group, type StoredWeight } from './hdf5.js';
import { buildKerasModel, parseJson, readBytes } from './keras-model.js';
import type { ModelFormat, ReadModel } from './model-format.js';

/** HDF5's file signature (HDF5 File Format Specification, "Format Signature"). */
const HDF5_SIGNATURE = Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);

export const kerasH5Format: ModelFormat = {
  description: 'Keras HDF5 model (.h5)',
  extensions: ['.h5', '.hdf5'],
  magic: HDF5_SIGNATURE,
  read: readKerasH5,
};

async function readKerasH5(file: string): Promise<ReadModel> {
  const bytes = await readBytes(file);
  return withHdf5(bytes, file, async (root) => {
    const configText = stringsAttribute(root, 'model_config')?.[0];
    if (configText === undefined) {
      const hint = groupAt(root, 'layers') !== undefined || groupAt(root, 'model_weights') === undefined ? ' (weights only?)' : '';
      throw new GradcamError(
        `${file}: HDF5 file without "model_config"${hint}; save the whole model with model.save("model.h5") or model.save("model.keras")`,
      );
    }
    const config = parseJson(configText, file, 'model_config');
    const weights = groupAt(root, 'model_weights') ?? root;
    const model = await buildKerasModel(config, file, (layerPath) => h5LayerWeights(weights, layerPath, file));
    return { model };
  });
}

/**
 * The weights of the layer at `layerPath`: those `weight_names` lists in the
 * outer layer's group; inside a nested model, those whose name's second-last
 * part is the inner layer's name.
 */
function h5LayerWeights(weights: Group, layerPath: readonly string[], file: string): StoredWeight[] | undefined {
  const [outer] = layerPath;
  const group = outer === undefined ? undefined : groupAt(weights, outer);
  if (group === undefined) return undefined;
  const names = stringsAttribute(group, 'weight_names') ?? [];
  const inner = layerPath.length > 1 ? layerPath.at(-1) : undefined;
  const mine = inner === undefined ? names : names.filter((name) => name.split('/').at(-2) === inner);
  const found = mine.map((name) => ({ name, dataset: datasetAt(group, name) }));
  if (found.some((w) => w.dataset === undefined)) return undefined;
  return found.map((w) => readWeight(w.dataset!, w.name, file));
}
