/**
 * Freshness of mirrored facts: when a source last confirmed them (`source_freshness`, one
 * row per source, kind and router/OLT). Kept in memory per process rather than read per
 * request: reloaded when a sync run changes (event bus), after events may have been
 * missed, and at the latest FRESHNESS_TTL_MS after it was read. Without an event bus it
 * is read once per request.
 */
import type pg from 'pg';
import type { Context } from './context.ts';

/** Longest a process serves freshness it has not re-read (sync runs that finish reload it at once). */
export const FRESHNESS_TTL_MS = 2_000;

export type FreshnessKey = `${'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT'}/${'INVENTORY' | 'SESSIONS' | 'ONU_STATUS' | 'ONU_SIGNAL'}/${string}`;

export interface Freshness {
  /** Last successful sync of that source/kind for the scope (`router:<id>`, `olt:<id>`), else of `all`. */
  lastSuccess(source: string, kind: string, scopeKey: string): Date | null;
}

async function load(pool: pg.Pool): Promise<Freshness> {
  const rows = await pool.query<{ source: string; kind: string; scope_key: string; last_success_at: Date | null }>(
    'SELECT source::text, kind::text, scope_key, last_success_at FROM source_freshness',
  );
  // Nested by source and kind: a lookup per field of every row builds no key strings.
  const bySource = new Map<string, Map<string, Map<string, Date | null>>>();
  for (const r of rows.rows) {
    let byKind = bySource.get(r.source);
    if (!byKind) bySource.set(r.source, (byKind = new Map()));
    let byScope = byKind.get(r.kind);
    if (!byScope) byKind.set(r.kind, (byScope = new Map()));
    byScope.set(r.scope_key, r.last_success_at);
  }
  return {
    lastSuccess: (source, kind, scopeKey) => {
      const byScope = bySource.get(source)?.get(kind);
      return byScope?.get(scopeKey) ?? byScope?.get('all') ?? null;
    },
  };
}

/** Per pool (one per process and database): the loaded freshness and until when it may be served. */
const shared = new WeakMap<pg.Pool, { value: Promise<Freshness> | null; until: number; subscribed: boolean }>();

export function freshness(ctx: Context): Promise<Freshness> {
  const cache = ctx as Context & { freshness?: Promise<Freshness> };
  if (cache.freshness) return cache.freshness;
  const pool = ctx.db.pool;
  if (!ctx.bus) return (cache.freshness = load(pool));
  let entry = shared.get(pool);
  if (!entry) shared.set(pool, (entry = { value: null, until: 0, subscribed: false }));
  if (!entry.subscribed) {
    entry.subscribed = true;
    const e = entry;
    ctx.bus.onTopic('sync_run', () => {
      e.value = null;
    });
  }
  if (!entry.value || entry.until <= Date.now()) {
    entry.until = Date.now() + FRESHNESS_TTL_MS;
    const value = load(pool);
    entry.value = value;
    // A failed read is not kept.
    value.catch(() => {
      if (entry.value === value) entry.value = null;
    });
  }
  return (cache.freshness = entry.value);
}

/**
 * `fn` of the freshness: at once when this request already has it (every call after the
 * first, so lists of rows resolve without a promise each), else once it is loaded.
 */
export function withFreshness<T>(ctx: Context, fn: (f: Freshness) => T): T | Promise<T> {
  const cache = ctx as Context & { freshnessLoaded?: Freshness };
  if (cache.freshnessLoaded) return fn(cache.freshnessLoaded);
  return freshness(ctx).then((f) => {
    cache.freshnessLoaded = f;
    return fn(f);
  });
}

/** The later of two instants (either may be missing). */
export function latest(a: Date | null | undefined, b: Date | null | undefined): Date | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a.getTime() > b.getTime() ? a : b;
}

export function ageSeconds(at: Date | null): number | null {
  return at ? Math.max(0, Math.round((Date.now() - at.getTime()) / 1000)) : null;
}
