/**
 * `npm run sync`: a real child process queues the sync, runs it with its own worker
 * against the simulators, prints progress and a summary, and exits non-zero on failure.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/db.ts';
import { startVendorWorld, type VendorWorld } from '../test/vendorWorld.ts';

const root = path.resolve(import.meta.dirname, '..');
let t: TestDatabase;
let vw: VendorWorld;

beforeAll(async () => {
  vw = await startVendorWorld({ seed: 11, subscribers: 300 });
  t = await createTestDatabase();
});

function sync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sync.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: t.url, LOG_LEVEL: 'silent', ...vw.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const count = async (sql: string): Promise<number> => Number((await t.db.pool.query<{ n: string }>(sql)).rows[0]!.n);

describe('npm run sync', () => {
  it('runs a full inventory sync with progress lines and a summary of every run', async () => {
    const { code, out } = await sync(['all']);
    expect(code, out).toBe(0);
    const w = vw.world.data;
    // ISPCube, routers fan-out + each, OLTs + each, and a first session sweep of each new router.
    const runs = 1 + 1 + w.routers.length + 1 + w.olts.length + w.routers.length;
    expect(out).toContain(`all ${runs} run(s) succeeded`);
    expect(out).toMatch(/^queued run #\d+: full inventory/m);
    expect(out).toMatch(
      new RegExp(
        `ispcube inventory succeeded in [\\d.]+ s \\(seen \\d+, \\+${w.customers.length + w.connections.length + w.plans.length + w.routers.length} `,
      ),
    );
    expect(out).toMatch(/^total\s+\d+/m);
    expect(await count('SELECT count(*) AS n FROM customers')).toBe(w.customers.length);
    expect(await count('SELECT count(*) AS n FROM ppp_secrets')).toBe(w.secrets.length);
    // A fresh mirror gets its live sessions too, not only at the next sweep.
    expect(await count('SELECT count(*) AS n FROM ppp_sessions')).toBe(w.routers.reduce((n, r) => n + vw.world.sessions(r.id).length, 0));
    expect(await count(`SELECT count(*) AS n FROM sync_runs WHERE trigger = 'cli' AND status = 'SUCCEEDED'`)).toBe(runs);
  });

  it('syncs one router by name, and one kind', async () => {
    const router = vw.world.data.routers[0]!;
    const { code, out } = await sync(['routeros', '--router', router.name, '--kind', 'sessions']);
    expect(code, out).toBe(0);
    expect(out).toContain(`router ${router.name} (sessions)`);
    expect(out).toContain('all 1 run(s) succeeded');
    expect(
      await count(`SELECT count(*) AS n FROM ppp_sessions WHERE router_id = (SELECT id FROM routers WHERE name = '${router.name}')`),
    ).toBe(vw.world.sessions(router.id).length);
  });

  it('follows a run through a passing SmartOLT failure ("try again later") to its successful retry', async () => {
    const olt = vw.world.data.olts[0]!;
    vw.smartolt.faults.statusFalseNext = 1;
    const { code, out } = await sync(['smartolt', '--olt', String(olt.name), '--kind', 'status']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/failed in [\d.]+ s .* — TEMPORARY: SmartOLT refused .*Temporary error/);
    expect(out).toMatch(/succeeded in [\d.]+ s/);
    expect(out).toContain('all 1 run(s) succeeded');
  });

  it('fails with the vendor error when credentials are wrong, and says which run', async () => {
    const { code, out } = await sync(['routeros', '--router', vw.world.data.routers[0]!.name], { ROUTEROS_PASSWORD: 'wrong' });
    expect(code).toBe(1);
    expect(out).toMatch(/routeros inventory router \S+ failed in [\d.]+ s .* — AUTH_FAILED: /);
    expect(out).toContain('1 of 1 run(s) did not succeed');
  });

  it('refuses unknown targets and options with a one-line error, queueing nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM sync_runs');
    const bad = [
      [['smartolt', '--olt', 'no-such-olt'], /^error: no OLT matches "no-such-olt"; known: \d+ \(/m],
      [['routeros', '--kind', 'signal'], /^error: --kind for routeros is one of: inventory, sessions$/m],
      [['ispcube', '--router', '1'], /^error: --router goes with routeros$/m],
      [['everything'], /^error: usage: npm run sync -- <all\|ispcube\|routeros\|smartolt>/m],
    ] as const;
    for (const [args, message] of bad) {
      const { code, out } = await sync([...args]);
      expect(code, args.join(' ')).toBe(1);
      expect(out).toMatch(message);
    }
    expect(await count('SELECT count(*) AS n FROM sync_runs')).toBe(before);
  });
});
