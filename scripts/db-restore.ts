/**
 * `npm run db:restore -- <file> --yes`: replace Emerald's database (embedded or
 * DATABASE_URL) with a backup made by `npm run db:backup`. Stop Emerald first: a running
 * worker (a heartbeat in the last 30 s) makes it refuse. A backup from an older Emerald
 * is upgraded by the migrations this version has.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../server/src/config.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { readBackupHeader, restoreDatabase } from '../server/src/ops/backup.ts';
import { WORKER_STALE_SECONDS } from '../server/src/ops/readiness.ts';
import { runCli } from './cli.ts';

void runCli(async () => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { yes: { type: 'boolean', default: false } } });
  const file = positionals[0];
  if (!file) throw new Error('say which backup: npm run db:restore -- <file> --yes');
  const header = await readBackupHeader(file);
  const rows = header.tables.reduce((n, t) => n + t.rows, 0);
  console.log(`backup of ${header.createdAt} (Emerald ${header.emeraldVersion}, ${rows.toLocaleString('en')} rows)`);
  const config = loadConfig();
  const database = await openDatabase(config, undefined, { attach: true });
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const hasHeartbeats = (await client.query(`SELECT to_regclass('public.worker_heartbeats') AS t`)).rows[0]?.t;
      const beat = hasHeartbeats
        ? await client.query<{ age: number | null }>(
            'SELECT extract(epoch FROM now() - max(last_seen_at))::float8 AS age FROM worker_heartbeats',
          )
        : { rows: [] };
      const age = beat.rows[0]?.age;
      if (age !== null && age !== undefined && age < WORKER_STALE_SECONDS)
        throw new Error('Emerald is running on this database (a worker beat its heartbeat just now): stop it, then restore');
    } finally {
      await client.end();
    }
    if (!values.yes) throw new Error(`this replaces everything in the database with the backup: run again with --yes`);
    const started = Date.now();
    const result = await restoreDatabase(database.url, file);
    console.log(
      `restored ${result.header.tables.length} tables, ${rows.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (result.upgraded ? `; ${result.upgraded} newer migration(s) applied` : ''),
    );
  } finally {
    await database.stop();
  }
});
