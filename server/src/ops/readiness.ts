/**
 * `/readyz`: may this process take traffic? The database answers, its schema is exactly
 * the migrations this code ships (none pending, none unknown, none failed), and some worker
 * process has beaten its heartbeat recently (without one, syncs, polls and alerts stop even
 * though the API answers). `/healthz` only says the process is alive.
 */
import type { Db } from '../db/client.ts';
import { readMigrations } from '../db/migrate.ts';

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ok: boolean;
  checks: { database: ReadinessCheck; migrations: ReadinessCheck; worker: ReadinessCheck };
}

/** A worker beats every 10 s; three missed beats and it is taken as gone. */
export const WORKER_STALE_SECONDS = 30;

export function readinessProbe(db: Db, options: { timeoutMs?: number } = {}): () => Promise<Readiness> {
  const shipped = readMigrations().migrationDirectories.map((m) => m.path);
  const timeoutMs = options.timeoutMs ?? 2000;
  return async () => {
    const failed = (detail: string): ReadinessCheck => ({ ok: false, detail });
    let rows: { applied: string[] | null; failed: string[] | null; worker_age: number | null }[];
    try {
      const client = await db.pool.connect();
      try {
        // SET LOCAL: the limit ends with the transaction, whatever happens.
        await client.query('BEGIN');
        await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
        rows = (
          await client.query(
            `SELECT (SELECT array_agg(migration_name ORDER BY migration_name) FROM _prisma_migrations
                      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL) AS applied,
                    (SELECT array_agg(migration_name) FROM _prisma_migrations
                      WHERE finished_at IS NULL AND rolled_back_at IS NULL) AS failed,
                    (SELECT extract(epoch FROM now() - max(last_seen_at))::float8 FROM worker_heartbeats) AS worker_age`,
          )
        ).rows;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      const reason = failed(`database unreachable: ${(error as Error).message}`);
      return { ok: false, checks: { database: reason, migrations: failed('not checked'), worker: failed('not checked') } };
    }
    const row = rows[0]!;
    const applied = row.applied ?? [];
    const pending = shipped.filter((m) => !applied.includes(m));
    const unknown = applied.filter((m) => !shipped.includes(m));
    const migrations: ReadinessCheck = row.failed?.length
      ? failed(`failed migration: ${row.failed.join(', ')}`)
      : pending.length
        ? failed(`${pending.length} pending: ${pending.join(', ')}`)
        : unknown.length
          ? failed(`database is newer than this code (${unknown.join(', ')})`)
          : { ok: true, detail: `${applied.length} applied` };
    const age = row.worker_age;
    const worker: ReadinessCheck =
      age === null
        ? failed('no worker has ever run on this database')
        : age > WORKER_STALE_SECONDS
          ? failed(`last worker heartbeat ${Math.round(age)} s ago`)
          : { ok: true, detail: `heartbeat ${Math.round(age)} s ago` };
    const database = { ok: true, detail: 'reachable' };
    return { ok: migrations.ok && worker.ok, checks: { database, migrations, worker } };
  };
}
