/** The real RouterOS client (node-routeros + our guards) against the RouterOS simulator over TCP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRouterOsSim, type RunningRouterOsSim } from '../../../simulators/routeros/server.ts';
import { World } from '../../../simulators/world/world.ts';
import { VendorError } from './vendorError.ts';
import { attributesOf, RouterConnection, RouterPool, type RouterTarget } from './routeros.ts';

let world: World;
let sim: RunningRouterOsSim;
let conn: RouterConnection;
const open: { close(): Promise<void> }[] = [];

function target(overrides: Partial<RouterTarget> = {}): RouterTarget {
  return { id: 1, name: 'NAS-1', host: sim.host, port: sim.port, user: 'api', password: 'secret', tls: false, ...overrides };
}

beforeEach(async () => {
  world = World.generate({ seed: 3, subscribers: 300, now: new Date('2026-11-27T12:00:00Z') });
  world.data.routers[0]!.version = '7.18.2 (stable)';
  sim = await startRouterOsSim({ world, routerId: 1, user: 'api', password: 'secret' });
  conn = new RouterConnection(target(), 2);
  open.push(conn);
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await sim.stop();
});

async function failure(p: Promise<unknown>): Promise<VendorError> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(VendorError);
  return e as VendorError;
}

describe('RouterOS client against the simulator', () => {
  it('prints secrets with .proplist and ? filters', async () => {
    const all = await conn.print('/ppp/secret');
    expect(all.length).toBe(world.secrets(1).length);
    expect(all[0]).toHaveProperty('password');
    const [one] = await conn.print('/ppp/secret', { proplist: ['name', 'profile'], where: { name: all[5]!.name! } });
    expect(one).toEqual({ name: all[5]!.name, profile: all[5]!.profile });
  });

  it("reads values that hold '=' themselves, and empty ones, whole", async () => {
    const secret = world.secrets(1)[3]!;
    secret.comment = 'plan=100M; vlan=20 ==';
    const [one] = await conn.print('/ppp/secret', { proplist: ['name', 'comment'], where: { name: secret.name } });
    expect(one).toEqual({ name: secret.name, comment: 'plan=100M; vlan=20 ==' });
    // As node-routeros reads a sentence's words (its own parser, replaced for speed).
    expect(attributesOf(['=a=b', '=c=d=e=', '=empty=', '=bare', 'odd'])).toEqual({ a: 'b', c: 'd=e=', empty: '', bare: '', undefined: '' });
  });

  it('answers every documented query word form over the wire (?name, ?-name, ?=name=x, ?<, ?>, ?#)', async () => {
    const all = await conn.print('/ppp/secret', { proplist: ['.id', 'name', 'disabled'] });
    const [a, b] = [all[3]!.name!, all[4]!.name!];
    const names = async (params: string[]): Promise<string[]> =>
      (await conn.write('/ppp/secret/print', ['=.proplist=name', ...params])).map((r) => r.name!).sort();
    expect(await names([`?=name=${a}`])).toEqual([a]);
    expect(await names([`?name=${a}`, `?=name=${b}`, '?#|'])).toEqual([a, b].sort());
    expect(await names([`?name=${a}`, '?#!'])).toHaveLength(all.length - 1);
    expect(await names(['?-name'])).toEqual([]);
    expect((await names(['?name'])).length).toBe(all.length);
    expect(await names([`?>name=${a}`, `?<name=${b}`, '?#&'])).toEqual(
      all
        .map((r) => r.name!)
        .filter((n) => n > a && n < b)
        .sort(),
    );
    expect(await names([`?name=${a}`, `?name=${b}`, '?#1'])).toEqual([a]);
    await expect(conn.write('/ppp/secret/print', ['?#|'])).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('invalid query'),
    });
  });

  it('survives !empty (RouterOS 7.18+): an empty print is an empty list, and the connection goes on', async () => {
    expect(await conn.print('/ppp/secret', { where: { name: 'nobody-here' } })).toEqual([]);
    expect((await conn.print('/system/identity'))[0]!.name).toBe(world.data.routers[0]!.identity);
  });

  it('runs several tagged commands at once on one connection', async () => {
    sim.faults.latencyMs = 30;
    const [secrets, active, identity] = await Promise.all([
      conn.print('/ppp/secret'),
      conn.print('/ppp/active'),
      conn.print('/system/identity'),
    ]);
    expect(secrets.length).toBe(world.secrets(1).length);
    expect(active.length).toBe(world.sessions(1).length);
    expect(identity).toHaveLength(1);
    expect(sim.connections()).toBe(1);
  });

  it('reads fragmented replies (1–7 byte TCP writes)', async () => {
    sim.faults.fragment = true;
    const rows = await conn.print('/ppp/active');
    expect(rows.length).toBe(world.sessions(1).length);
    expect(rows.every((r) => r.name && r['.id'])).toBe(true);
  });

  it('logs in the legacy way (MD5 challenge, RouterOS < 6.43)', async () => {
    const legacy = await startRouterOsSim({ world, routerId: 1, user: 'api', password: 'secret', legacyLogin: true });
    const c = new RouterConnection(target({ port: legacy.port }), 2);
    open.push(c, { close: legacy.stop });
    expect((await c.print('/system/resource'))[0]!.version).toBe('7.18.2 (stable)');
  });

  it('reports wrong credentials as AUTH_FAILED and an unreachable router as UNREACHABLE', async () => {
    const bad = new RouterConnection(target({ password: 'wrong' }), 2);
    open.push(bad);
    expect((await failure(bad.print('/ppp/active'))).code).toBe('AUTH_FAILED');
    const port = sim.port;
    await sim.stop();
    const gone = new RouterConnection(target({ port }), 2);
    open.push(gone);
    expect((await failure(gone.print('/ppp/active'))).code).toBe('UNREACHABLE');
    sim = await startRouterOsSim({ world, routerId: 1, user: 'api', password: 'secret' });
  });

  it('times out on a router that stopped answering, without crashing', async () => {
    await conn.print('/system/identity');
    sim.faults.hang = true;
    const e = await failure(conn.print('/ppp/active'));
    expect(e.code).toBe('TIMEOUT');
  });

  it('turns garbage bytes and !fatal into BAD_RESPONSE/UNREACHABLE and reconnects afterwards', async () => {
    await conn.print('/system/identity');
    sim.faults.garbageNext = true;
    const garbage = await failure(conn.print('/ppp/active'));
    expect(['BAD_RESPONSE', 'UNREACHABLE']).toContain(garbage.code);
    expect(await conn.print('/system/identity')).toHaveLength(1);
    sim.faults.fatalNext = true;
    const fatal = await failure(conn.print('/ppp/active'));
    expect(['BAD_RESPONSE', 'UNREACHABLE']).toContain(fatal.code);
    expect(await conn.print('/system/identity')).toHaveLength(1);
  });

  it('reports an unknown command with the router message', async () => {
    const e = await failure(conn.write('/ppp/nonsense'));
    expect(e).toMatchObject({ code: 'BAD_RESPONSE' });
    expect(e.message).toMatch(/no such command prefix/);
  });

  it('streams session changes with listen, including removals (.dead), until stopped', async () => {
    const rows: Record<string, string>[] = [];
    let ended: unknown = 'no';
    const stop = await conn.listen(
      '/ppp/active',
      (r) => rows.push(r),
      (e) => (ended = e),
    );
    await expect.poll(() => sim.commands.get('/ppp/active/listen')).toBe(1);
    const secret = world
      .secrets(1)
      .find((s) => s.connectionId !== null && !world.sessions(1).some((x) => x.name === s.name) && !s.disabled)!;
    const session = world.login(secret)!;
    world.logout(1, secret.name);
    await expect.poll(() => rows.length).toBe(2);
    expect(rows[0]).toMatchObject({ '.id': session.rosId, name: secret.name });
    expect(rows[1]).toEqual({ '.id': session.rosId, '.dead': 'yes' });
    await stop();
    world.login(secret);
    await new Promise((r) => setTimeout(r, 50));
    expect(rows).toHaveLength(2);
    expect(ended).toBe('no');
  });

  it('measures live traffic of one subscriber', async () => {
    const s = world.sessions(1)[0]!;
    const rate = await conn.monitorTraffic(`<pppoe-${s.name}>`);
    expect(rate.rxBitsPerSecond).toBeGreaterThan(0);
    expect((await failure(conn.monitorTraffic('<pppoe-nobody>'))).message).toMatch(/no such item/);
  });
});

describe('RouterPool', () => {
  it('reuses one connection per router and backs off after a failure', async () => {
    const pool = new RouterPool(2);
    open.push({ close: () => pool.closeAll() });
    await pool.use(target(), (c) => c.print('/system/identity'));
    await pool.use(target(), (c) => c.print('/system/identity'));
    expect(sim.connections()).toBe(1);
    const dead = target({ id: 2, port: 1 });
    expect((await failure(pool.use(dead, (c) => c.print('/system/identity')))).code).toBe('UNREACHABLE');
    const fast = await failure(pool.use(dead, (c) => c.print('/system/identity')));
    expect(fast.message).toMatch(/failed recently; retrying in \d+ s/);
  });
});
