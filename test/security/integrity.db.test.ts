/**
 * Data and integrations: racing state changes, secrets in vendor payloads, router
 * credentials steered to a host of the attacker's choosing, and demo mode pointed at a
 * real database.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import selfsigned from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRouterOsSim, type RunningRouterOsSim } from '../../simulators/routeros/server.ts';
import { World } from '../../simulators/world/world.ts';
import { boot } from '../../server/src/boot.ts';
import { loadConfig } from '../../server/src/config.ts';
import { createLogger } from '../../server/src/logger.ts';
import { RouterConnection } from '../../server/src/vendors/routeros.ts';
import { createVendors } from '../../server/src/vendors/factory.ts';
import type { VendorError } from '../../server/src/vendors/vendorError.ts';
import { createTestApi, type TestApi } from '../api.ts';
import { createTestDatabase } from '../db.ts';

let api: TestApi;
let customerId: string;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 60 });
  customerId = encodeGlobalID('Customer', (await api.db.pool.query('SELECT id FROM customers ORDER BY id LIMIT 1')).rows[0].id);
});

describe('simultaneous state changes', () => {
  // Before: both transitions read the old status, both passed the check, both committed.
  it('lets exactly one of two simultaneous ticket transitions win; the other gets a typed conflict', async () => {
    const support = await api.as('soporte');
    for (let round = 0; round < 5; round++) {
      const created = await support.query<{ createTicket: { ticket: { id: string } } }>(
        `mutation { createTicket(input: { subject: "Sin servicio ${round}", type: TECHNICAL, customerId: "${customerId}" }) { ... on CreateTicketSuccess { ticket { id } } } }`,
      );
      const id = created.data!.createTicket.ticket.id;
      const move = (status: string) =>
        support.query<{ updateTicket: { __typename: string } }>(
          `mutation { updateTicket(input: { id: "${id}", status: ${status} }) { __typename } }`,
        );
      const results = await Promise.all([move('RESOLVED'), move('CANCELLED')]);
      const kinds = results.map((r) => r.data!.updateTicket.__typename).sort();
      expect(kinds).toEqual(['InvalidTransitionError', 'UpdateTicketSuccess']);
      const changes = await api.db.pool.query(
        `SELECT count(*)::int AS n FROM ticket_events WHERE kind = 'STATUS_CHANGE' AND ticket_id = (SELECT id FROM tickets ORDER BY id DESC LIMIT 1)`,
      );
      expect(changes.rows[0].n).toBe(1);
    }
  });

  it('lets exactly one of "complete" and "fail" finish a work order, with one audit entry', async () => {
    const support = await api.as('soporte');
    const tech = await api.as('tecnico');
    const techId = (await tech.query<{ me: { id: string } }>('{ me { id } }')).data!.me.id;
    for (let round = 0; round < 5; round++) {
      const ticket = await support.query<{ createTicket: { ticket: { id: string } } }>(
        `mutation { createTicket(input: { subject: "Visita ${round}", type: TECHNICAL, customerId: "${customerId}" }) { ... on CreateTicketSuccess { ticket { id } } } }`,
      );
      const wo = await support.query<{ createWorkOrder: { workOrder: { id: string } } }>(
        `mutation { createWorkOrder(input: { ticketId: "${ticket.data!.createTicket.ticket.id}", type: REPAIR, technicianId: "${techId}", scheduledStart: "${new Date().toISOString()}" }) { ... on CreateWorkOrderSuccess { workOrder { id } } } }`,
      );
      const id = wo.data!.createWorkOrder.workOrder.id;
      const [complete, fail] = await Promise.all([
        tech.query<{ completeWorkOrder: { __typename: string } }>(
          `mutation { completeWorkOrder(input: { id: "${id}", resolutionType: CONFIGURATION }) { __typename } }`,
        ),
        tech.query<{ failWorkOrder: { __typename: string } }>(
          `mutation { failWorkOrder(input: { id: "${id}", reason: "Cliente ausente" }) { __typename } }`,
        ),
      ]);
      const outcomes = [complete.data!.completeWorkOrder.__typename, fail.data!.failWorkOrder.__typename].sort();
      expect(outcomes.filter((o) => o.endsWith('Success'))).toHaveLength(1);
      expect(outcomes).toContain('InvalidTransitionError');
      const audit = await api.db.pool.query(
        `SELECT count(*)::int AS n FROM audit_entries WHERE action IN ('workOrder.complete', 'workOrder.fail') AND entity_id = (SELECT id::text FROM work_orders ORDER BY id DESC LIMIT 1)`,
      );
      expect(audit.rows[0].n).toBe(1);
    }
  });
});

describe('secrets in vendor payloads', () => {
  // Before: vendorPayload returned ISPCube's payload unchanged, PPPoE password included.
  it('never shows a credential a vendor payload carried, even one stored before Emerald stripped them', async () => {
    const row = (await api.db.pool.query('SELECT id FROM connections ORDER BY id LIMIT 1')).rows[0].id as number;
    await api.db.pool.query(
      `UPDATE connections SET raw = raw || '{"password":"hunter2-ppp","wifi_password":"hunter3","api_token":"tok-123","nested":{"secret":"s3"},"note":"Bearer abc.def"}'::jsonb WHERE id = $1`,
      [row],
    );
    const noc = await api.as('noc');
    const res = await noc.query<{ connection: { vendorPayload: Record<string, unknown> } }>(
      `{ connection(id: "${encodeGlobalID('Connection', row)}") { vendorPayload } }`,
    );
    expect(res.errors).toBeUndefined();
    const text = JSON.stringify(res.data);
    for (const secret of ['hunter2-ppp', 'hunter3', 'tok-123', 's3', 'Bearer abc']) expect(text).not.toContain(secret);
    expect(res.data!.connection.vendorPayload).toHaveProperty('nested');
  });
});

describe('router credentials', () => {
  let world: World;
  beforeAll(() => {
    world = World.generate({ seed: 3, subscribers: 100, now: new Date('2026-11-27T12:00:00Z') });
    world.data.routers[0]!.version = '7.18.2 (stable)';
  });

  const vendors = (routeros: Parameters<typeof createVendors>[1]['routeros']) => createVendors(api.db, { routeros });
  const router = (over: Partial<{ externalId: string; name: string; host: string; apiPort: number }> = {}) => ({
    id: 1,
    externalId: '7',
    name: 'NAS-centro',
    host: '127.0.0.1',
    apiPort: 8728,
    ...over,
  });

  // Before: credentials were looked up by the router's name or address, which ISPCube edits.
  it("binds a router's credentials to its ISPCube node id, whatever name or address the node gets", () => {
    const v = vendors({
      defaultCredential: { user: 'api', password: 'default' },
      perRouter: { '7': { user: 'api', password: 'only-for-node-7' } },
      tls: false,
      timeoutSeconds: 2,
    });
    expect(v.routerTarget(router()).password).toBe('only-for-node-7');
    // Another node renamed (or re-addressed) to look like node 7 gets only the default.
    expect(v.routerTarget(router({ externalId: '8', name: '7' })).password).toBe('default');
  });

  // Before: any address a node pointed at got the password.
  it('sends no credentials to a router outside the allowed networks', async () => {
    const v = vendors({ defaultCredential: { user: 'api', password: 'pw' }, perRouter: {}, tls: false, timeoutSeconds: 2 });
    expect(() => v.routerTarget(router({ host: '203.0.113.66' }))).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
    expect(() => v.routerTarget(router({ host: 'attacker.example' }))).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
    const narrow = vendors({
      defaultCredential: { user: 'api', password: 'pw' },
      perRouter: {},
      tls: false,
      timeoutSeconds: 2,
      allowedNetworks: ['10.20.0.0/16'],
    });
    expect(narrow.routerTarget(router({ host: '10.20.3.4' })).password).toBe('pw');
    expect(() => narrow.routerTarget(router())).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
  });

  // Before: API-SSL connected with rejectUnauthorized: false — any certificate got the password.
  it('verifies the API-SSL certificate before sending the login: by CA bundle or by pinned fingerprint', async () => {
    const real = await selfsigned.generate([{ name: 'commonName', value: 'router' }], { keySize: 2048 });
    const impostor = await selfsigned.generate([{ name: 'commonName', value: 'router' }], { keySize: 2048 });
    const sims: RunningRouterOsSim[] = [];
    const start = async (pem: { private: string; cert: string }) => {
      const sim = await startRouterOsSim({
        world,
        routerId: 1,
        user: 'api',
        password: 'tls-pw',
        tls: { key: pem.private, cert: pem.cert },
      });
      sims.push(sim);
      return sim;
    };
    const connect = async (sim: RunningRouterOsSim, trust: { ca?: string; fingerprint?: string }) => {
      const c = new RouterConnection(
        { id: 1, name: 'NAS', host: sim.host, port: sim.port, user: 'api', password: 'tls-pw', tls: true, trust },
        2,
      );
      try {
        return await c.print('/system/identity');
      } finally {
        await c.close();
      }
    };
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: VendorError) => e,
      );
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    try {
      const good = await start(real);
      const evil = await start(impostor);
      // Unknown certificate: refused before anything is written.
      expect(await failure(connect(evil, {}))).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(evil.commands.get('/login') ?? 0).toBe(0);
      // Trusted through the bundle, or pinned.
      expect((await connect(good, { ca: real.cert }))[0]).toHaveProperty('name');
      expect((await connect(good, { fingerprint: fingerprint(real.cert) }))[0]).toHaveProperty('name');
      // The impostor with the real router's pin or bundle: refused, and it never saw the password.
      expect(await failure(connect(evil, { fingerprint: fingerprint(real.cert) }))).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(await failure(connect(evil, { ca: real.cert }))).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(evil.commands.get('/login') ?? 0).toBe(0);
    } finally {
      for (const s of sims) await s.stop();
    }
  });
});

describe('demo mode', () => {
  // Before: EMERALD_DEMO=auto seeded simulated data (and admin/emerald-demo) into any database.
  it('refuses a database it did not create, and production altogether', async () => {
    const real = await createTestDatabase();
    await real.db.pool.query(
      `INSERT INTO users (username, name, role, password_hash, updated_at) VALUES ('ana', 'Ana', 'ADMIN', 'x', now())`,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-demo-'));
    const config = loadConfig({
      DATABASE_URL: real.url,
      EMERALD_DEMO: 'auto',
      DEMO_SUBSCRIBERS: '20',
      PORT: '0',
      EMERALD_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    });
    await expect(
      boot(config, createLogger('silent', { pretty: false }), { buildClient: false, liveSessions: false }),
    ).rejects.toMatchObject({
      code: 'DEMO_REFUSED',
    });
    const users = await real.db.pool.query('SELECT username FROM users ORDER BY username');
    expect(users.rows).toEqual([{ username: 'ana' }]);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: real.url })).toThrow(/demo mode is refused under NODE_ENV=production/);
    expect(fs.readFileSync(path.resolve(import.meta.dirname, '../../Dockerfile'), 'utf8')).toMatch(/^ENV .*EMERALD_DEMO=off/m);
  });
});
