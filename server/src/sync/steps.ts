/**
 * Steps every sync shares: refusing a snapshot that looks partial, mapping payloads with
 * the rejects counted, timing phases, and reading one page ahead.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Queryable } from '../db/sql.ts';
import { snapshotLooksPartial } from '../domain/snapshot.ts';
import type { Logger } from '../logger.ts';
import { MappingError, type ApplyCounts } from '../mirror/common.ts';
import type { ChangeSink, JobQueue } from '../services.ts';
import type { Vendors } from '../vendors/factory.ts';
import type { Run, RunSpec } from './runs.ts';

export interface SyncContext {
  db: Db;
  log: Logger;
  config: Config;
  vendors: Vendors;
  jobs: JobQueue;
  /** Called with ONU status changes and ended sessions after they are committed (outage correlation). */
  onChanges?: ChangeSink;
}

export interface SyncResult {
  runId: number;
  status: 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  counts: ApplyCounts;
  error?: Error;
  details?: Record<string, unknown>;
}

/** A snapshot that is obviously incomplete: the run is REJECTED and the mirror keeps its last good data. */
export class PartialSnapshot extends Error {
  override readonly name = 'PartialSnapshot';
}

/** What a sync of one source, kind and scope returns for its run. */
export interface SyncOutcome {
  counts: ApplyCounts;
  details?: Record<string, unknown>;
}

/** Runs one sync of a source, kind and scope. */
export type SyncHandler = (ctx: SyncContext, run: Run, spec: RunSpec & { chain?: boolean }) => Promise<SyncOutcome>;

/** `SOURCE/KIND/SCOPE`, e.g. `SMARTOLT/ONU_STATUS/OLT`. */
export type SyncHandlerKey = `${RunSpec['source']}/${RunSpec['kind']}/${RunSpec['scope']}`;

/** What the mirror holds now for a snapshot's scope: the yardstick for a partial snapshot. */
const MIRROR_COUNT: Record<string, string> = {
  customers: 'SELECT count(*)::int AS n FROM customers WHERE gone_at IS NULL',
  connections: 'SELECT count(*)::int AS n FROM connections WHERE gone_at IS NULL',
  secrets: 'SELECT count(*)::int AS n FROM ppp_secrets WHERE gone_at IS NULL AND router_id = $1',
  olts: 'SELECT count(*)::int AS n FROM olts WHERE gone_at IS NULL',
  onus: 'SELECT count(*)::int AS n FROM onus WHERE gone_at IS NULL AND olt_id = $1',
};

export async function guardSnapshot(
  db: Queryable,
  mirror: keyof typeof MIRROR_COUNT,
  params: unknown[],
  rows: number,
  what: string,
): Promise<void> {
  const last = (await db.query<{ n: number }>(MIRROR_COUNT[mirror]!, params)).rows[0]?.n ?? 0;
  if (snapshotLooksPartial(rows, last)) {
    throw new PartialSnapshot(`${what}: ${rows} rows where the mirror has ${last}; not applied (the mirror keeps the last good data)`);
  }
}

/**
 * Iterate `source` up to `ahead` items ahead: the next items are being fetched while the
 * caller works on this one (an async generator still fetches them one after another).
 */
export async function* prefetch<T>(source: AsyncIterator<T> | AsyncIterable<T>, ahead = 1): AsyncGenerator<T> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source;
  const queue: Promise<IteratorResult<T>>[] = [];
  const ask = (): void => {
    const next = it.next();
    // An error of a prefetched step surfaces when it is awaited; do not report it unhandled meanwhile.
    next.catch(() => {});
    queue.push(next);
  };
  for (let i = 0; i < Math.max(1, ahead); i++) ask();
  for (;;) {
    const current = await queue.shift()!;
    if (current.done) return;
    ask();
    yield current.value;
  }
}

/** Milliseconds spent in each phase of a run (fetch, map, apply…), for the run's details. */
export function phaseClock(): { mark(phase: string): void; done(): Record<string, number> } {
  const out: Record<string, number> = {};
  let last = performance.now();
  return {
    mark(phase) {
      const now = performance.now();
      out[phase] = Math.round(now - last);
      last = now;
    },
    done: () => out,
  };
}

/**
 * What a run could not take in: payloads that could not be mapped (counted, the first
 * reasons kept) and other notes. Past `maxShare` of unmappable payloads the snapshot is not
 * applied at all — a vendor that changed a field's shape must not silently empty the mirror.
 */
export class Problems {
  readonly reasons: string[] = [];
  rejected = 0;
  seen = 0;

  note(message: string): void {
    if (this.reasons.length < 20) this.reasons.push(message);
    else if (this.reasons.length === 20) this.reasons.push('…');
  }

  /** Map every payload; one that cannot be mapped is skipped, counted and its reason kept. */
  map<T>(payloads: readonly unknown[], map: (p: unknown) => T): T[] {
    const out: T[] = [];
    for (const p of payloads) {
      this.seen++;
      try {
        out.push(map(p));
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        this.rejected++;
        this.note(error.message);
      }
    }
    return out;
  }

  /** Payloads recognised unchanged without mapping (they were mapped before): seen, not rejected. */
  unchanged(count: number): void {
    this.seen += count;
  }

  /** Throws PartialSnapshot (the run is REJECTED, nothing applied) when too many payloads could not be mapped. */
  guard(maxShare: number, what: string): void {
    if (this.seen === 0 || this.rejected / this.seen <= maxShare) return;
    throw new PartialSnapshot(
      `${what}: ${this.rejected} of ${this.seen} rows could not be read (more than ${Math.round(maxShare * 1000) / 10} %); not applied. First reasons: ${this.reasons.slice(0, 5).join('; ')}`,
    );
  }

  get details(): { problems: string[]; rejected: number } {
    return { problems: this.reasons, rejected: this.rejected };
  }
}
