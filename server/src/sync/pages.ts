/**
 * Pages of a vendor list a sync need not read again. A page is recognised by the digest of
 * its bytes; the last committed sync recorded, for each page it applied, the key and row
 * hash of every row in it (sync_pages). A page read again with the same bytes, under the
 * same mapping, while the mirror still holds every one of its rows live with those hashes,
 * is exactly a page whose every row `changedPayloads` would judge unchanged: it is skipped
 * without being parsed, hashed or looked up row by row.
 *
 * Recorded only are pages whose every row landed in the mirror (none unreadable, rejected
 * or orphaned) and whose keys appear once in the whole run. The records are replaced in the
 * sync's own transaction, so a rolled-back sync leaves the last committed ones.
 */
import { hash } from 'node:crypto';
import type { Queryable } from '../db/sql.ts';

interface Page {
  digest: string;
  keys: string[];
  hashes: string[];
}

/** Where a list's rows live in the mirror, and what of them a skipped page relies on. */
export interface PageRows {
  table: string;
  keyColumn: string;
  /**
   * An SQL expression over the row (`t`) that captures everything a re-read of the page
   * could change; by default its `row_hash`.
   */
  state?: string;
  /** Only rows of one router or OLT. */
  scope?: { column: string; value: number };
  /** The table marks rows gone (`gone_at`) rather than deleting them; by default it does. */
  marksGone?: boolean;
}

/**
 * The digest of rows decoded from a reply that has no stable bytes of its own (a RouterOS
 * print), leaving out fields that move while nothing changes (counters, uptime).
 */
export function rowsDigest(rows: readonly Record<string, string | undefined>[], volatile: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) if (!volatile.has(k) && v !== undefined) parts.push(k, '=', v, '\u0000');
    parts.push('\u0001');
  }
  return hash('sha1', parts.join(''), 'base64url');
}

export class PageMemory {
  /** Rows per page recorded by the last committed sync, by digest. */
  private readonly known: Map<string, number>;
  /** Pages recognised and skipped in this run (their records stay). */
  private readonly kept = new Map<string, string[]>();
  /** Pages read and applied in this run, each row landed as recorded. */
  private readonly read: Page[] = [];
  /** Pages read in this run that could not be recorded. */
  private unrecorded = 0;

  private readonly rows: PageRows;
  private readonly state: string;
  /** ` AND <the row is live>`, or nothing where rows are deleted. */
  private readonly live: string;
  private readonly scopeValue: number | null;

  private constructor(
    private readonly list: string,
    private readonly mapping: string,
    rows: PageRows,
    known: Map<string, number>,
  ) {
    for (const name of [rows.table, rows.keyColumn, rows.scope?.column ?? 'x'])
      if (!/^[a-z_]+$/.test(name)) throw new Error(`bad identifier ${name}`);
    this.known = known;
    this.rows = rows;
    this.state = rows.state ?? 't.row_hash';
    this.live = rows.marksGone === false ? '' : ' AND t.gone_at IS NULL';
    this.scopeValue = rows.scope?.value ?? null;
  }

  /** The live rows (`t`) of the page's keys (`u.k`), in scope (the value in parameter `$scopeParam`). */
  private joinRows(scopeParam: number): string {
    const { table, keyColumn, scope } = this.rows;
    return `JOIN ${table} t ON t.${keyColumn} = u.k${this.live}${scope ? ` AND t.${scope.column} = $${scopeParam}` : ''}`;
  }

  /** The pages of `list` recorded under `mapping`, whose rows must still be as recorded in `rows`. */
  static async load(db: Queryable, list: string, mapping: string, rows: PageRows): Promise<PageMemory> {
    const res = await db.query<{ digest: string; n: number }>(
      'SELECT digest, cardinality(keys) AS n FROM sync_pages WHERE list = $1 AND mapping = $2',
      [list, mapping],
    );
    return new PageMemory(list, mapping, rows, new Map(res.rows.map((r) => [r.digest, r.n])));
  }

  /** Query parameters, followed by the scope's value if any. */
  private params(...values: unknown[]): unknown[] {
    return this.scopeValue === null ? values : [...values, this.scopeValue];
  }

  /** How many rows the page with this digest holds, if it was recorded. */
  readonly knownLength = (digest: string): number | undefined => this.known.get(digest);

