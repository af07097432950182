/** The ISPCube and SmartOLT clients against their simulators over real HTTP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIspcubeSim, type RunningIspcubeSim } from '../../../simulators/ispcube/server.ts';
import { startSmartoltSim, type RunningSmartoltSim } from '../../../simulators/smartolt/server.ts';
import { World } from '../../../simulators/world/world.ts';
import { VendorError } from './vendorError.ts';
import { IspcubeClient } from './ispcube.ts';
import { SmartoltClient, memoryCallBudget } from './smartolt.ts';

let world: World;
beforeEach(() => {
  world = World.generate({ seed: 9, subscribers: 1200, now: new Date('2026-11-27T12:00:00Z') });
});

async function failure(p: Promise<unknown>): Promise<VendorError> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(VendorError);
  return e as VendorError;
}

describe('ISPCube client', () => {
  let sim: RunningIspcubeSim;
  let client: IspcubeClient;
  beforeEach(async () => {
    sim = await startIspcubeSim({ world });
    client = new IspcubeClient({
      url: `${sim.url}/api`,
      apiKey: 'ispcube-api-key',
      clientId: '77',
      username: 'emerald',
      password: 'emerald-pass',
    });
  });
  afterEach(() => sim.stop());

  it('logs in once and pages customers until a short page', async () => {
    const customers = await client.customers(500);
    expect(customers).toHaveLength(1200);
    expect(sim.logins()).toBe(1);
    expect(sim.calls.filter((c) => c.path === '/api/customers/customers_list')).toHaveLength(3);
  });

  it('gives each page the digest of its bytes, and ends paging on a known short page without reading it', async () => {
    const first: string[] = [];
    for await (const page of client.customerPages(500)) first.push(page.digest);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    const again: string[] = [];
    for await (const page of client.customerPages(500)) again.push(page.digest);
    expect(again).toEqual(first);
    // A page whose digest is known is taken to hold the known number of rows: told the first
    // page is a short one, the client asks for no second page.
    const calls = sim.calls.length;
    const pages: string[] = [];
    for await (const page of client.customerPages(500, (digest) => (digest === first[0] ? 499 : undefined))) pages.push(page.digest);
    expect(pages).toEqual([first[0]]);
    expect(sim.calls.length - calls).toBe(1);
    world.data.customers[600]!.name = 'Otro Nombre';
    const changed: string[] = [];
    for await (const page of client.customerPages(500)) changed.push(page.digest);
    expect(changed[1]).not.toBe(first[1]);
    expect([changed[0], changed[2]]).toEqual([first[0], first[2]]);
  });

  it('reads nodes whether or not they come wrapped in {data}', async () => {
    const a = await client.nodes();
    const b = await client.nodes();
    expect(a).toEqual(b);
    expect(a).toHaveLength(world.data.routers.length);
  });

  it('logs in again once when the token expires mid-paging, losing nothing', async () => {
    const seen: unknown[] = [];
    for await (const page of client.customerPages(500)) {
      seen.push(...page.rows());
      if (seen.length === 500) sim.expireTokens();
    }
    expect(seen).toHaveLength(1200);
    expect(new Set(seen.map((c) => (c as { id: number }).id)).size).toBe(1200);
    expect(sim.logins()).toBe(2);
    expect(sim.calls.filter((c) => c.status === 401)).toHaveLength(1);
  });

  it('reports bad credentials as AUTH_FAILED, server errors as UNREACHABLE and a slow list as TIMEOUT', async () => {
    const bad = new IspcubeClient({
      url: `${sim.url}/api`,
      apiKey: 'ispcube-api-key',
      clientId: '77',
      username: 'emerald',
      password: 'nope',
    });
    expect((await failure(bad.plans())).code).toBe('AUTH_FAILED');
    sim.faults.serverErrorNext = 1;
    expect((await failure(client.plans())).code).toBe('UNREACHABLE');
    sim.faults.connectionsLatencyMs = 400;
    const impatient = new IspcubeClient({
      url: `${sim.url}/api`,
      apiKey: 'ispcube-api-key',
      clientId: '77',
      username: 'emerald',
      password: 'emerald-pass',
      connectionsTimeoutMs: 100,
    });
    expect((await failure(impatient.connections())).code).toBe('TIMEOUT');
  });

  it('finds one customer by DNI/CUIT with its connections', async () => {
    const c = world.data.customers[7]!;
    const found = await client.customerByDoc(c.docNumber);
    expect(found).toMatchObject({ id: c.id, doc_number: c.docNumber });
    expect(Array.isArray(found!.connections)).toBe(true);
    expect(await client.customerByDoc('00000000')).toBeNull();
  });
});

describe('SmartOLT client', () => {
  let sim: RunningSmartoltSim;
  beforeEach(async () => {
    sim = await startSmartoltSim({ world, hourlyLimit: 50 });
  });
  afterEach(() => sim.stop());
  const client = (budget = memoryCallBudget(1000), reserve = 0) =>
    new SmartoltClient({ url: `${sim.url}/api`, token: 'smartolt-token', hourlyBudget: 1000 }, budget, reserve);

  it('pages ONU details of one OLT and reads bulk statuses and signals', async () => {
    const c = client();
    const olts = (await c.olts()) as { id: string }[];
    const details = await c.onuDetails(olts[0]!.id, 300);
    expect(details.length).toBe(world.data.onus.filter((o) => String(o.oltId) === olts[0]!.id).length);
    expect(sim.calls.filter((x) => x.path === '/api/onu/get_all_onus_details').length).toBe(Math.ceil(details.length / 300));
    expect((await c.statuses(olts[0]!.id)).length).toBe(details.length);
    const signals = (await c.signals(olts[0]!.id)) as { signal_1490: string }[];
    expect(signals[0]!.signal_1490).toMatch(/dBm|^-$/);
  });

  it('treats status:false with HTTP 200 as an error: transient when SmartOLT says to try again, permanent otherwise', async () => {
    sim.faults.statusFalseNext = 1;
    const temporary = await failure(client().olts());
    expect(temporary).toMatchObject({ code: 'TEMPORARY', transient: true, message: expect.stringMatching(/Temporary error/) });
    sim.faults.refuseNext = 1;
    const refused = await failure(client().olts());
    expect(refused).toMatchObject({ code: 'BAD_RESPONSE', transient: false, message: expect.stringMatching(/Invalid OLT ID/) });
  });

  it('rejects a wrong token as AUTH_FAILED', async () => {
    const c = new SmartoltClient({ url: `${sim.url}/api`, token: 'wrong', hourlyBudget: 1000 });
    expect((await failure(c.olts())).code).toBe('AUTH_FAILED');
  });

  it('stops calling when its own budget is spent, keeping a reserve for people', async () => {
    const budget = memoryCallBudget(5);
    const background = client(budget, 2);
    for (let i = 0; i < 3; i++) await background.olts();
    const e = await failure(background.olts());
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(sim.callsThisHour()).toBe(3);
    // Interactive use still has the reserve.
    await client(budget, 0).olts();
    expect(await budget.remaining()).toBe(1);
  });

  it('honours 429 Retry-After: waits a short one once, fails fast on a storm and remembers it', async () => {
    sim.faults.rateLimitStorm = true;
    const budget = memoryCallBudget(1000);
    const c = client(budget);
    const e = await failure(c.olts());
    expect(e.code).toBe('RATE_LIMITED');
    // Tried, waited the 2 s Retry-After, tried once more: the second call came no sooner.
    const limited = sim.calls.filter((x) => x.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[1]!.at - limited[0]!.at).toBeGreaterThanOrEqual(2000);
    // While the 429 is in force, no call goes out.
    const blocked = await failure(c.olts());
    expect(blocked.code).toBe('RATE_LIMITED');
    expect(sim.calls.filter((x) => x.status === 429)).toHaveLength(2);
  });

  it('meets the tenant limit with 429 and Retry-After to the end of the hour', async () => {
    const c = client(memoryCallBudget(1000));
    for (let i = 0; i < 50; i++) await c.olts();
    const e = await failure(c.olts());
    expect(e.code).toBe('RATE_LIMITED');
    // Retry-After points at the end of SmartOLT's hour, whatever minute of the hour it is now.
    const end = (Date.now() + e.retryAfterMs!) % 3_600_000;
    expect(Math.min(end, 3_600_000 - end)).toBeLessThan(3000);
  });
});
