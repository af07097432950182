/**
 * `npm start` as a user runs it: a real process, an embedded PostgreSQL in a fresh
 * folder, signals, and the one-line errors of a bad setup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../server/src/db/embedded.ts';
import { createTestDatabase } from './db.ts';

const root = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-start-'));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runMain(env: Record<string, string>): Run {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATABASE_URL|TEST_DATABASE_URL|EMERALD_|EMBEDDED_|DEMO_|PORT|HOST|VITEST|NODE_ENV)/.test(k),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { ...base, PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', DEMO_SUBSCRIBERS: '60', DEMO_WEATHER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForUrl(run: Run, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /Emerald is running at (http:\/\/\S+)/.exec(run.stdout());
    if (m) return m[1]!;
    if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no URL after ${timeoutMs} ms: ${run.stdout()} ${run.stderr()}`);
}

async function graphql(url: string, query: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, unknown> };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startupError(env: Record<string, string>): Promise<string> {
  const run = runMain(env);
  const code = await run.exited;
  expect(code).toBe(1);
  const lines = run.stderr().trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('npm start', () => {
  it('starts on an embedded database with demo data, serves the API, GraphiQL and the monitor, and stops cleanly', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const run = runMain({ EMERALD_DATA_DIR: dataDir });
    const url = await waitForUrl(run);
    expect(run.stdout()).toMatch(/soporte\s+emerald-demo/);

    expect(await graphql(url, '{ health { ok database } }')).toEqual({ data: { health: { ok: true, database: true } } });
    const graphiql = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toMatch(/graphiql/i);
    const home = await fetch(`${url}/tickets/12`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<div id="root">');

    const pgPid = Number(fs.readFileSync(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(pgPid)).toBe(true);
    expect(run.stdout()).toContain('loading demo data');

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(alive(pgPid)).toBe(false);

    // A second start reuses the data: no new demo load, same customers.
    const again = runMain({ EMERALD_DATA_DIR: dataDir });
    const url2 = await waitForUrl(again);
    expect(again.stdout()).not.toContain('loading demo data');
    expect((await graphql(url2, '{ health { ok } }')).data).toEqual({ health: { ok: true } });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('uses DATABASE_URL when set, and never loads demo data outside demo mode', async () => {
    const { url: databaseUrl, db } = await createTestDatabase();
    const run = runMain({ DATABASE_URL: databaseUrl, EMERALD_DEMO: 'off' });
    const url = await waitForUrl(run);
    expect((await graphql(url, '{ health { ok } }')).data).toEqual({ health: { ok: true } });
    expect(run.stdout()).toMatch(/no active admin user: create one with `npm run user:create-admin/);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM customers')).rows[0]).toEqual({ n: 0 });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('explains a bad variable in one line', async () => {
    expect(await startupError({ PORT: 'eighty' })).toMatch(/^error: Invalid configuration: PORT .*\(got "eighty"\)$/);
  });

  it('explains an unreachable DATABASE_URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    expect(await startupError({ DATABASE_URL: `postgresql://emerald:x@127.0.0.1:${port}/emerald` })).toBe(
      `error: Cannot reach PostgreSQL at 127.0.0.1:${port}/emerald (DATABASE_URL): ECONNREFUSED`,
    );
  });

  it('explains rejected credentials', async () => {
    const dir = tempDir();
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg') });
    try {
      const bad = new URL(server.url);
      bad.password = 'not-the-password';
      expect(await startupError({ DATABASE_URL: bad.toString() })).toMatch(
        /^error: PostgreSQL at 127\.0\.0\.1:\d+\/emerald rejected the credentials \(DATABASE_URL\)/,
      );
    } finally {
      await server.stop();
    }
  });

  it('explains a data folder that cannot be written', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    expect(await startupError({ EMERALD_DATA_DIR: path.join(file, 'data') })).toMatch(
      /^error: Data folder .*a-file\/data is not writable \(ENOTDIR\); set EMERALD_DATA_DIR/,
    );
  });

  it('explains a port that is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      expect(await startupError({ EMERALD_DATA_DIR: path.join(tempDir(), 'd'), EMBEDDED_PG_PORT: String(port) })).toBe(
        `error: Port ${port} (EMBEDDED_PG_PORT) is already in use; choose another port or unset EMBEDDED_PG_PORT to pick a free one`,
      );
      expect(await startupError({ EMERALD_DATA_DIR: path.join(tempDir(), 'd'), PORT: String(port) })).toMatch(
        new RegExp(`^error: .*${port}.*in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses a database newer than the code', async () => {
    const { url } = await createTestDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ('future', 'x', '29990101000000_next_version', now(), now(), 1)`,
    );
    await c.end();
    expect(await startupError({ DATABASE_URL: url })).toBe(
      'error: The database is newer than this Emerald: it has migration 29990101000000_next_version which this version does not know; upgrade Emerald or point DATABASE_URL at another database',
    );
  });
});