  /**
   * The keys of a recorded page, if the mirror still holds every one of its rows live with
   * the recorded hash; else null (the page must be read).
   */
  async recall(db: Queryable, digest: string): Promise<string[] | null> {
    if (!this.known.has(digest) || this.kept.has(digest)) return null;
    const { table, scope } = this.rows;
    // A scoped list (one router's or OLT's) is the whole scope: no other row may be live in it.
    const res = await db.query<{ keys: string[]; live: number; others: number }>(
      `SELECT p.keys,
              (SELECT count(*)::int FROM unnest(p.keys, p.row_hashes) AS u(k, h) ${this.joinRows(4)} WHERE ${this.state} = u.h) AS live,
              ${scope ? `(SELECT count(*)::int FROM ${table} t WHERE t.${scope.column} = $4${this.live}) - cardinality(p.keys)` : '0'} AS others
         FROM sync_pages p WHERE p.list = $1 AND p.digest = $2 AND p.mapping = $3`,
      this.params(this.list, digest, this.mapping),
    );
    const row = res.rows[0];
    if (!row || row.live !== row.keys.length || row.others !== 0) return null;
    this.kept.set(digest, row.keys);
    return row.keys;
  }

  /**
   * A page this run read and applied: the key of each of its payloads (null where none could
   * be read) and the row hash of every row that landed in the mirror, by key. Recorded only
   * if every payload's row landed.
   */
  record(digest: string, keys: readonly (string | null)[], landed: ReadonlyMap<string, string>): void {
    const hashes: string[] = [];
    for (const key of keys) {
      const h = key === null ? undefined : landed.get(key);
      if (h === undefined) {
        this.unrecorded++;
        return;
      }
      hashes.push(h);
    }
    this.read.push({ digest, keys: keys as string[], hashes });
  }

  /**
   * A page this run read and applied, every one of whose rows landed, recorded with the
   * state the mirror now holds for them (read inside the run's transaction, after it wrote).
   */
  async recordFromMirror(db: Queryable, digest: string, keys: readonly string[]): Promise<void> {
    const res = await db.query<{ hashes: string[] | null }>(
      `SELECT array_agg(${this.state} ORDER BY u.n) AS hashes FROM unnest($1::text[]) WITH ORDINALITY AS u(k, n) ${this.joinRows(2)}`,
      this.params(keys),
    );
    const hashes = res.rows[0]?.hashes ?? [];
    if (hashes.length !== keys.length) {
      this.unrecorded++;
      return;
    }
    this.read.push({ digest, keys: [...keys], hashes });
  }

  /** A page this run read that cannot be recorded (a row unreadable or not kept). */
  unrecordable(): void {
    this.unrecorded++;
  }

  /** Pages skipped and pages read but not recordable, for the run's details. */
  get stats(): { skipped: number; unrecorded: number } {
    return { skipped: this.kept.size, unrecorded: this.unrecorded };
  }

  /**
   * Replace the list's records with this run's pages: those skipped and those recorded,
   * except any holding a key that appeared twice in the run. Call inside the sync's
   * transaction, after the snapshot was judged complete.
   */
  async save(db: Queryable): Promise<void> {
    const seen = new Map<string, number>();
    for (const keys of [...this.kept.values(), ...this.read.map((p) => p.keys)]) for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
    const once = (keys: readonly string[]) => keys.every((k) => seen.get(k) === 1);
    const keep = [...this.kept].filter(([, keys]) => once(keys)).map(([digest]) => digest);
    const fresh = this.read.filter((p) => once(p.keys));
    await db.query('DELETE FROM sync_pages WHERE list = $1 AND (mapping <> $2 OR NOT (digest = ANY($3::text[])))', [
      this.list,
      this.mapping,
      keep,
    ]);
    // About 25,000 rows' keys and hashes per statement.
    for (let i = 0; i < fresh.length; ) {
      const part: Page[] = [];
      let rows = 0;
      while (i < fresh.length && (part.length === 0 || rows + fresh[i]!.keys.length <= 25_000)) {
        rows += fresh[i]!.keys.length;
        part.push(fresh[i++]!);
      }
      await db.query(
        `INSERT INTO sync_pages (list, digest, mapping, keys, row_hashes)
         SELECT $1, x.digest, $2, x.keys, x.hashes FROM jsonb_to_recordset($3::jsonb) AS x(digest text, keys text[], hashes text[])
         ON CONFLICT (list, digest) DO UPDATE SET mapping = EXCLUDED.mapping, keys = EXCLUDED.keys, row_hashes = EXCLUDED.row_hashes,
                                                  recorded_at = now()`,
        [this.list, this.mapping, JSON.stringify(part)],
      );
    }
  }
}
