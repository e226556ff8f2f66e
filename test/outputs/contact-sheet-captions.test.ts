/** Contact-sheet tiles captioned with their index or file name and probability (issue 13). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderContactSheets } from '../../src/outputs/contact-sheet.js';
import { planContactSheets, tileDetail, tileName, type ContactSheetItem } from '../../src/outputs/contact-sheet-layout.js';
import { colormapLookup } from '../../src/render/colormaps.js';
import { estimateTextWidth } from '../../src/render/text-width.js';
import { pixelAt, rawPixels } from '../helpers/render-fixtures.js';

describe('tileName', () => {
  const cases: [string, string][] = [
    ['mnist:test/42', '#42'],
    ['mnist:train/59999', '#59999'],
    ['digits/more/1_one.png', '1_one'],
    ['C:\\scans\\7_seven.jpg', '7_seven'],
    ['plain', 'plain'],
    ['.hidden.png', '.hidden'],
  ];
  for (const [source, name] of cases) it(`${source} -> ${name}`, () => assert.equal(tileName(source), name));
});

describe('tileDetail', () => {
  it('is "name probability" with a whole-number percentage, "<1%" / ">99%" at the ends', () => {
    assert.equal(tileDetail('#42', 0.9713, 56, 9), '#42 97%');
    assert.equal(tileDetail('#7', 0.99999, 56, 9), '#7 >99%');
    assert.equal(tileDetail('#7', 0.001, 56, 9), '#7 <1%');
    assert.equal(tileDetail(undefined, 0.5, 56, 9), '50%');
  });

  it('shortens a long file name in the middle so the line fits the cell, keeping its end', () => {
    const name = 'my-handwritten-digit-seven';
    const text = tileDetail(name, 0.97, 80, 9);
    assert.ok(estimateTextWidth(text, 9) <= 80, `${text} fits 80 px`);
    assert.match(text, /^my?.*….*n 97%$/);
    assert.equal(tileDetail(name, 0.97, 400, 9), `${name} 97%`, 'no shortening when it fits');
  });
});

/** A flat item; `name` for its detail line. */
function item(predicted: number, probability: number, name?: string): ContactSheetItem {
  return {
    image: new Float32Array(28 * 28).fill(0.2),
    imageHeight: 28,
    imageWidth: 28,
    heatmap: new Float32Array(121).fill(0.3),
    heatmapHeight: 11,
    heatmapWidth: 11,
    predicted,
    label: predicted,
    probability,
    ...(name === undefined ? {} : { name }),
  };
}

describe('detail lines on the sheet', () => {
  it('plans one line per tile under its caption: MNIST lines from cached glyphs, file names in the page block', () => {
    const plan = planContactSheets([item(7, 0.97, '#42'), item(2, 0.5, '2_two')]);
    const [page] = plan.pages;
    // "#42 97%" as glyphs: '#', '4', '2', '9', '7', '%' (the space is not drawn).
    const glyphs = page!.labels.filter((l) => l.anchor === 'start' && l.text.length === 1 && '#0123456789%'.includes(l.text));
    assert.deepEqual(glyphs.map((l) => l.text).join(''), '#4297%');
    assert.deepEqual(page!.details.map((l) => l.text), ['2_two 50%'], 'a short name fits a 56 px tile (the line may use the gutter)');
    const caption = page!.labels.find((l) => l.text === '2' && l.anchor === undefined)!;
    assert.ok(page!.details[0]!.y > caption.y, 'the detail line is under the class caption');
    assert.ok(page!.details[0]!.y < page!.height, 'and on the page');
  });

  it('draws them: ink appears in each tile\'s detail band, none without names and probabilities to show', async () => {
    const named = [item(7, 0.97, '#42'), item(2, 0.5, '2_two')];
    const plan = planContactSheets(named);
    const raw = await rawPixels((await renderContactSheets(named))[0]!);
    const g = plan.geometry;
    for (const [i, tile] of plan.pages[0]!.tiles.entries()) {
      const detail = i === 0 ? plan.pages[0]!.labels.filter((l) => l.text === '#')[0]! : plan.pages[0]!.details[0]!;
      let ink = 0;
      for (let y = detail.y - detail.fontSize; y <= detail.y; y++) {
        for (let x = tile.left - g.frame; x < tile.left + g.cellWidth - g.frame; x++) if (pixelAt(raw, x, y)[0]! < 160) ink++;
      }
      assert.ok(ink > 15, `tile ${i}: ${ink} ink pixels in its detail line`);
    }
  });
});

describe('the colour bar on contact sheets', () => {
  it('sits under the legend, above the grid, from colormap(0) to colormap(1), on every page', async () => {
    const items = [item(7, 0.97, '#1'), item(2, 0.5, '#2'), item(3, 0.6, '#3')];
    const options = { colormap: 'turbo' as const, perPage: 2, colourBar: { caption: "1 = each map's own raw peak (logit)" } };
    const plan = planContactSheets(items, options);
    const bar = plan.geometry.colourBar!;
    assert.ok(bar.bar.top + bar.height < plan.geometry.gridTop, 'above the grid');
    assert.ok(planContactSheets(items, { perPage: 2 }).geometry.gridTop < plan.geometry.gridTop, 'the bar adds a band');
    const caption = plan.pages[0]!.labels.find((l) => l.text === options.colourBar.caption)!;
    assert.deepEqual([caption.x, caption.anchor], [bar.bar.left, 'start'], 'the caption starts at the bar, inside the page');
    const pages = await renderContactSheets(items, options);
    assert.equal(pages.length, 2);
    const lut = colormapLookup('turbo');
    for (const png of pages) {
      const raw = await rawPixels(png);
      assert.deepEqual(pixelAt(raw, bar.bar.left, bar.bar.top), Array.from(lut.subarray(0, 3)));
      assert.deepEqual(pixelAt(raw, bar.bar.left + bar.bar.width - 1, bar.bar.top + bar.bar.height - 1), Array.from(lut.subarray(765, 768)));
    }
  });
});
