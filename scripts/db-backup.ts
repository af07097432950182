/**
 * `npm run db:backup [-- <file>]`: a consistent backup of Emerald's database (embedded or
 * DATABASE_URL) into one gzip file, by default backups/emerald-<UTC time>.backup.gz.
 * Safe while Emerald runs (one read-only snapshot). See server/src/ops/backup.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/src/config.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { backupDatabase } from '../server/src/ops/backup.ts';
import { version } from '../server/src/version.ts';
import { runCli } from './cli.ts';

void runCli(async () => {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
  const file = path.resolve(process.argv[2] ?? path.join('backups', `emerald-${stamp}.backup.gz`));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = await openDatabase(config, undefined, { attach: true });
  try {
    const started = Date.now();
    const header = await backupDatabase(database.url, file, version);
    const rows = header.tables.reduce((n, t) => n + t.rows, 0);
    const size = fs.statSync(file).size;
    console.log(
      `backup written: ${file}\n  ${header.tables.length} tables, ${rows.toLocaleString('en')} rows, ${(size / 1e6).toFixed(1)} MB, ` +
        `${header.migrations.length} migrations, PostgreSQL ${header.postgres}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await database.stop();
  }
});
