/**
 * The one way a sync gets queued — by GraphQL's requestSync, the schedules, the CLI, the
 * session listeners and the outage logic alike: a QUEUED run row and its Graphile Worker
 * job, written in one transaction, so there is never a run without a job or a job without
 * its run. The same sync already queued or running is joined, not doubled.
 */
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import { withTransaction, type Queryable } from '../db/sql.ts';
import { notify } from '../events/topics.ts';
import { addJobInTransaction } from '../jobs/queue.ts';
import type { JobQueue } from '../services.ts';
import type { RunSpec, SyncSource } from './runs.ts';

/** The worker task that runs each source's syncs. */
export const TASK_OF: Record<SyncSource, string> = { ISPCUBE: 'sync_ispcube', ROUTEROS: 'sync_routeros', SMARTOLT: 'sync_smartolt' };

export function jobKeyOf(spec: Pick<RunSpec, 'source' | 'kind' | 'scope' | 'scopeRef'>): string {
  return `sync:${spec.source}:${spec.kind}:${spec.scope}:${spec.scopeRef ?? 'all'}`;
}

/** Attempts of a sync job: transient vendor failures are retried with Graphile Worker's backoff. */
export const SYNC_MAX_ATTEMPTS = 5;

export type SyncRequest = Omit<RunSpec, 'runId'> & { requestedById?: number | null; chain?: boolean };

/** The job payload of a sync (validated again by the worker task). */
export function syncJobPayload(spec: SyncRequest, runId: number | null): Record<string, unknown> {
  return {
    ...(runId === null ? {} : { runId }),
    kind: spec.kind,
    scope: spec.scope,
    scopeRef: spec.scopeRef ?? null,
    trigger: spec.trigger,
    ...(spec.chain ? { chain: true } : {}),
  };
}

export interface EnqueueOptions {
  /** Called inside the transaction once a new run is queued (e.g. to write its audit entry). */
  onQueued?: (tx: Queryable, runId: number) => Promise<void>;
}

/**
 * Queue a sync. If the same sync is already queued or running, nothing new is queued and
 * that run's id is returned with `queued: false`.
 */
export async function enqueueSync(
  db: Db,
  jobs: JobQueue,
  spec: SyncRequest,
  options: EnqueueOptions = {},
): Promise<{ runId: number; queued: boolean }> {
  await jobs.ready();
  return withTransaction(db.pool, (tx) => enqueueSyncIn(tx, spec, options));
}

async function enqueueSyncIn(tx: pg.PoolClient, spec: SyncRequest, options: EnqueueOptions): Promise<{ runId: number; queued: boolean }> {
  const key = jobKeyOf(spec);
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  const existing = await tx.query<{ id: number }>(
    `SELECT id FROM sync_runs WHERE source = $1 AND kind = $2 AND scope = $3 AND scope_ref IS NOT DISTINCT FROM $4 AND status IN ('QUEUED', 'RUNNING')
     ORDER BY id DESC LIMIT 1`,
    [spec.source, spec.kind, spec.scope, spec.scopeRef ?? null],
  );
  if (existing.rows[0]) return { runId: existing.rows[0].id, queued: false };
  const run = await tx.query<{ id: number }>(
    `INSERT INTO sync_runs (source, kind, scope, scope_ref, status, trigger, requested_by_id) VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6) RETURNING id`,
    [spec.source, spec.kind, spec.scope, spec.scopeRef ?? null, spec.trigger, spec.requestedById ?? null],
  );
  const runId = run.rows[0]!.id;
  await addJobInTransaction(tx, TASK_OF[spec.source], syncJobPayload(spec, runId), {
    jobKey: key,
    urgent: true,
    maxAttempts: SYNC_MAX_ATTEMPTS,
  });
  await notify(tx, { t: 'sync_run', id: runId });
  await options.onQueued?.(tx, runId);
  return { runId, queued: true };
}

/**
 * Book a scheduled poll's successor at `runAt`: a job only (its run is recorded when it
 * starts), one per target, replacing any successor already booked.
 */
export async function bookNextPoll(jobs: JobQueue, spec: SyncRequest, runAt: Date): Promise<void> {
  await jobs.add(TASK_OF[spec.source], syncJobPayload(spec, null), {
    jobKey: `${jobKeyOf(spec)}:next`,
    jobKeyMode: 'replace',
    runAt,
    maxAttempts: 3,
  });
}
