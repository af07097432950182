/**
 * What the per-vendor mirror modules share. Mapping: vendors send loosely typed JSON
 * (numbers as strings, wrappers, blanks, objects where a string was expected); each mapper
 * insists only on what it cannot do without (an id, a name), reads every other field
 * tolerantly (an unexpected shape becomes null, never a rejected row), and keeps the payload
 * as `raw` minus anything secret; a payload that cannot be mapped is reported, not
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

/** Text from a string or number; anything else (an object, a list) is null rather than an error. */
export const lenientText = optionalText.catch(null);
export const lenientNumber = optionalNumber.catch(null);

/** A name that comes as a string or as an object `{id, name}` (ISPCube's `city`, depending on the endpoint). */
export const nameOrObject = z
  .unknown()
  .optional()
  .transform((v): string | null => {
    const value = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { name?: unknown }).name : v;
    return typeof value === 'string' || typeof value === 'number' ? String(value).trim() || null : null;
  });

/** A list whose items are strings or objects: each item becomes text through `pick`, or is dropped. */
export function lenientList(pick: (item: Record<string, unknown>) => unknown) {
  return z
    .unknown()
    .optional()
    .transform((v): string[] => {
      if (!Array.isArray(v)) return [];
      const out: string[] = [];
      for (const item of v) {
        const value = item !== null && typeof item === 'object' ? pick(item as Record<string, unknown>) : item;
        if ((typeof value === 'string' || typeof value === 'number') && String(value).trim()) out.push(String(value).trim());
      }
      return out;
    });
}

/**
 * Keys whose values are credentials (ISPCube connections carry the PPPoE `password`;
 * routers the secret's; tokens and API keys turn up in vendor payloads too).
 */
const SECRET_KEY =
  /(^|[_\-.])(pass|passwd|pwd|pin|psk)$|password|passphrase|secret|token|api[_-]?key|private[_-]?key|credential|^authori[sz]ation$|^cookie$/i;
/** Values that are credentials whatever their key: bearer tokens, JWTs, PEM keys. */
const SECRET_VALUE = /^(bearer|basic)\s+\S|^eyJ[\w-]+\.[\w-]+\.|-----BEGIN [A-Z ]*PRIVATE KEY-----/i;

/** Keys seen so far and whether they name a credential (vendors use a few dozen keys; bounded anyway). */
const secretKeys = new Map<string, boolean>();
function isSecretKey(key: string): boolean {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key);
    if (secretKeys.size < 10_000) secretKeys.set(key, secret);
  }
  return secret;
}

/** SECRET_VALUE, tried only on strings that could match it (starting with b or e in either case, or holding a PEM dash run). */
function isSecretValue(value: string): boolean {
  const first = value.charCodeAt(0) | 32;
  return (first === 98 || first === 101 || value.includes('-----')) && SECRET_VALUE.test(value);
}

const REMOVE = Symbol('remove');

/**
 * A vendor payload as Emerald stores and shows it: everything but credentials, at any depth.
 * Parts without credentials are returned as they are (not copied): a payload is read,
 * never changed, and most have nothing to remove.
 */
export function storablePayload(value: unknown): unknown {
  const out = clean(value);
  return out === REMOVE ? null : out;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return isSecretValue(value) ? REMOVE : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      let cleaned = clean(item);
      if (cleaned === REMOVE) cleaned = null; // a list keeps its length; a credential in it becomes null
      if (cleaned !== item && copy === null) copy = value.slice(0, i);
      copy?.push(cleaned);
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (value as Record<string, unknown>)[k];
    const cleaned = isSecretKey(k) ? REMOVE : clean(v);
    if (cleaned !== v && copy === null) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = (value as Record<string, unknown>)[keys[j]!];
    }
    if (copy !== null && cleaned !== REMOVE) copy[k] = cleaned;
  }
  return copy ?? value;
}

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
