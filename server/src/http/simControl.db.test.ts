/**
 * Demo mode's /sim control API on Emerald itself: NOC staff and admins can script a fibre
 * cut; everyone else is refused, and a production server has no /sim at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { startSimulatedIsp, type SimulatedIsp } from '../../../simulators/isp.ts';
import { World } from '../../../simulators/world/world.ts';
import { buildApp, type RunningApp } from './app.ts';

let isp: SimulatedIsp;
let api: TestApi;
let demo: RunningApp;
let production: RunningApp;

beforeAll(async () => {
  isp = await startSimulatedIsp({
    world: World.generate({ seed: 42, subscribers: 60 }),
    credentials: {
      ispcube: { apiKey: 'a', clientId: '1', username: 'u', password: 'p' },
      smartoltToken: 't',
      routeros: { user: 'api', password: 'x' },
    },
  });
  api = await createTestApi({ subscribers: 60, simulatedIsp: isp });
  demo = await api.app.start(0);
  const { demo: _, ...withoutSimulators } = api.services;
  production = await buildApp(withoutSimulators, { clientDir: null }).start(0);
});
afterAll(async () => {
  await demo?.stop();
  await production?.stop();
  await isp?.stop();
});

async function call(base: RunningApp, action: string, options: { token?: string | null; body?: unknown; contentType?: string } = {}) {
  const res = await fetch(`${base.url}/sim/${action}`, {
    method: action === 'state' ? 'GET' : 'POST',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(action === 'state' ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    },
    ...(action === 'state' ? {} : { body: JSON.stringify(options.body ?? {}) }),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; affected?: number } };
}

describe('/sim in demo mode', () => {
  it('lets NOC staff cut a PON port, and the change is visible to the vendor APIs', async () => {
    const noc = await api.as('noc');
    const port = isp.world.ponPorts().find((p) => p.onus.some((o) => o.status === 'Online'))!;
    const res = await call(demo, 'fibre-cut', { token: noc.token, body: { olt: port.oltId, board: port.board, port: port.port } });
    expect(res.status).toBe(200);
    expect(res.body.affected).toBeGreaterThan(0);
    expect(isp.world.onusOfPort(port.oltId, port.board, port.port).some((o) => o.status === 'Online')).toBe(false);
    expect(api.logs.some((l) => l.msg === 'demo: simulator scripted' && l.user === 'noc')).toBe(true);
  });

  it('refuses anonymous callers, support and technicians, and non-JSON posts (CSRF)', async () => {
    const before = JSON.stringify(isp.world.data.onus.map((o) => o.status));
    const sn = isp.world.data.onus.find((o) => o.status === 'Online')!.sn;
    const body = { sn, status: 'LOS' };
    expect((await call(demo, 'onu-status', { body })).status).toBe(401);
    expect((await call(demo, 'onu-status', { token: (await api.as('soporte')).token, body })).status).toBe(403);
    expect((await call(demo, 'onu-status', { token: (await api.as('tecnico')).token, body })).status).toBe(403);
    expect((await call(demo, 'onu-status', { token: (await api.as('admin')).token, body, contentType: 'text/plain' })).status).toBe(415);
    expect(JSON.stringify(isp.world.data.onus.map((o) => o.status))).toBe(before);
  });

  it('reports bad input as 400 with the field', async () => {
    const res = await call(demo, 'drift', { token: (await api.as('admin')).token, body: { sn: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^db: /);
  });

  it('does not exist outside demo mode', async () => {
    const res = await call(production, 'state', { token: (await api.as('admin')).token });
    expect(res.status).toBe(404);
  });
});
