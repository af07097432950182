/**
 * `npm run db:backup` and `npm run db:restore` as an admin runs them: back up a database
 * with real data, change and then wipe it, restore, and find every row of every table back
 * (and sequences continuing after the restored ids). The same backup restores into the
 * embedded PostgreSQL (another major version), which is backed up in turn.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test/api.ts';

const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-backup-'));
fs.chmodSync(work, 0o755);
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 150 });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function npm(script: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; out: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|TEST_DATABASE_URL|EMERALD_|VITEST)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { cwd: root, env: { ...base, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { status, out };
}

/** Every table's row count and a digest of all its rows. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query<{ name: string; columns: string[] }>(
        `SELECT c.relname AS name, array_agg(quote_ident(a.attname) ORDER BY a.attnum) AS columns
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    const out: Record<string, string> = {};
    for (const t of tables) {
      const r = await client.query<{ n: string; digest: string }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS digest
         FROM (SELECT ${t.columns.join(', ')} FROM ${t.name}) x`,
      );
      out[t.name] = `${r.rows[0]!.n}:${r.rows[0]!.digest}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

describe('backup and restore', () => {
  it('backs up, survives changes and a wipe, and restores every row', async () => {
    const file = path.join(work, 'emerald.backup.gz');
    const before = await fingerprint(api.url);
    expect(Number(before.customers!.split(':')[0])).toBeGreaterThan(100);
    expect(Number(before.tickets!.split(':')[0])).toBeGreaterThan(0);

    const backup = await npm('db-backup', [file], { DATABASE_URL: api.url });
    expect(backup.out).toMatch(/backup written: .*emerald\.backup\.gz\n {2}\d+ tables, [\d,]+ rows/);
    expect(backup.status).toBe(0);

    // Changes after the backup, then the data is lost altogether.
    const db = api.db.pool;
    await db.query(`UPDATE customers SET name = 'CAMBIADO' WHERE id IN (SELECT id FROM customers ORDER BY id LIMIT 10)`);
    await db.query(`DELETE FROM ticket_events WHERE id IN (SELECT id FROM ticket_events ORDER BY id LIMIT 5)`);
    await db.query(`INSERT INTO tags (name) VALUES ('despues-del-backup')`);
    expect(await fingerprint(api.url)).not.toEqual(before);
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');

    // Refused without --yes, and while a worker is running.
    const unconfirmed = await npm('db-restore', [file], { DATABASE_URL: api.url });
    expect(unconfirmed.status).toBe(1);
    expect(unconfirmed.out).toContain('run again with --yes');

    const restored = await npm('db-restore', [file, '--yes'], { DATABASE_URL: api.url });
    expect(restored.out).toMatch(/restored \d+ tables, [\d,]+ rows/);
    expect(restored.status).toBe(0);
    expect(await fingerprint(api.url)).toEqual(before);

    // New rows continue after the restored ids; foreign keys are back.
    const maxTicket = (await db.query('SELECT max(id)::int AS m FROM tickets')).rows[0].m;
    const created = await db.query(
      `INSERT INTO tickets (subject, type, creator_id, updated_at) SELECT 'después', 'TECHNICAL', min(id), now() FROM users RETURNING id`,
    );
    expect(created.rows[0].id).toBeGreaterThan(maxTicket);
    await expect(db.query(`INSERT INTO ticket_events (ticket_id, kind, body) VALUES (999999999, 'NOTE', 'x')`)).rejects.toThrow(
      /foreign key/,
    );

    await db.query(`INSERT INTO worker_heartbeats (worker_id, process_id, host, pid, last_seen_at) VALUES ('w', 'p', 'h', 1, now())`);
    const running = await npm('db-restore', [file, '--yes'], { DATABASE_URL: api.url });
    expect(running.status).toBe(1);
    expect(running.out).toContain('Emerald is running on this database');
  });

  it('moves the same backup into the embedded PostgreSQL, which backs up in turn', async () => {
    const file = path.join(work, 'emerald.backup.gz');
    const dataDir = path.join(work, 'embedded');
    const expected = await fingerprintOfBackupSource();
    const restored = await npm('db-restore', [file, '--yes'], { EMERALD_DATA_DIR: dataDir });
    expect(restored.out).toMatch(/restored \d+ tables/);
    expect(restored.status).toBe(0);
    const again = await npm('db-backup', [path.join(work, 'embedded.backup.gz')], { EMERALD_DATA_DIR: dataDir });
    expect(again.status).toBe(0);
    // Restored back into the outside database, the embedded copy is the same data.
    await api.db.pool.query('DELETE FROM worker_heartbeats');
    const back = await npm('db-restore', [path.join(work, 'embedded.backup.gz'), '--yes'], { DATABASE_URL: api.url });
    expect(back.status).toBe(0);
    expect(await fingerprint(api.url)).toEqual(expected);
  });

  it('refuses a file that is not a backup, changing nothing', async () => {
    const bogus = path.join(work, 'bogus.gz');
    fs.writeFileSync(bogus, 'not a backup');
    const before = await fingerprint(api.url);
    const res = await npm('db-restore', [bogus, '--yes'], { DATABASE_URL: api.url });
    expect(res.status).toBe(1);
    expect(res.out).toContain('is not an Emerald backup');
    expect(await fingerprint(api.url)).toEqual(before);
  });
});

/** What the first test's backup holds: restore it into a scratch database and fingerprint it. */
async function fingerprintOfBackupSource(): Promise<Record<string, string>> {
  await api.db.pool.query('DELETE FROM worker_heartbeats');
  const res = await npm('db-restore', [path.join(work, 'emerald.backup.gz'), '--yes'], { DATABASE_URL: api.url });
  expect(res.status).toBe(0);
  return fingerprint(api.url);
}
