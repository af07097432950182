/**
 * Inventory syncs and status polls, per source and scope. Each run:
 *   fetch the snapshot → refuse it if it looks partial → map → apply in one transaction
 *   (idempotent upserts keyed on vendor ids, vanished rows marked gone) → record counts
 *   and freshness → announce changes.
 * "All" scopes fan out: one job per router / OLT, deduplicated by job key.
 * Transient vendor errors are rethrown so Graphile Worker retries with backoff;
 * permanent ones (credentials, bad replies) fail the run at once and stay visible.
 */
import { emptyCounts } from '../mirror/common.ts';
import { VendorError } from '../vendors/vendorError.ts';
import { ispcubeSyncs } from './ispcube.ts';
import { routerosSyncs } from './routeros.ts';
import { beginRun, finishRun, type RunSpec } from './runs.ts';
import { smartoltSyncs } from './smartolt.ts';
import { PartialSnapshot, type SyncContext, type SyncHandler, type SyncHandlerKey, type SyncResult } from './steps.ts';

/** Every sync there is, by source, kind and scope. */
const HANDLERS: Partial<Record<SyncHandlerKey, SyncHandler>> = { ...ispcubeSyncs, ...routerosSyncs, ...smartoltSyncs };

export async function runSync(ctx: SyncContext, spec: RunSpec & { chain?: boolean }): Promise<SyncResult> {
  const run = await beginRun(ctx.db.pool, spec);
  const log = ctx.log.child({ runId: run.id, source: spec.source, kind: spec.kind, scope: spec.scope, scopeRef: spec.scopeRef });
  const started = Date.now();
  try {
    const key: SyncHandlerKey = `${spec.source}/${spec.kind}/${spec.scope}`;
    const handler = HANDLERS[key];
    if (!handler) throw new VendorError(spec.source, 'BAD_RESPONSE', `no such sync: ${key}`);
    const { counts, details } = await handler(ctx, run, spec);
    await finishRun(ctx.db.pool, run, { status: 'SUCCEEDED', counts, details: { ...details, ms: Date.now() - started } });
    log.info({ ...counts, ms: Date.now() - started }, 'sync succeeded');
    return { runId: run.id, status: 'SUCCEEDED', counts, details };
  } catch (error) {
    const partial = error instanceof PartialSnapshot;
    const status = partial ? 'REJECTED' : 'FAILED';
    const reported = partial ? new VendorError(spec.source, 'PARTIAL_SNAPSHOT', error.message) : error;
    await finishRun(ctx.db.pool, run, { status, error: reported }).catch((e: unknown) =>
      log.error({ err: e }, 'could not record the failed run'),
    );
    log.warn({ err: reported, ms: Date.now() - started }, partial ? 'sync rejected a partial snapshot' : 'sync failed');
    if (error instanceof VendorError && error.transient) throw error;
    return { runId: run.id, status, counts: emptyCounts(), error: reported as Error };
  }
}
