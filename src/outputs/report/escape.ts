/** Escaping for the HTML report (html-report.ts): markup, the embedded JSON, and file links. */
import * as path from 'node:path';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and
 * `&` become `\u003c`, `\u003e`, `\u0026` (still the same JSON), so neither
 * `</script>` nor `<!--` can occur and the HTML parser cannot leave the
 * element early (HTML spec, "script data" states); U+2028/U+2029 are escaped
 * too, for any reader that evaluates it as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A relative URL for a path relative to the output directory: each segment
 * percent-encoded, so `#`, `?`, `%`, spaces and quotes in file names stay
 * part of the path (and `javascript:` cannot become a scheme). Absolute paths
 * under `baseDir` are made relative to it first.
 */
export function hrefFor(filePath: string, baseDir?: string): string {
  let relative = filePath;
  if (baseDir !== undefined && path.isAbsolute(filePath)) relative = path.relative(baseDir, filePath);
  return relative.split(path.sep).join('/').split('/').map(encodeURIComponent).join('/');
}
