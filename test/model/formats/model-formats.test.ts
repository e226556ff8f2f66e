import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { temporaryDirectory } from '../../helpers/temp-dir.js';
import { detectModelFormat, isModelFileName, MODEL_FORMATS, type ModelFormatName } from '../../../src/model/formats/model-formats.js';

describe('model formats', () => {
  const tmp = temporaryDirectory('gradcam-formats-');

  const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];
  const ZIP = [0x50, 0x4b, 0x03, 0x04, 0x14, 0];
  const JSON_TEXT = [...new TextEncoder().encode('{"modelTopology": {}}')];
  const cases: [string, number[], ModelFormatName][] = [
    ['model.json', JSON_TEXT, 'tfjs-layers'],
    ['my-model.json', JSON_TEXT, 'tfjs-layers'],
    ['model.h5', HDF5, 'keras-h5'],
    ['model.hdf5', HDF5, 'keras-h5'],
    ['model.keras', ZIP, 'keras-zip'],
    ['renamed.bin', HDF5, 'keras-h5'],
    ['mislabelled.json', ZIP, 'keras-zip'],
    ['garbage.h5', JSON_TEXT, 'keras-h5'],
    ['short.keras', [0x50], 'keras-zip'],
    ['no-extension', JSON_TEXT, 'tfjs-layers'],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`${name} starting ${bytes.slice(0, 4).map((b) => b.toString(16)).join(' ')} → ${expected}`, async () => {
      const file = path.join(tmp(), name);
      await fs.writeFile(file, Uint8Array.from(bytes));
      assert.equal(await detectModelFormat(file), expected);
    });
  }

  it('model file names by extension, case-insensitively', () => {
    assert.deepEqual(['a.json', 'b.H5', 'c.keras', 'd.hdf5', 'e.bin', 'f.txt'].map(isModelFileName), [true, true, true, true, false, false]);
  });

  it('every format names itself and its extensions', () => {
    for (const format of Object.values(MODEL_FORMATS)) {
      assert.ok(format.description.length > 0 && format.extensions.length > 0 && format.extensions.every((e) => e.startsWith('.')));
    }
  });
});
