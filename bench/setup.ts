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
