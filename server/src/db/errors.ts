/**
 * Database failures a caller can act on, told apart from bugs: a statement cancelled by
 * `statement_timeout` (or a lock wait that ran out), and no pool connection free within
 * DATABASE_POOL_TIMEOUT_MS. Prisma wraps the driver's error, so the whole cause chain is read.
 */
export type DatabaseErrorCode = 'DATABASE_TIMEOUT' | 'DATABASE_BUSY' | 'BAD_USER_INPUT';

export function databaseErrorCode(error: unknown, depth = 0): DatabaseErrorCode | null {
  if (!error || typeof error !== 'object' || depth > 6) return null;
  const e = error as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: unknown };
  const code = String(e.originalCode ?? e.code ?? '');
  const message = typeof e.message === 'string' ? e.message : '';
  // 57014 query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout)
  if (code === '57014' || code === '55P03' || /canceling statement due to (statement|lock) timeout/.test(message))
    return 'DATABASE_TIMEOUT';
  if (/timeout exceeded when trying to connect/i.test(message)) return 'DATABASE_BUSY';
  // Input PostgreSQL cannot store or compare (NUL bytes, numbers or dates out of range):
  // 22021 invalid byte sequence, 22P02 invalid text representation, 22003 numeric out of
  // range, 22007/22008 datetime format/overflow. A guard upstream should catch them first.
  if (['22021', '22P02', '22003', '22007', '22008'].includes(code)) return 'BAD_USER_INPUT';
  return databaseErrorCode(e.cause, depth + 1) ?? databaseErrorCode(e.meta, depth + 1);
}
