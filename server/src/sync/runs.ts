/**
 * Sync runs: one row per execution with status, counts, progress and error, and
 * per-source freshness (updated on success only; a failure records the error and keeps
 * the last good time). Every change is announced on the events channel.
 */
import { VendorError } from '../vendors/vendorError.ts';
import { notify } from '../events/topics.ts';
import type { Queryable } from '../db/sql.ts';
import type { ApplyCounts } from '../mirror/common.ts';

export type SyncSource = 'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT';
export type SyncKindValue = 'INVENTORY' | 'SESSIONS' | 'ONU_STATUS' | 'ONU_SIGNAL';
export type SyncScopeValue = 'ALL' | 'ROUTER' | 'OLT' | 'CUSTOMER';

export interface RunSpec {
  runId?: number | null;
  source: SyncSource;
  kind: SyncKindValue;
  scope: SyncScopeValue;
  scopeRef?: string | null;
  trigger: string;
}

export interface Run {
  id: number;
  attempt: number;
  spec: RunSpec;
}

export function freshnessKey(spec: Pick<RunSpec, 'scope' | 'scopeRef'>): string {
  switch (spec.scope) {
    case 'ROUTER':
      return `router:${spec.scopeRef}`;
    case 'OLT':
      return `olt:${spec.scopeRef}`;
    case 'CUSTOMER':
      return `customer:${spec.scopeRef}`;
    default:
      return 'all';
  }
}

/** Mark a run RUNNING (a queued one, or a new one), counting attempts on retries. */
export async function beginRun(db: Queryable, spec: RunSpec): Promise<Run> {
  if (spec.runId) {
    const res = await db.query<{ id: number; attempt: number }>(
      `UPDATE sync_runs SET status = 'RUNNING', started_at = now(), finished_at = NULL, error_code = NULL, error_message = NULL,
              attempt = CASE WHEN status IN ('FAILED', 'RUNNING') THEN attempt + 1 ELSE attempt END
       WHERE id = $1 RETURNING id, attempt`,
      [spec.runId],
    );
    if (res.rows[0]) {
      await notify(db, { t: 'sync_run', id: res.rows[0].id });
      return { id: res.rows[0].id, attempt: res.rows[0].attempt, spec };
    }
  }
  const res = await db.query<{ id: number }>(
    `INSERT INTO sync_runs (source, kind, scope, scope_ref, status, trigger, started_at) VALUES ($1, $2, $3, $4, 'RUNNING', $5, now()) RETURNING id`,
    [spec.source, spec.kind, spec.scope, spec.scopeRef ?? null, spec.trigger],
  );
  await notify(db, { t: 'sync_run', id: res.rows[0]!.id });
  return { id: res.rows[0]!.id, attempt: 1, spec };
}

export async function reportProgress(db: Queryable, run: Run, done: number, total: number | null): Promise<void> {
  await db.query('UPDATE sync_runs SET progress_done = $2, progress_total = $3 WHERE id = $1', [run.id, done, total]);
  await notify(db, { t: 'sync_run', id: run.id });
}

export interface RunOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  counts?: ApplyCounts;
  error?: unknown;
  details?: Record<string, unknown>;
}

export async function finishRun(db: Queryable, run: Run, outcome: RunOutcome): Promise<void> {
  const c = outcome.counts ?? { seen: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 };
  const error = outcome.error;
  const code = error instanceof VendorError ? error.code : error ? 'INTERNAL' : null;
  const message = error instanceof Error ? error.message : error ? String(error) : null;
  await db.query(
    `UPDATE sync_runs SET status = $2, finished_at = now(), seen = $3, inserted = $4, updated = $5, unchanged = $6, removed = $7,
            error_code = $8, error_message = $9, details = $10, progress_done = GREATEST(progress_done, $3)
     WHERE id = $1`,
    [
      run.id,
      outcome.status,
      c.seen,
      c.inserted,
      c.updated,
      c.unchanged,
      c.removed,
      code,
      message,
      outcome.details ? JSON.stringify(outcome.details) : null,
    ],
  );
  const key = freshnessKey(run.spec);
  if (outcome.status === 'SUCCEEDED') {
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_success_at, last_attempt_at, last_row_count)
       VALUES ($1, $2, $3, now(), now(), $4)
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_success_at = now(), last_attempt_at = now(), last_row_count = EXCLUDED.last_row_count`,
      [run.spec.source, run.spec.kind, key, c.seen],
    );
  } else {
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_attempt_at, last_error_at, last_error)
       VALUES ($1, $2, $3, now(), now(), $4)
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_attempt_at = now(), last_error_at = now(), last_error = EXCLUDED.last_error`,
      [run.spec.source, run.spec.kind, key, `${code}: ${message}`],
    );
  }
  await notify(db, { t: 'sync_run', id: run.id });
}
