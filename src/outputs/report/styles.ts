/** The HTML report's stylesheet (html-report.ts), inline in <style>. */

/** The CSS of the page; `thumbnailSize` in CSS pixels sets `--thumb`. */
export function styles(thumbnailSize: number): string {
  return `
:root { --thumb: ${thumbnailSize}px; --bad: #c62828; --bad-bg: #fdecea; --muted: #666; --line: #ddd; --warn: #9a5b00; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 16px 20px 40px; max-width: 1600px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #111; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h2 small { font-weight: normal; color: var(--muted); font-size: 13px; }
a { color: #1558b0; }
.verdict { font-size: 16px; margin: 4px 0 12px; color: #1b5e20; }
.verdict.bad { color: var(--bad); }
.verdict.fair { color: #a15c00; }
.verdict.none { color: #111; }
.colour-key { margin: 0 0 10px; max-width: 360px; }
.colour-bar { height: 14px; border: 1px solid var(--line); }
.colour-ticks { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
.colour-key figcaption { font-size: 12px; color: var(--muted); }
.note { color: var(--muted); }
dl.summary { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0 0 10px; }
dl.summary div { min-width: 0; }
dl.summary dt { color: var(--muted); font-size: 12px; }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 2px 7px; text-align: right; }
table.confusion td a { color: inherit; text-decoration: none; display: block; }
td.zero { color: #bbb; }
td.hit { background: #e8f5e9; }
td.miss1 { background: #fdecea; } td.miss2 { background: #f8bbb5; } td.miss3 { background: #ef8a80; } td.miss4 { background: #e0483e; color: #fff; }
td.recall { color: var(--muted); }
table.failures td, table.failures th { text-align: left; vertical-align: top; }
table.failures td.source { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; max-width: 40em; }
table.failures td.error { color: var(--bad); }
#controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; position: sticky; top: 0; background: #fff; padding: 8px 0; z-index: 1; border-bottom: 1px solid var(--line); }
#status { color: var(--muted); margin: 6px 0; }
#grid { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(calc(var(--thumb) + 16px), 1fr)); gap: 8px; }
/* Off-screen tiles skip layout and paint: 10,000 of them stay cheap. */
.tile { content-visibility: auto; contain-intrinsic-size: auto calc(var(--thumb) + 16px) calc(var(--thumb) + 74px); border: 2px solid transparent; border-radius: 4px; padding: 4px; text-align: center; }
.tile img { display: block; width: var(--thumb); height: var(--thumb); margin: 0 auto; object-fit: contain; image-rendering: pixelated; background: #eee; }
.tile .caption, .tile .truth, .tile .index { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .caption { font-variant-numeric: tabular-nums; }
.tile .pred { font-weight: 600; }
.tile .prob, .tile .index, .tile .truth { color: var(--muted); }
.tile .truth, .tile .index { font-size: 12px; }
.tile .index { font-size: 11px; }
.tile .note { display: block; font-size: 11px; color: var(--warn); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile.misclassified { border-color: var(--bad); background: var(--bad-bg); }
.tile.misclassified .truth { color: var(--bad); font-weight: 600; }
.tile.missing img { outline: 2px dashed var(--bad); }
`;
}
