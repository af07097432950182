/**
 * A worker that starts on an empty mirror (a new install) or on one whose inventory missed
 * its schedule (the server was down at 04:00) runs the inventory at once, instead of
 * leaving the NOC with an empty network until the next cron tick. The inventory chains to
 * every router's secrets and every OLT's ONUs (with their status); session streams and
 * sweeps start as the routers appear (see `notifyDevicesChanged`).
 */
import { parseCrontab } from 'graphile-worker';
import type { Services } from '../services.ts';
import { enqueueSync } from './enqueue.ts';

/** The most recent time at or before `now` (UTC, whole minutes) when `cron` fires; null if none in 31 days. */
export function lastFiring(cron: string, now: Date): Date | null {
  const [item] = parseCrontab(`${cron} sync_all`);
  if (!item) return null;
  const t = new Date(now);
  t.setUTCSeconds(0, 0);
  for (let i = 0; i < 31 * 24 * 60; i++) {
    const digest = { min: t.getUTCMinutes(), hour: t.getUTCHours(), date: t.getUTCDate(), month: t.getUTCMonth() + 1, dow: t.getUTCDay() };
    if (item.match(digest)) return t;
    t.setUTCMinutes(t.getUTCMinutes() - 1);
  }
  return null;
}

export type FirstRunState = 'queued' | 'fresh' | 'in-progress' | 'no-ispcube';

/** Queue the chained inventory if the mirror is empty or stale; says what it decided. */
export async function fillMirrorIfStale(
  services: Pick<Services, 'db' | 'jobs' | 'vendors' | 'config'>,
  now = new Date(),
): Promise<FirstRunState> {
  if (!services.vendors.endpoints.ispcube) return 'no-ispcube';
  const { rows } = await services.db.pool.query<{ last: Date | null; pending: boolean }>(
    `SELECT (SELECT max(last_success_at) FROM source_freshness WHERE source = 'ISPCUBE' AND kind = 'INVENTORY') AS last,
            EXISTS (SELECT 1 FROM sync_runs WHERE source = 'ISPCUBE' AND kind = 'INVENTORY' AND status IN ('QUEUED', 'RUNNING')) AS pending`,
  );
  const { last, pending } = rows[0]!;
  if (pending) return 'in-progress';
  const due = lastFiring(services.config.inventoryCron, now);
  if (last && (!due || last >= due)) return 'fresh';
  await enqueueSync(services.db, services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'startup', chain: true });
  return 'queued';
}
