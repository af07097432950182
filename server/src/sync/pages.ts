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
import type { Queryable } from '../db/sql.ts';

interface Page {
  digest: string;
  keys: string[];
  hashes: string[];
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

  private constructor(
    private readonly list: string,
    private readonly mapping: string,
    private readonly table: string,
    private readonly keyColumn: string,
    known: Map<string, number>,
  ) {
    this.known = known;
  }

  /**
   * The pages of `list` recorded under `mapping`; `table`'s `keyColumn` and `row_hash`
   * (with `gone_at`) are where their rows must still be.
   */
  static async load(db: Queryable, list: string, mapping: string, table: string, keyColumn = 'external_id'): Promise<PageMemory> {
    if (!/^[a-z_]+$/.test(table) || !/^[a-z_]+$/.test(keyColumn)) throw new Error(`bad table ${table}.${keyColumn}`);
    const res = await db.query<{ digest: string; n: number }>(
      'SELECT digest, cardinality(keys) AS n FROM sync_pages WHERE list = $1 AND mapping = $2',
      [list, mapping],
    );
    return new PageMemory(list, mapping, table, keyColumn, new Map(res.rows.map((r) => [r.digest, r.n])));
  }

  /** How many rows the page with this digest holds, if it was recorded. */
  readonly knownLength = (digest: string): number | undefined => this.known.get(digest);

  /**
   * The keys of a recorded page, if the mirror still holds every one of its rows live with
   * the recorded hash; else null (the page must be read).
   */
  async recall(db: Queryable, digest: string): Promise<string[] | null> {
    if (!this.known.has(digest) || this.kept.has(digest)) return null;
    const res = await db.query<{ keys: string[]; live: number }>(
      `SELECT p.keys,
              (SELECT count(*)::int FROM unnest(p.keys, p.row_hashes) AS u(k, h)
                 JOIN ${this.table} t ON t.${this.keyColumn} = u.k AND t.row_hash = u.h AND t.gone_at IS NULL) AS live
         FROM sync_pages p WHERE p.list = $1 AND p.digest = $2 AND p.mapping = $3`,
      [this.list, digest, this.mapping],
    );
    const row = res.rows[0];
    if (!row || row.live !== row.keys.length) return null;
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
