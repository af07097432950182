/**
 * Freshness of mirrored facts: when a source last confirmed them. Loaded once per
 * request from `source_freshness` (one row per source, kind and router/OLT).
 */
import type { Context } from './context.ts';

export type FreshnessKey = `${'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT'}/${'INVENTORY' | 'SESSIONS' | 'ONU_STATUS' | 'ONU_SIGNAL'}/${string}`;

export interface Freshness {
  /** Last successful sync of that source/kind for the scope (`router:<id>`, `olt:<id>`), else of `all`. */
  lastSuccess(source: string, kind: string, scopeKey: string): Date | null;
}

export function freshness(ctx: Context): Promise<Freshness> {
  const cache = ctx as Context & { freshness?: Promise<Freshness> };
  cache.freshness ??= (async () => {
    const rows = await ctx.db.pool.query<{ source: string; kind: string; scope_key: string; last_success_at: Date | null }>(
      'SELECT source::text, kind::text, scope_key, last_success_at FROM source_freshness',
    );
    const map = new Map(rows.rows.map((r) => [`${r.source}/${r.kind}/${r.scope_key}`, r.last_success_at]));
    return {
      lastSuccess: (source, kind, scopeKey) => map.get(`${source}/${kind}/${scopeKey}`) ?? map.get(`${source}/${kind}/all`) ?? null,
    };
  })();
  return cache.freshness;
}

/** The later of two instants (either may be missing). */
export function latest(a: Date | null | undefined, b: Date | null | undefined): Date | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
}

export function ageSeconds(at: Date | null): number | null {
  return at ? Math.max(0, Math.round((Date.now() - at.getTime()) / 1000)) : null;
}
