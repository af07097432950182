import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from '../startupError.ts';
import { startEmbeddedPostgres } from './embedded.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-embedded-'));
  fs.chmodSync(dir, 0o755);
  dirs.push(dir);
  return path.join(dir, 'data');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('keeps data across stop and restart, and leaves no process behind', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedPostgres({ dataDir });
    await sql(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$hola$$)');
    const pid = Number(fs.readFileSync(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(pid)).toBe(true);
    await first.stop();
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'pgdata', 'postmaster.pid'))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      const rows = await sql(second.url, 'SELECT v FROM kept');
      expect(rows.rows).toEqual([{ v: 'hola' }]);
    } finally {
      await second.stop();
    }
  });

  it('reports a configured port that is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await startEmbeddedPostgres({ dataDir: tempDir(), port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupError);
      expect((error as StartupError).code).toBe('PORT_IN_USE');
      expect((error as StartupError).message).toBe(
        `Port ${port} (EMBEDDED_PG_PORT) is already in use; choose another port or unset EMBEDDED_PG_PORT to pick a free one`,
      );
    } finally {
      blocker.close();
    }
  });

  it('reports a data folder that cannot be written', async () => {
    const parent = tempDir();
    fs.mkdirSync(path.dirname(parent), { recursive: true });
    const file = path.join(path.dirname(parent), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const error = await startEmbeddedPostgres({ dataDir: path.join(file, 'db') }).catch((e: unknown) => e);
    expect((error as StartupError).code).toBe('DATA_DIR_NOT_WRITABLE');
    expect((error as StartupError).message).toMatch(/^Data folder .*not-a-folder\/db is not writable \(ENOTDIR\)/);
  });

  it('refuses a data folder another live Emerald is using', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedPostgres({ dataDir });
    try {
      // Pretend another process owns it (this test process is alive, but not "us").
      const owner = path.join(dataDir, 'owner.json');
      const parentPid = process.ppid;
      fs.writeFileSync(owner, JSON.stringify({ pid: parentPid }));
      const error = await startEmbeddedPostgres({ dataDir }).catch((e: unknown) => e);
      expect((error as StartupError).code).toBe('DATA_DIR_IN_USE');
    } finally {
      await first.stop();
    }
  });

  it('recovers the orphan left by an Emerald killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve('server/src/db/embedded.ts'))};
      const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const orphan = Number(fs.readFileSync(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(orphan)).toBe(true);

    const next = await startEmbeddedPostgres({ dataDir });
    try {
      expect(alive(orphan)).toBe(false);
      expect((await sql(next.url, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await next.stop();
    }
  });
});
