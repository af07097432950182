/**
 * A benchmark database with the demo world at a given size, created once and reused.
 * BENCH_DATABASE_URL points at a server (default: the machine's PostgreSQL on :5432);
 * the database is `emerald_bench_<subscribers>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db } from '../server/src/db/client.ts';
import { applyMigrations } from '../server/src/db/migrate.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';
import { seedDemo } from '../server/src/demo/seed.ts';

export const benchServer = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function benchDatabase(
  subscribers: number,
  options: { fresh?: boolean; seed?: boolean } = {},
): Promise<{ url: string; db: Db }> {
  const name = `emerald_bench_${subscribers}`;
  const admin = new pg.Client({ connectionString: benchServer });
  await admin.connect();
  if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(benchServer, name);
  await applyMigrations(url);
  const db = createDb(url, { poolSize: 20, statementTimeoutMs: 0 });
  if (options.seed !== false) {
    const n = Number((await db.pool.query('SELECT count(*)::int AS n FROM customers')).rows[0].n);
    if (n === 0) {
      const t = Date.now();
      process.stderr.write(`seeding ${subscribers} subscribers into ${name}…\n`);
      await seedDemo(db, { subscribers, seed: 42 });
      await db.pool.query('ANALYZE');
      process.stderr.write(`seeded in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    }
  }
  return { url, db };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export function summarize(samples: number[]): { n: number; p50: number; p95: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s.at(-1) ?? NaN),
    mean: r(mean),
  };
}

/** Write a benchmark's result to bench/results/<name>.json and print it. */
export function writeResult(name: string, result: unknown): void {
  const dir = path.resolve(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

/** Run a benchmark's main, exiting 0 or 1 (child processes and pools never keep it alive). */
export async function runBench(main: () => Promise<void>): Promise<void> {
  await main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * Emerald's API on a benchmark database, served on 127.0.0.1 as in production (no demo),
 * signed in as `username`: `post` sends a GraphQL request with that user's token and
 * throws on any error.
 */
export async function benchApi(
  db: Db,
  username: string,
): Promise<{ url: string; post(query: string, variables?: Record<string, unknown>): Promise<any>; stop(): Promise<void> }> {
  const { loadConfig } = await import('../server/src/config.ts');
  const { buildApp } = await import('../server/src/http/app.ts');
  const { createJobQueue } = await import('../server/src/jobs/queue.ts');
  const { createVendors, endpointsFromConfig } = await import('../server/src/vendors/factory.ts');
  const pino = (await import('pino')).default;
  const config = loadConfig({ LOG_LEVEL: 'silent', NODE_ENV: 'production', EMERALD_DEMO: 'off' });
  const jobs = createJobQueue(db.pool);
  const vendors = createVendors(db, endpointsFromConfig(config));
  const app = buildApp(
    { config, db, log: pino({ level: process.env.BENCH_LOG ?? 'silent' }), startedAt: new Date(), version: 'bench', jobs, vendors },
    { clientDir: null },
  );
  const running = await app.start(0);
  const send = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const res = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(`${JSON.stringify(variables)}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const token: string = (
    await send(
      `mutation { login(username: "${username}", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }`,
      {},
    )
  ).login.session.token;
  return {
    url: running.url,
    post: (query, variables = {}) => send(query, variables, token),
    async stop() {
      await running.stop();
      await jobs.release();
    },
  };
}
