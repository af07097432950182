/**
 * An error that stops Emerald from starting. Its message is one line meant for the
 * operator (what is wrong and which setting to look at); `code` lets tests and
 * scripts tell the cases apart.
 */
export type StartupErrorCode =
  | 'CONFIG_INVALID'
  | 'DB_UNREACHABLE'
  | 'DB_AUTH_FAILED'
  | 'DB_NOT_FOUND'
  | 'DB_NEWER_THAN_CODE'
  | 'DB_MIGRATION_FAILED'
  | 'DATA_DIR_NOT_WRITABLE'
  | 'DATA_DIR_IN_USE'
  | 'PORT_IN_USE'
  | 'EMBEDDED_PG_FAILED'
  | 'DEMO_REFUSED';

export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
