import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { panelLayout } from '../../src/render/panel-layout.js';
import { estimateTextWidth } from '../../src/render/text-width.js';

describe('panelLayout', () => {
  it('widens a column for a title wider than its tile (scale 1)', () => {
    const small = panelLayout(28, 28, { original: 'Original (label 7)', gradcam: 'Grad-CAM' });
    const titleWidth = estimateTextWidth('Original (label 7)', small.labels[0]?.fontSize ?? 0);
    assert.ok(small.width >= titleWidth + 28, `width ${small.width} for a ${titleWidth} px title`);
    assert.ok(small.originalTile.left + 28 <= small.gradcamTile.left);
  });
});
