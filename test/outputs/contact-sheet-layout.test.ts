import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SHEET_SIDE,
  SHEET_COLORS,
  contactSheetOrder,
  planContactSheets,
  tileCaption,
  verdictOf,
  type ContactSheetOptions,
} from '../../src/outputs/contact-sheet-layout.js';
import { isGradcamError } from '../helpers/render-fixtures.js';

/** The image size of an MNIST digit, which every item of these plans has. */
const MNIST_SIZE = { imageHeight: 28, imageWidth: 28 } as const;
const sized = <T extends object>(items: T[]) => items.map((item) => ({ ...item, ...MNIST_SIZE }));

describe('tileCaption and verdictOf', () => {
  const cases: Array<{ predicted: number; label?: number; names?: string[]; caption: string; verdict: string }> = [
    { predicted: 7, label: 7, caption: '7', verdict: 'correct' },
    { predicted: 7, caption: '7', verdict: 'unlabelled' },
    { predicted: 7, label: 2, caption: '7 ≠ 2', verdict: 'misclassified' },
    { predicted: 0, label: 9, caption: '0 ≠ 9', verdict: 'misclassified' },
    { predicted: 1, label: 0, names: ['cat', 'dog'], caption: 'dog ≠ cat', verdict: 'misclassified' },
    { predicted: 3, label: 3, names: ['cat'], caption: '3', verdict: 'correct' }, // no name: the index
  ];
  for (const { predicted, label, names, caption, verdict } of cases) {
    it(`predicted ${predicted}, label ${label ?? 'none'} -> "${caption}" (${verdict})`, () => {
      const item = label === undefined ? { predicted } : { predicted, label };
      assert.equal(tileCaption(item, names), caption);
      assert.equal(verdictOf(item), verdict);
    });
  }
});

describe('contactSheetOrder', () => {
  it('puts misclassified items first, then the others, each group in input order', () => {
    // indices:   0       1        2       3        4        5          6
    const items = [[1, 1], [2, 3], [4, -1], [5, 5], [6, 0], [7, 7], [8, 9]].map(([predicted, label]) =>
      label === -1 ? { predicted: predicted as number } : { predicted: predicted as number, label: label as number },
    );
    assert.deepEqual(contactSheetOrder(items), [1, 4, 6, 0, 2, 3, 5]);
  });

  it('keeps input order when nothing is misclassified', () => {
    assert.deepEqual(contactSheetOrder([{ predicted: 1 }, { predicted: 2, label: 2 }, { predicted: 3 }]), [0, 1, 2]);
  });
});

