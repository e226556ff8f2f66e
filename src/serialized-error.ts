/** An error as plain data, to cross a worker boundary (structured clone drops its class); `exitCode` is set for a GradcamError. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  exitCode?: number;
}

/** Plain-data form of an error thrown in a worker. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const exitCode = (error as { exitCode?: unknown }).exitCode;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(typeof exitCode === 'number' ? { exitCode } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
