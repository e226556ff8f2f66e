import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isFailure, loadInputs, readingNotes } from '../../src/data/inputs.js';
import { animatedDigits } from '../helpers/animated-image.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

describe('readingNotes', () => {
  const cases: [frameCount: number, notes: string[]][] = [
    [1, []],
    [2, ['used frame 1 of 2']],
    [3, ['used frame 1 of 3']],
  ];
  for (const [frameCount, notes] of cases) it(`${frameCount} frame(s) → ${JSON.stringify(notes)}`, () => assert.deepEqual(readingNotes(frameCount), notes));
});

describe('loadInputs: notes (issue 12, item 13)', () => {
  const dir = temporaryDirectory('gradcam-inputs-', async (d) => {
    await fs.writeFile(path.join(d, 'anim.gif'), await animatedDigits('gif'));
    await fs.writeFile(path.join(d, 'still.gif'), await animatedDigits('gif', 1));
  });

  it('an animated GIF carries "used frame 1 of 3"; a still one no notes', async () => {
    const [anim, still] = await loadInputs(
      [{ kind: 'file', path: 'anim.gif' }, { kind: 'file', path: 'still.gif' }],
      { cwd: dir() },
    );
    assert.ok(anim !== undefined && !isFailure(anim) && still !== undefined && !isFailure(still));
    assert.deepEqual(anim.notes, ['used frame 1 of 3']);
    assert.equal('notes' in still, false);
  });
});
