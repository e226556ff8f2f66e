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

describe('panelLayout with the user\'s picture (issue 11)', () => {
  it('puts the picture in a first column, left of the model input, without overlap', () => {
    const titles = { original: 'Model input 28×28', gradcam: 'Grad-CAM: 1 (99%)' };
    const without = panelLayout(280, 280, titles, 'layer conv2', { caption: '1 = raw peak 0.05' });
    const withPicture = panelLayout(280, 280, titles, 'layer conv2', { caption: '1 = raw peak 0.05' }, { width: 560, height: 280, title: 'Original' });
    const picture = withPicture.pictureTile!;
    assert.ok(picture !== undefined);
    assert.equal(without.pictureTile, undefined);
    assert.ok(picture.left + 560 < withPicture.originalTile.left, 'picture left of the model input');
    assert.equal(picture.top, withPicture.originalTile.top);
    assert.ok(withPicture.width >= without.width + 560);
    assert.equal(withPicture.height, without.height);
    assert.ok(withPicture.labels.some((l) => l.text === 'Original'));
  });

  it('centres a shorter picture on the tiles', () => {
    const layout = panelLayout(280, 280, { original: 'a', gradcam: 'b' }, undefined, undefined, { width: 840, height: 84, title: 'Original' });
    assert.equal(layout.pictureTile!.top, layout.originalTile.top + 98);
  });
});
