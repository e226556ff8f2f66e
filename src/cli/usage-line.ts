/**
 * commander's usage errors as the one line the README promises (issue 12,
 * item 12): "error: unknown option '--epoch'\n(Did you mean --epochs?)"
 * becomes "gradcam: unknown option '--epoch' (did you mean --epochs?); see --help".
 */
export function usageLine(commanderText: string): string {
  const parts = commanderText
    .trim()
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const [message = 'bad usage', ...rest] = parts;
  // commander's suggestion, "(Did you mean …?)", kept in the same line.
  const notes = rest.map((part) => part.replace(/^\(Did you mean/, '(did you mean'));
  return `gradcam: ${[message, ...notes].join(' ').replace(/\.$/, '')}; see --help`;
}
