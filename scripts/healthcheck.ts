/**
 * The container health check (Dockerfile HEALTHCHECK): an API process is healthy when
 * /readyz says ready (database, migrations, some worker alive); a worker-only process when
 * a worker of this host (container) beat its heartbeat in the last 30 s. Exit 0 or 1.
 */
import os from 'node:os';
import pg from 'pg';

const processes = (process.env.EMERALD_PROCESSES ?? 'api,worker').split(',').map((p) => p.trim());

async function main(): Promise<boolean> {
  if (processes.includes('api')) {
    const res = await fetch(`http://127.0.0.1:${process.env.PORT ?? 4000}/readyz`, { signal: AbortSignal.timeout(4000) });
    if (!res.ok) console.error(JSON.stringify(await res.json().catch(() => ({}))));
    return res.ok;
  }
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 4000 });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT 1 FROM worker_heartbeats WHERE host = $1 AND last_seen_at > now() - interval '30 seconds' LIMIT 1`,
      [os.hostname()],
    );
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
