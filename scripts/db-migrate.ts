/** `npm run db:migrate`: apply pending migrations to DATABASE_URL (or the embedded database). */
import { loadConfig } from '../server/src/config.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { applyMigrations, migrationStatus } from '../server/src/db/migrate.ts';
import { runCli } from './cli.ts';

await runCli(async () => {
  const config = loadConfig();
  const db = await openDatabase(config, undefined, { attach: true });
  try {
    const applied = await applyMigrations(db.url);
    const status = await migrationStatus(db.url);
    console.log(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
        : `database is up to date (${status.applied.length} migrations applied)`,
    );
  } finally {
    await db.stop();
  }
});
