/**
 * `npm run doctor` against a simulated ISP standing in for real vendors: every check
 * passes with the right settings; a wrong router password, a wrong SmartOLT token or an
 * unreachable ISPCube each give a failing line with the reason and exit status 1.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/db.ts';
import { startVendorWorld, type VendorWorld } from '../test/vendorWorld.ts';

const root = path.resolve(import.meta.dirname, '..');
let vw: VendorWorld;
let database: TestDatabase;

beforeAll(async () => {
  vw = await startVendorWorld({ subscribers: 200, seed: 21 });
  database = await createTestDatabase();
});

/** Run the doctor as a child process (asynchronously: the simulators live in this process). */
async function doctor(env: Record<string, string>): Promise<{ status: number | null; lines: string[] }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATABASE_URL|TEST_DATABASE_URL|EMERALD_|ISPCUBE_|SMARTOLT_|ROUTEROS_|VITEST|NODE_ENV)/.test(k),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/doctor.ts'], {
    cwd: root,
    env: { ...base, ...vw.env, DATABASE_URL: database.url, EMERALD_DEMO: 'off', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { status, lines: out.split('\n').filter(Boolean) };
}

const find = (lines: string[], check: string) => lines.filter((l) => l.slice(6).startsWith(check));

describe('npm run doctor', () => {
  it('passes every check with the right settings, one line per check', async () => {
    await database.db.pool.query(
      `INSERT INTO users (username, name, role, password_hash, updated_at) VALUES ('jefa', 'Jefa NOC', 'ADMIN', 'x', now())`,
    );
    const { status, lines } = await doctor({});
    expect(lines.join('\n')).toContain('All checks passed.');
    expect(status).toBe(0);
    expect(find(lines, 'database')[0]).toMatch(/^ok +database +PostgreSQL 1\d[\d.]*; \d+ migrations applied$/);
    expect(find(lines, 'ISPCube login')[0]).toMatch(new RegExp(`^ok .*signed in as emerald; ${vw.world.data.routers.length} node\\(s\\)`));
    expect(find(lines, 'SmartOLT token')[0]).toMatch(
      new RegExp(`^ok .*token accepted; ${vw.world.data.olts.length} OLT\\(s\\); \\d+ of 5000 calls left`),
    );
    const routers = find(lines, 'router ');
    expect(routers).toHaveLength(vw.world.data.routers.length);
    for (const r of routers) expect(r).toMatch(/^ok +router .+127\.0\.0\.1:\d+: API login as api \(RouterOS 7\.[\d.]+\)$/);
  });

  it('names each failure with its reason and exits 1', async () => {
    const { status, lines } = await doctor({ ROUTEROS_PASSWORD: 'wrong', SMARTOLT_TOKEN: 'bad-token' });
    expect(status).toBe(1);
    expect(find(lines, 'SmartOLT token')[0]).toMatch(/^FAIL .*SmartOLT/i);
    const routers = find(lines, 'router ');
    expect(routers).toHaveLength(vw.world.data.routers.length);
    for (const r of routers) expect(r).toMatch(/^FAIL +router .+127\.0\.0\.1:\d+: .*(login|credentials|password|denied|rejected)/i);
    expect(lines.at(-1)).toBe(`${routers.length + 1} check(s) failed.`);
  });

  it('says when ISPCube cannot be reached and no admin exists', async () => {
    await database.db.pool.query(`DELETE FROM users WHERE username = 'jefa'`);
    const { status, lines } = await doctor({ ISPCUBE_URL: 'http://127.0.0.1:9/api' });
    expect(status).toBe(1);
    expect(find(lines, 'ISPCube login')[0]).toMatch(/^FAIL .*(ECONNREFUSED|reach|unreachable)/i);
    expect(find(lines, 'admin user')[0]).toBe('FAIL  admin user               no active admin: npm run user:create-admin -- <username>');
  });
});
