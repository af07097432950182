import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError } from '../startupError.ts';
import { checkDatabase } from './connect.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded.ts';

// A server with password authentication (the machine's PostgreSQL may trust everyone).
let server: RunningPostgres;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-connect-'));
  fs.chmodSync(dir, 0o755);
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data') });
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(url: string): Promise<StartupError> {
  const error = await checkDatabase(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StartupError);
  return error as StartupError;
}

describe('checkDatabase', () => {
  it('accepts a reachable database with good credentials', async () => {
    await expect(checkDatabase(server.url)).resolves.toBeUndefined();
  });

  it('names an unreachable server', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const error = await failure(`postgresql://u:p@127.0.0.1:${closed}/emerald`);
    expect(error.code).toBe('DB_UNREACHABLE');
    expect(error.message).toBe(`Cannot reach PostgreSQL at 127.0.0.1:${closed}/emerald (DATABASE_URL): ECONNREFUSED`);
  });

  it('reports rejected credentials', async () => {
    const bad = new URL(server.url);
    bad.password = 'wrong-password';
    const error = await failure(bad.toString());
    expect(error.code).toBe('DB_AUTH_FAILED');
    expect(error.message).toMatch(
      /^PostgreSQL at 127\.0\.0\.1:\d+\/emerald rejected the credentials \(DATABASE_URL\): password authentication failed/,
    );
    expect(error.message).not.toContain('wrong-password');
  });

  it('reports a database that does not exist', async () => {
    const error = await failure(server.urlFor('no_such_db'));
    expect(error.code).toBe('DB_NOT_FOUND');
    expect(error.message).toMatch(/createdb no_such_db/);
  });
});
