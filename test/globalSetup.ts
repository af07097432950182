/**
 * Once per test run: a PostgreSQL server (TEST_DATABASE_URL, or an embedded one in a
 * temp folder) and a template database migrated from prisma/migrations. Each test file
 * then clones the template (`createTestDatabase`), which takes milliseconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../server/src/db/embedded.ts';
import { applyMigrations, readMigrations } from '../server/src/db/migrate.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
    pgRunTag: string;
    pgEmbedded: boolean;
  }
}

interface Server {
  serverUrl: string;
  template: string;
  runTag: string;
  embedded: boolean;
  teardown(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const runTag = randomBytes(3).toString('hex');
  let serverUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async (): Promise<void> => {};
  let tmp: string | null = null;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-test-pg-'));
    fs.chmodSync(tmp, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'db'), database: 'postgres' });
    serverUrl = server.urlFor('postgres');
    stopServer = server.stop;
  }
  const digest = createHash('sha1').update(JSON.stringify(readMigrations().migrationDirectories)).digest('hex').slice(0, 10);
  const template = `emerald_tpl_${digest}_${runTag}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await applyMigrations(withDatabaseName(serverUrl, template));
  // The job queue's own schema, as every Emerald process creates it on start.
  await runMigrations({ connectionString: withDatabaseName(serverUrl, template), logger: new Logger(() => () => {}) });
  await admin.end();
  const url = serverUrl;
  return {
    serverUrl: url,
    template,
    runTag,
    embedded: !process.env.TEST_DATABASE_URL,
    async teardown() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const leftovers = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [
        `emerald_t_${runTag}_%`,
        template,
      ]);
      for (const { datname } of leftovers.rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await client.end();
      await stopServer();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The db and browser projects share one server and template (one per run, not per project). */
const SHARED = Symbol.for('emerald.test.databaseServer');
type Shared = { server: Promise<Server>; users: number };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const g = globalThis as typeof globalThis & { [SHARED]?: Shared };
  const shared = (g[SHARED] ??= { server: startServer(), users: 0 });
  shared.users++;
  const server = await shared.server;
  project.provide('pgServerUrl', server.serverUrl);
  project.provide('pgTemplate', server.template);
  project.provide('pgRunTag', server.runTag);
  project.provide('pgEmbedded', server.embedded);
  return async () => {
    if (--shared.users > 0) return;
    delete g[SHARED];
    await server.teardown();
  };
}
