/**
 * A fresh database per test file, cloned from the migrated template. Real PostgreSQL,
 * nothing mocked; dropped when the file's tests end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createDb, type Db, type DbOptions } from '../server/src/db/client.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';

export interface TestDatabase {
  url: string;
  name: string;
  /** The server's admin URL (for creating more databases). */
  serverUrl: string;
  db: Db;
}

export async function createTestDatabase(options: DbOptions = {}): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const template = inject('pgTemplate');
  const name = `emerald_t_${inject('pgRunTag')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // Cloning fails while anything else touches the template (another file cloning it
    // at the same moment): serialise clones across test workers.
    await admin.query('SELECT pg_advisory_lock(4242)');
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock(4242)').catch(() => {});
    await admin.end();
  }
  const url = withDatabaseName(serverUrl, name);
  const db = createDb(url, { poolSize: 5, ...options });
  afterAll(async () => {
    await db.close();
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return { url, name, serverUrl, db };
}

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<{ url: string; serverUrl: string }> {
  const serverUrl = inject('pgServerUrl');
  const name = `emerald_t_${inject('pgRunTag')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  afterAll(async () => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return { url: withDatabaseName(serverUrl, name), serverUrl };
}
