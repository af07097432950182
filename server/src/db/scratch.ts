/** A throw-away database (on the configured server, or an embedded one in a temp folder). */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { checkDatabase } from './connect.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withScratchDatabase<T>(serverUrl: string | undefined, fn: (url: string) => Promise<T>): Promise<T> {
  if (serverUrl) {
    await checkDatabase(serverUrl);
    const name = `emerald_scratch_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      return await fn(withDatabaseName(serverUrl, name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-scratch-'));
  fs.chmodSync(dir, 0o755);
  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, 'db') });
  try {
    return await fn(pgServer.url);
  } finally {
    await pgServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
