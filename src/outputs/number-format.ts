/**
 * Numbers as people read them, shared by the terminal text (cli/format.ts),
 * figure titles, contact sheets and the HTML report, so they all agree.
 * Plain string code: Intl.NumberFormat would cost ~20 ms of ICU start-up in
 * every run.
 */

/** 12345 -> "12,345" (rounded to a whole number first). */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A fraction as a percentage with `digits` decimals. A value that is not
 * exactly 1 (or 0) never prints as 100.00% (0.00%): ">99.99%" ("<0.01%"),
 * so a 0.999996 probability does not read as certainty.
 */
export function percent(fraction: number, digits = 2): string {
  const text = (fraction * 100).toFixed(digits);
  const step = 10 ** -digits;
  if (fraction < 1 && Number(text) >= 100) return `>${(100 - step).toFixed(digits)}%`;
  if (fraction > 0 && Number(text) <= 0) return `<${step.toFixed(digits)}%`;
  return `${text}%`;
}

/**
 * A probability as a figure caption reads it: "p = 12.34%", and at the ends
 * "p < 0.01%" / "p > 99.99%", so a tiny value is not shown as "p = <0.01%".
 */
export function probabilityPhrase(fraction: number): string {
  const text = percent(fraction);
  if (text.startsWith('<')) return `p < ${text.slice(1)}`;
  if (text.startsWith('>')) return `p > ${text.slice(1)}`;
  return `p = ${text}`;
}

/** A map's raw peak (score units) with 3 significant digits, e.g. "3.27", "0.000412", "1.2e-8". */
export function peakText(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e-4 && abs < 1e6 ? String(Number(value.toPrecision(3))) : value.toPrecision(2);
}
