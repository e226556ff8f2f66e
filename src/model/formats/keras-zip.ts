/**
 * Keras 3 `.keras` archives (`model.save("model.keras")`): a zip holding
 * `config.json` (the model's config) and `model.weights.h5`, whose weights sit
 * at `layers/<layer name>/vars/0, 1, ...` (nested models:
 * `layers/<outer>/layers/<inner>/vars/...`), as Keras' saving_lib.py writes them.
 */
import { strFromU8, unzipSync } from 'fflate';
import { firstLine, GradcamError } from '../../errors.js';
import { datasetAt, groupAt, readWeight, withHdf5, type Group, type StoredWeight } from './hdf5.js';
import { buildKerasModel, parseJson, readBytes } from './keras-model.js';
import type { ModelFormat, ReadModel } from './model-format.js';

/** A zip file's local file header signature ("PK\x03\x04", APPNOTE.TXT 4.3.7). */
const ZIP_SIGNATURE = Uint8Array.of(0x50, 0x4b, 0x03, 0x04);
const CONFIG_FILE = 'config.json';
const WEIGHTS_FILE = 'model.weights.h5';

export const kerasZipFormat: ModelFormat = {
  description: 'Keras 3 model archive (.keras)',
  extensions: ['.keras'],
  magic: ZIP_SIGNATURE,
  read: readKerasZip,
};

async function readKerasZip(file: string): Promise<ReadModel> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(await readBytes(file), { filter: (entry) => entry.name === CONFIG_FILE || entry.name === WEIGHTS_FILE });
  } catch (cause) {
    if (cause instanceof GradcamError) throw cause;
    throw new GradcamError(`${file}: not a readable zip archive (${firstLine(cause)}); is the file complete?`, 1, { cause });
  }
  const configBytes = entries[CONFIG_FILE];
  const weightBytes = entries[WEIGHTS_FILE];
  if (configBytes === undefined || weightBytes === undefined) {
    throw new GradcamError(`${file}: a .keras archive needs ${CONFIG_FILE} and ${WEIGHTS_FILE}; save the model with Keras 3 model.save("model.keras")`);
  }
  const config = parseJson(strFromU8(configBytes), file, CONFIG_FILE);
  return withHdf5(weightBytes, `${file}:${WEIGHTS_FILE}`, async (root) => {
    const model = await buildKerasModel(config, file, (layerPath) => zipLayerWeights(root, layerPath, file));
    return { model };
  });
}

/** `layers/<a>/layers/<b>/vars/0, 1, ...` in index order; undefined when the group is absent. */
function zipLayerWeights(root: Group, layerPath: readonly string[], file: string): StoredWeight[] | undefined {
  const vars = groupAt(root, `${layerPath.map((name) => `layers/${name}`).join('/')}/vars`);
  if (vars === undefined) return undefined;
  const indices = vars.keys().filter((key) => /^\d+$/.test(key)).sort((a, b) => Number(a) - Number(b));
  const datasets = indices.map((index) => datasetAt(vars, index));
  if (datasets.some((d) => d === undefined)) return undefined;
  return datasets.map((dataset, i) => readWeight(dataset!, indices[i]!, file));
}
