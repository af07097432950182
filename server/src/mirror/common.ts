/**
 * What the per-vendor mirror modules share. Mapping: vendors send loosely typed JSON
 * (numbers as strings, wrappers, blanks); each mapper validates what it needs with zod and
 * keeps the whole payload as `raw`; a payload that cannot be mapped is reported, not
 * half-stored. Applying: idempotent upserts keyed on external ids, rows that vanished from
 * a complete snapshot marked `gone_at` (never deleted), counts for the sync run. Callers
 * run each apply inside a transaction.
 */
import { z } from 'zod';
import type { Queryable } from '../db/sql.ts';

export const idLike = z.union([z.string().min(1), z.number()]).transform((v) => String(v).trim());
export const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim()));
export const optionalNumber = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v)));

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

export function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new MappingError(`${what}: ${issue.path.join('.') || 'payload'} ${issue.message}`);
  }
  return result.data;
}

export interface ApplyCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export function emptyCounts(): ApplyCounts {
  return { seen: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 };
}

export function addCounts(a: ApplyCounts, b: ApplyCounts): ApplyCounts {
  return {
    seen: a.seen + b.seen,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    removed: a.removed + b.removed,
  };
}

export function counts(seen: number, inserted: number, updated: number, removed = 0): ApplyCounts {
  return { seen, inserted, updated, unchanged: Math.max(0, seen - inserted - updated), removed };
}

/** Mark rows absent from a complete snapshot as gone. `scope` narrows it (e.g. one router). */
export async function markGone(
  db: Queryable,
  table: string,
  keyColumn: string,
  keys: readonly string[],
  scope?: { column: string; value: number },
): Promise<number> {
  const params: unknown[] = [keys];
  let where = `gone_at IS NULL AND ${keyColumn} NOT IN (SELECT unnest($1::text[]))`;
  if (scope) {
    params.push(scope.value);
    where += ` AND ${scope.column} = $2`;
  }
  const res = await db.query(`UPDATE ${table} SET gone_at = now(), updated_at = now() WHERE ${where}`, params);
  return res.rowCount ?? 0;
}
