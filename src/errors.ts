/**
 * Exit codes shared by every command (see HOUSE_STYLE.md, "Errors").
 * 0 success; 1 failure (in batch: at least one input failed, the others were
 * still processed); 2 usage error (bad flag or option value).
 */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * An expected failure: bad input, a missing file, an unknown layer name.
 * The message names the offending value and, where there is one, the fix.
 * `cli.ts` prints it as one line without a stack; anything that is not a
 * GradcamError is a bug and is printed with its stack.
 */
export class GradcamError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT_CODES.failure, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GradcamError';
    this.exitCode = exitCode;
  }
}

/** A GradcamError for a bad flag or option value (exit code 2). */
export function usageError(message: string): GradcamError {
  return new GradcamError(message, EXIT_CODES.usage);
}

/** The first line of an error's message: library errors can span many lines; ours are printed as one. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}