describe('planContactSheets', () => {
  const cases: Array<{ count: number; perPage: number; pages: number; columns: number; lastRows: number; rows: number }> = [
    { count: 1, perPage: 400, pages: 1, columns: 1, rows: 1, lastRows: 1 },
    { count: 7, perPage: 400, pages: 1, columns: 7, rows: 1, lastRows: 1 },
    { count: 400, perPage: 400, pages: 1, columns: 20, rows: 20, lastRows: 20 },
    { count: 401, perPage: 400, pages: 2, columns: 20, rows: 20, lastRows: 1 },
    { count: 10_000, perPage: 400, pages: 25, columns: 20, rows: 20, lastRows: 20 },
    { count: 50, perPage: 12, pages: 5, columns: 4, rows: 3, lastRows: 1 }, // ceil(sqrt(12)) = 4 columns
  ];
  for (const { count, perPage, pages, columns, rows, lastRows } of cases) {
    it(`${count} items, ${perPage} per page -> ${pages} page(s) of ${columns} columns, last with ${lastRows} row(s)`, () => {
      const items = Array.from({ length: count }, (_, i) => ({ predicted: i % 10, label: i % 10, ...MNIST_SIZE }));
      const plan = planContactSheets(items, { perPage });
      assert.equal(plan.pages.length, pages);
      assert.equal(plan.geometry.columns, columns);
      const { cellHeight, gutter, gridTop, margin, tileWidth, tileHeight } = plan.geometry;
      assert.equal(tileWidth, 56); // 28 px * default scale 2
      assert.equal(tileHeight, 56);
      // Every item exactly once, pages full but the last.
      assert.deepEqual(
        plan.pages.flatMap((p) => p.tiles.map((t) => t.item)).sort((a, b) => a - b),
        Array.from({ length: count }, (_, i) => i),
      );
      plan.pages.forEach((page, p) => assert.equal(page.tiles.length, p < pages - 1 ? perPage : count - perPage * (pages - 1)));
      // One width for all pages; the height follows the number of rows.
      const first = plan.pages[0]!;
      const last = plan.pages[pages - 1]!;
      for (const page of plan.pages) assert.equal(page.width, first.width);
      const heightFor = (r: number) => gridTop + r * cellHeight + (r - 1) * gutter + margin;
      assert.equal(first.height, heightFor(rows));
      assert.equal(last.height, heightFor(lastRows));
      // Row-major grid: tiles `columns` apart share a column, the first `columns` share a row.
      const tiles = first.tiles;
      if (tiles.length > columns) assert.equal(tiles[columns]!.left, tiles[0]!.left);
      for (let i = 1; i < Math.min(columns, tiles.length); i++) {
        assert.equal(tiles[i]!.top, tiles[0]!.top);
        assert.ok(tiles[i]!.left >= tiles[i - 1]!.left + tileWidth, 'tiles in a row do not overlap');
      }
      // Everything, frame included, lies inside the page.
      for (const page of plan.pages) {
        for (const t of page.tiles) {
          assert.ok(t.left - plan.geometry.frame >= 0 && t.left + tileWidth + plan.geometry.frame <= page.width);
          assert.ok(t.top - plan.geometry.frame >= gridTop - gutter && t.top + tileHeight <= page.height - margin);
        }
      }
    });
  }

  it('has no pages for no items', () => {
    assert.deepEqual(planContactSheets([]).pages, []);
  });

  it('puts the misclassified items on page 1 and reports them in the header', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ predicted: i % 10, label: i % 97 === 5 ? (i + 1) % 10 : i % 10, ...MNIST_SIZE }));
    const wrong = items.flatMap((item, i) => (item.label !== item.predicted ? [i] : []));
    const plan = planContactSheets(items);
    assert.deepEqual(
      plan.pages[0]!.tiles.slice(0, wrong.length).map((t) => t.item),
      wrong,
    );
    assert.ok(plan.pages[0]!.tiles.slice(0, wrong.length).every((t) => t.verdict === 'misclassified'));
    assert.equal(plan.pages[0]!.tiles[wrong.length]!.item, 0);
    assert.equal(plan.pages.length, 3);
    const [header, pageNumber, , ...captions] = plan.pages[0]!.labels;
    assert.equal(header!.text, `gradcam · 1,000 images · ${1000 - wrong.length} correct · ${wrong.length} misclassified`);
    assert.equal(pageNumber!.text, 'page 1/3');
    assert.equal(pageNumber!.anchor, 'end');
    assert.equal(plan.pages[2]!.labels[1]!.text, 'page 3/3');
    // Captions: "7 ≠ 2" as three red labels around the sign for a mistake, the class alone otherwise.
    assert.equal(captions.length, 3 * wrong.length + (400 - wrong.length));
    const first = items[wrong[0]!]!;
    assert.deepEqual(
      captions.slice(0, 3).map((l) => [l.text, l.anchor ?? 'middle', l.color]),
      [
        [String(first.predicted), 'end', SHEET_COLORS.misclassifiedCaption],
        ['≠', 'middle', SHEET_COLORS.misclassifiedCaption],
        [String(first.label), 'start', SHEET_COLORS.misclassifiedCaption],
      ],
    );
    const [predicted, sign, truth] = captions;
    assert.ok(predicted!.x < sign!.x && sign!.x < truth!.x);
    const firstCorrect = captions[3 * wrong.length]!;
    assert.equal(firstCorrect.text, String(items[0]!.predicted));
    assert.equal(firstCorrect.color, SHEET_COLORS.caption);
  });

  const headerCases: Array<{ why: string; items: Array<{ predicted: number; label?: number }>; options: ContactSheetOptions; header: string }> = [
    {
      why: 'no labels: just the count',
      items: [{ predicted: 1 }, { predicted: 2 }],
      options: {},
      header: 'gradcam · 2 images',
    },
    {
      why: 'some unlabelled',
      items: [{ predicted: 1, label: 1 }, { predicted: 2, label: 3 }, { predicted: 4 }],
      options: { title: 'CI run 42' },
      header: 'CI run 42 · 3 images · 1 correct · 1 misclassified · 1 unlabelled',
    },
    {
      why: 'run counts given (--only misclassified): the run, and how many are shown',
      items: [{ predicted: 2, label: 3 }],
      options: { counts: { explained: 12_345, labelled: 12_345, correct: 12_000 } },
      header: 'gradcam · 12,345 images · 12,000 correct · 345 misclassified · showing 1',
    },
    {
      why: 'one image',
      items: [{ predicted: 5, label: 5 }],
      options: {},
      header: 'gradcam · 1 image · 1 correct · 0 misclassified',
    },
  ];
  for (const { why, items, options, header } of headerCases) {
    it(`header line: ${why}`, () => {
      assert.equal(planContactSheets(sized(items), options).pages[0]!.labels[0]!.text, header);
    });
  }

  it('widens cells for long class names so captions do not overlap', () => {
    const items = sized([{ predicted: 0, label: 1 }, { predicted: 1, label: 1 }]);
    const short = planContactSheets(items);
    const long = planContactSheets(items, { classNames: ['a very long class name', 'another long one'] });
    assert.equal(short.geometry.cellWidth, 56 + 2 * short.geometry.frame);
    assert.ok(long.geometry.cellWidth > short.geometry.cellWidth);
  });

  it('rejects bad options and items with messages naming them', () => {
    const items = sized([{ predicted: 1 }]);
    assert.throws(() => planContactSheets(items, { perPage: 0 }), isGradcamError(/tiles per page must be a whole number >= 1.*got 0/, 2));
    assert.throws(() => planContactSheets(items, { perPage: 2.5 }), isGradcamError(/got 2.5/, 2));
    assert.throws(() => planContactSheets(items, { scale: 0 }), isGradcamError(/scale must be a whole number >= 1.*got 0/, 2));
    const many = Array.from({ length: 10_000 }, () => ({ predicted: 1, ...MNIST_SIZE }));
    assert.throws(
      () => planContactSheets(many, { perPage: 10_000, scale: 4 }),
      isGradcamError(new RegExp(`limit ${MAX_SHEET_SIDE} px a side.*tiles per page \\(10000\\)`), 2),
    );
    assert.throws(() => planContactSheets(sized([{ predicted: -1 }])), isGradcamError(/item 0: predicted must be a class index.*got -1/));
    assert.throws(
      () => planContactSheets(sized([{ predicted: 1 }, { predicted: 1, label: 2.5 }])),
      isGradcamError(/item 1: label must be a class index.*got 2.5/),
    );
    assert.throws(
      () => planContactSheets([{ predicted: 1, ...MNIST_SIZE }, { predicted: 1, imageHeight: 32, imageWidth: 32 }]),
      isGradcamError(/item 1 is 32x32 but item 0 is 28x28/),
    );
  });
});
