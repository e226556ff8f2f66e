import { GradcamError } from './errors.js';

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

/** The error a worker threw, rebuilt on the main thread: a GradcamError again when it was one (its exit code kept). */
export function deserializeError(error: SerializedError): Error {
  return error.exitCode === undefined ? Object.assign(new Error(error.message), { name: error.name }) : new GradcamError(error.message, error.exitCode as 1 | 2);
}
