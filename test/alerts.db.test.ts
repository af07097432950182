/**
 * Outages and alerts end to end, against the simulators: a fibre cut scripted in the
 * world drops PPPoE sessions, which reach Emerald live over the RouterOS API; the worker
 * opens a SUSPECTED incident and pushes it, reads that OLT from SmartOLT, classifies it,
 * and tells people — an e-mail through a real SMTP server, a Telegram message through the
 * Bot API simulator, a signed webhook to a local receiver. Then: clearing, a power cut,
 * maintenance windows, escalation, an SMTP server that is down for a while, Telegram
 * throttling and a blocked bot, two workers, and no secret anywhere it could be read.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOwnedData } from '../server/src/demo/owned.ts';
import type { RunningApp } from '../server/src/http/app.ts';
import { incidentCorrelator, tickIncidents } from '../server/src/incidents/correlate.ts';
import { escalateDue } from '../server/src/notifications/deliveries.ts';
import { enqueueSync } from '../server/src/sync/enqueue.ts';
import { startSessionListeners, type SessionListeners } from '../workers/sessionListeners.ts';
import { startWorker, type RunningWorker } from '../workers/runner.ts';
import { startTelegramSim, type RunningTelegramSim } from '../simulators/telegram/server.ts';
import { createTestApi, type Caller, type TestApi } from './api.ts';
import { drainJobs } from './jobs.ts';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from './receivers.ts';
import { startVendorWorld, type VendorWorld } from './vendorWorld.ts';
import { collect, until, wsClient } from './ws.ts';

const BOT_TOKEN = '7000000001:AAH-secret-bot-token-x9';
const WEBHOOK_SECRET = 'whsec-0123456789abcdef-secret';
const NOC_CHAT = '5550001';

let vw: VendorWorld;
let api: TestApi;
let smtp: SmtpSink;
let hook: WebhookReceiver;
let tg: RunningTelegramSim;
let worker: RunningWorker;
let listeners: SessionListeners;
let http: RunningApp;
let admin: Caller;
let noc: Caller;
let support: Caller;

const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await api.db.pool.query(sql, params)).rows as T[];

/** Ports of the world with at least `n` online ONUs that have a PPPoE account, each port once. */
const usedPorts = new Set<string>();
function freshPort(n: number) {
  const port = vw.world
    .ponPorts()
    .filter((p) => !usedPorts.has(`${p.oltId}/${p.board}/${p.port}`))
    .find((p) => p.onus.filter((o) => o.status === 'Online' && o.connectionId !== null && vw.world.secretOf(o.connectionId)).length >= n)!;
  usedPorts.add(`${port.oltId}/${port.board}/${port.port}`);
  return port;
}

/** No notification, delivery or classification job left, now or due later (a retry after a Retry-After). */
async function notificationsSettled(): Promise<boolean> {
  const n = (
    await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier IN ('notify_incident', 'deliver_notification', 'classify_outage')
         AND attempts < max_attempts`,
    )
  )[0]!.n;
  return n === 0;
}

const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

async function incidentOfPort(oltExternal: number, board: number, port: number) {
  return (
    await rows<{ id: number; status: string; kind: string; planned: boolean }>(
      `SELECT i.id, i.status::text, i.kind::text, i.planned FROM incidents i JOIN pon_ports pp ON pp.id = i.pon_port_id JOIN olts o ON o.id = pp.olt_id
       WHERE o.external_id = $1 AND pp.board = $2 AND pp.port = $3 ORDER BY i.id DESC LIMIT 1`,
      [String(oltExternal), board, port],
    )
  )[0];
}

beforeAll(async () => {
  vw = await startVendorWorld({ seed: 12, subscribers: 900 });
  smtp = await startSmtpSink();
  hook = await startWebhookReceiver();
  tg = await startTelegramSim({ token: BOT_TOKEN });
  api = await createTestApi({
    endpoints: vw.endpoints,
    env: {
      ...vw.env,
      INCIDENT_CONFIRM_DELAY_SECONDS: '0',
      INCIDENT_RECHECK_SECONDS: '1',
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Emerald NOC <noc@isp.test>',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_URL: tg.apiUrl,
      NOTIFY_TIMEZONE: 'America/Argentina/Buenos_Aires',
      PUBLIC_URL: 'https://emerald.isp.test',
    },
  });
  api.services.onChanges = incidentCorrelator(api.db, api.config, api.services.log);
  await enqueueSync(api.db, api.services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test', chain: true });
  await drainJobs(api.services);
  await enqueueSync(api.db, api.services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(api.services);
  await seedOwnedData(api.db.pool, { seed: 3, now: new Date() });
  admin = await api.as('admin');
  noc = await api.as('noc');
  support = await api.as('soporte');

  // The NOC is told of everything by e-mail and Telegram (and the admins if nobody acknowledges
  // within 10 minutes); a chat tool gets every event by webhook.
  tg.startChat(NOC_CHAT, 'Nicolás');
  for (const [channel, address] of [
    ['EMAIL', 'noc@isp.test'],
    ['TELEGRAM', NOC_CHAT],
  ] as const) {
    const res = await noc.query('mutation($c: NotificationChannel!, $a: String!) { addContact(channel: $c, address: $a) { __typename } }', {
      c: channel,
      a: address,
    });
    expect(res.errors ?? [], JSON.stringify(api.logs.filter((l) => Number(l.level) >= 50).slice(-2))).toEqual([]);
    expect(res.data?.addContact.__typename).toBe('AddContactSuccess');
  }
  await admin.query('mutation { addContact(channel: EMAIL, address: "admin@isp.test") { __typename } }');
  const created = await admin.query<{ createWebhook: { webhook: { id: string } } }>(
    'mutation($s: String!, $u: String!) { createWebhook(input: { name: "Chat NOC", url: $u, secret: $s }) { ... on CreateWebhookSuccess { webhook { id } } } }',
    { s: WEBHOOK_SECRET, u: hook.url },
  );
  const webhookId = created.data!.createWebhook.webhook.id;
  for (const input of [
    { name: 'NOC, siempre', roles: ['NOC'], channels: ['EMAIL', 'TELEGRAM'], escalateAfterMinutes: 10, escalateRoles: ['ADMIN'] },
    { name: 'Chat', channels: ['WEBHOOK'], webhookIds: [webhookId] },
  ]) {
    const res = await admin.query(
      'mutation($i: NotificationRuleInput!) { createNotificationRule(input: $i) { __typename ... on Error { message } } }',
      {
        i: input,
      },
    );
    expect(res.data?.createNotificationRule).toEqual({ __typename: 'CreateNotificationRuleSuccess' });
  }

  worker = await startWorker(api.services, { crontab: '', concurrency: 4, pollInterval: 200 });
  listeners = await startSessionListeners(api.services);
  await until('session listeners', () => listeners.active().length === vw.routers.size, 15_000);
  http = await api.app.start(0, '127.0.0.1');
}, 180_000);

afterAll(async () => {
  await http?.stop();
  await listeners?.stop();
  await worker?.stop();
  await Promise.all([smtp?.stop(), hook?.stop(), tg?.stop()]);
});

describe('a fibre cut', () => {
  let incidentId: number;
  let globalId: string;
  let cut: ReturnType<typeof freshPort>;

  it('opens a SUSPECTED incident from the live PPPoE drops, pushes it, and classifies it as FIBRE_CUT from one SmartOLT read of that OLT', async () => {
    const ws = wsClient(http.url, noc.token);
    const seen = collect<{ incidentChanged: { incidents: { id: string; number: number; status: string; kind: string }[] } }>(
      ws,
      'subscription { incidentChanged { incidents { id number status kind } resync } }',
    );
    await until(
      'the subscription registered',
      () => api.services.bus!.stats().subscribers >= 1 && api.app.websocket.stats().subscriptions >= 1,
    );
    const readsBefore = vw.smartolt.calls.length;
    cut = freshPort(8);
    const down = vw.world.fibreCut(cut.oltId, cut.board, cut.port);

    await until('the incident classified', async () => (await incidentOfPort(cut.oltId, cut.board, cut.port))?.status === 'OPEN', 30_000);
    const states = seen.messages.flatMap((m) => m.data?.incidentChanged.incidents ?? []);
    incidentId = (await incidentOfPort(cut.oltId, cut.board, cut.port))!.id;
    const mine = states.filter((s) => s.number === incidentId);
    // Pushed as SUSPECTED before the read, then as the classified FIBRE_CUT: one incident throughout.
    expect(mine[0]?.status).toBe('SUSPECTED');
    await until('the classification pushed', () =>
      seen.messages.some((m) =>
        m.data?.incidentChanged.incidents.some((i) => i.number === incidentId && i.status === 'OPEN' && i.kind === 'FIBRE_CUT'),
      ),
    );
    globalId = mine[0]!.id;
    seen.stop();
    await ws.dispose();
    expect(await rows(`SELECT id FROM incidents WHERE id <> $1 AND status IN ('SUSPECTED', 'OPEN')`, [incidentId])).toEqual([]);

    // One targeted read of that OLT: a handful of SmartOLT calls, not a bulk poll of the network.
    const runs = await rows<{ scope: string; scope_ref: string; trigger: string; status: string }>(
      `SELECT scope::text, scope_ref, trigger, status::text FROM sync_runs WHERE trigger = 'outage'`,
    );
    expect(runs).toEqual([{ scope: 'OLT', scope_ref: expect.any(String), trigger: 'outage', status: 'SUCCEEDED' }]);
    expect(vw.smartolt.calls.length - readsBefore).toBeLessThanOrEqual(3);

    // The timeline says what each step was based on, and when it was observed.
    const res = await noc.query<{
      incident: { kind: string; affectedCount: number; timeline: { edges: { node: { kind: string; body: string; data: any } }[] } };
    }>(
      'query($id: ID!) { incident(id: $id) { kind affectedCount timeline(first: 20) { edges { node { kind body data observedAt } } } } }',
      { id: globalId },
    );
    const timeline = res.data!.incident.timeline.edges.map((e) => e.node);
    expect(timeline.map((e) => e.kind).slice(0, 2)).toEqual(['SUSPECTED', 'CLASSIFIED']);
    expect(timeline[0]!.data).toMatchObject({ source: 'ROUTEROS', lastKnownOnuStates: { ONLINE: expect.any(Number) } });
    expect(timeline[1]!.body).toMatch(/of \d+ ONUs .*in LOS/);
    expect(timeline[1]!.data).toMatchObject({ kind: 'FIBRE_CUT', source: 'SMARTOLT' });
    expect(res.data!.incident.affectedCount).toBeGreaterThanOrEqual(Math.min(down.length, 8));
  });

  it('tells the NOC once it opened and once it was classified, on every channel — never once per ONU', async () => {
    await until(
      'messages delivered',
      async () => mailsTo('noc@isp.test').length >= 2 && tg.messages(NOC_CHAT).length >= 2 && hook.calls.length >= 2,
      20_000,
    );
    await until('notifications settled', notificationsSettled);
    expect(mailsTo('noc@isp.test').map((m) => m.subject)).toEqual([
      expect.stringMatching(/^\[Emerald\] (Posible corte|Incidente: corte de fibra) en /),
      expect.stringMatching(/^\[Emerald\] Confirmado: corte de fibra en /),
    ]);
    expect(mailsTo('noc@isp.test')[1]!.text).toContain(`https://emerald.isp.test/incidents/${encodeURIComponent(globalId)}`);
    expect(mailsTo('noc@isp.test')[0]!.from).toBe('noc@isp.test');
    expect(tg.messages(NOC_CHAT).map((m) => m.text.split('\n')[0])).toEqual([
      expect.stringMatching(/corte/i),
      expect.stringMatching(/^Confirmado: corte de fibra/),
    ]);
    expect(mailsTo('admin@isp.test')).toEqual([]); // the admins only hear of escalations

    // The webhook: documented JSON, signed with the shared secret over "<timestamp>.<body>".
    expect(hook.calls).toHaveLength(2);
    for (const call of hook.calls) {
      const timestamp = call.headers['x-emerald-timestamp'] as string;
      const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${call.body}`).digest('hex')}`;
      expect(call.headers['x-emerald-signature']).toBe(expected);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
    }
    const bodies = hook.calls.map((c) => JSON.parse(c.body));
    expect(bodies.map((b) => b.event)).toEqual(['OPENED', 'CLASSIFIED']);
    expect(bodies[1]).toMatchObject({
      version: 1,
      event: 'CLASSIFIED',
      incident: { id: globalId, number: incidentId, kind: 'FIBRE_CUT', status: 'OPEN', planned: false, affected: expect.any(Number) },
    });
    expect(hook.calls[1]!.headers['x-emerald-event']).toBe('CLASSIFIED');
    expect(hook.calls[0]!.headers['x-emerald-delivery']).toBe(String(bodies[0].deliveryId));

    // The delivery log, for admins.
    const log = await admin.query<{
      notificationDeliveries: { totalCount: number; nodes: { channel: string; status: string; attempts: number }[] };
    }>(
      `query($id: ID!) { notificationDeliveries(first: 20, incidentId: $id) { totalCount nodes { channel status attempts event address } } }`,
      { id: globalId },
    );
    expect(log.data!.notificationDeliveries.totalCount).toBe(6);
    // Telegram takes one message a second per chat: the second one waits for its Retry-After.
    expect(log.data!.notificationDeliveries.nodes.map((n) => n.status)).toEqual(Array(6).fill('SENT'));
  });

  it('links a ticket opened for an affected customer, and the NOC acknowledges it', async () => {
    const [affected] = await rows<{ connection_id: number }>(
      'SELECT connection_id FROM incident_connections WHERE incident_id = $1 AND connection_id IS NOT NULL LIMIT 1',
      [incidentId],
    );
    const connectionId = (await rows<{ id: string }>(`SELECT id FROM connections WHERE id = $1`, [affected!.connection_id]))[0]!.id;
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    const ticket = await support.query<{ createTicket: { ticket: { id: string; number: number } } }>(
      'mutation($c: ID!) { createTicket(input: { subject: "Sin internet desde hace un rato", type: TECHNICAL, connectionId: $c }) { ... on CreateTicketSuccess { ticket { id number } } } }',
      { c: encodeGlobalID('Connection', connectionId) },
    );
    expect(ticket.data?.createTicket.ticket.id).toBeTruthy();
    const ack = await noc.query<{
      acknowledgeIncident: {
        incident: { acknowledgedBy: { username: string }; assignee: { username: string }; timeToAcknowledgeSeconds: number };
      };
    }>(
      'mutation($id: ID!) { acknowledgeIncident(id: $id, note: "Cuadrilla en camino") { ... on AcknowledgeIncidentSuccess { incident { acknowledgedBy { username } assignee { username } timeToAcknowledgeSeconds } } } }',
      { id: globalId },
    );
    expect(ack.data!.acknowledgeIncident.incident).toMatchObject({ acknowledgedBy: { username: 'noc' }, assignee: { username: 'noc' } });
    expect(ack.data!.acknowledgeIncident.incident.timeToAcknowledgeSeconds).toBeGreaterThanOrEqual(0);
    // The NOC sees the linked tickets' number, subject and status; support staff open the ticket itself.
    const res = await noc.query<{ incident: { linkedTickets: { automatic: boolean; number: number; status: string }[] } }>(
      'query($id: ID!) { incident(id: $id) { linkedTickets { automatic number status subject } } }',
      { id: globalId },
    );
    expect(res.errors ?? []).toEqual([]);
    expect(res.data!.incident.linkedTickets).toEqual([
      { automatic: true, number: ticket.data!.createTicket.ticket.number, status: 'OPEN', subject: 'Sin internet desde hace un rato' },
    ]);
    const bySupport = await support.query<{ incident: { linkedTickets: { ticket: { id: string } }[] } }>(
      'query($id: ID!) { incident(id: $id) { linkedTickets { ticket { id } } } }',
      { id: globalId },
    );
    expect(bySupport.data!.incident.linkedTickets).toEqual([{ ticket: { id: ticket.data!.createTicket.ticket.id } }]);
  });

  it('clears when the fibre is spliced (after the hold), tells everyone once, and its tickets close in one action', async () => {
    const before = { mails: mailsTo('noc@isp.test').length, tg: tg.messages(NOC_CHAT).length, hooks: hook.calls.length };
    vw.world.restorePort(cut.oltId, cut.board, cut.port);
    await enqueueSync(api.db, api.services.jobs, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'ALL', trigger: 'test' });
    await until('units recovered', async () => {
      const [i] = await rows<{ recovered_count: number; affected_count: number }>(
        'SELECT recovered_count, affected_count FROM incidents WHERE id = $1',
        [incidentId],
      );
      return i!.recovered_count >= i!.affected_count * 0.8;
    });
    await tickIncidents(api.db, api.config.incidents, new Date(Date.now() + (api.config.incidents.clearHoldSeconds + 5) * 1000));
    expect((await rows<{ status: string }>('SELECT status::text FROM incidents WHERE id = $1', [incidentId]))[0]!.status).toBe('CLEARED');
    await until(
      'cleared messages',
      () =>
        mailsTo('noc@isp.test').length === before.mails + 1 &&
        tg.messages(NOC_CHAT).length === before.tg + 1 &&
        hook.calls.length === before.hooks + 1,
      20_000,
    );
    await until('notifications settled', notificationsSettled);
    expect(mailsTo('noc@isp.test').at(-1)!.subject).toMatch(/^\[Emerald\] Normalizado: corte de fibra/);
    expect(JSON.parse(hook.calls.at(-1)!.body)).toMatchObject({ event: 'CLEARED', incident: { status: 'CLEARED' } });

    const resolved = await noc.query<{ resolveIncident: { incident: { resolvedBy: { username: string }; timeToResolveSeconds: number } } }>(
      'mutation($id: ID!) { resolveIncident(id: $id, note: "Empalme de fibra en la cámara 12") { ... on ResolveIncidentSuccess { incident { resolvedBy { username } timeToResolveSeconds } } } }',
      { id: globalId },
    );
    expect(resolved.data!.resolveIncident.incident.resolvedBy.username).toBe('noc');
    const closed = await noc.query<{
      closeIncidentTickets: { incident: { linkedTickets: { status: string }[]; timeline: { edges: { node: { kind: string } }[] } } };
    }>(
      'mutation($id: ID!) { closeIncidentTickets(id: $id, note: "Se reparó el corte de fibra de la zona") { ... on CloseIncidentTicketsSuccess { incident { linkedTickets { status } timeline(first: 50) { edges { node { kind } } } } } } }',
      { id: globalId },
    );
    expect(closed.errors ?? []).toEqual([]);
    const incident = closed.data!.closeIncidentTickets.incident;
    expect(incident.linkedTickets.map((l) => l.status)).toEqual(['CLOSED']);
    expect(incident.timeline.edges.map((e) => e.node.kind)).toEqual(
      expect.arrayContaining(['ACKNOWLEDGED', 'TICKET_LINKED', 'CLEARED', 'RESOLVED', 'TICKETS_CLOSED']),
    );
    // Nothing more was sent for resolving an incident that had already cleared.
    await until('notifications settled', notificationsSettled);
    expect(mailsTo('noc@isp.test')).toHaveLength(before.mails + 1);

    const stats = await noc.query<{
      incidentStats: { count: number; acknowledged: number; resolved: number; mttaSeconds: number; mttrSeconds: number };
    }>(
      'query($f: DateTime!, $t: DateTime!) { incidentStats(from: $f, to: $t, kind: FIBRE_CUT) { count acknowledged resolved mttaSeconds mttrSeconds } }',
      { f: new Date(Date.now() - 3_600_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() },
    );
    expect(stats.data!.incidentStats).toMatchObject({ count: 1, acknowledged: 1, resolved: 1 });
    expect(stats.data!.incidentStats.mttrSeconds).toBeGreaterThanOrEqual(stats.data!.incidentStats.mttaSeconds);
  });
});

describe('other outages', () => {
  let powerIncident: number;

  it('classifies a power cut (dying gasps) as POWER_OUTAGE', async () => {
    const port = freshPort(8);
    vw.world.powerFail(port.oltId, port.board, port.port, 0.9);
    await until('classified', async () => (await incidentOfPort(port.oltId, port.board, port.port))?.status === 'OPEN', 30_000);
    const incident = (await incidentOfPort(port.oltId, port.board, port.port))!;
    expect(incident.kind).toBe('POWER_OUTAGE');
    powerIncident = incident.id;
    await until('notifications settled', notificationsSettled);
    // Confirmed after the suspected one, or opened as such when the status read saw it first.
    expect(tg.messages(NOC_CHAT).at(-1)!.text).toMatch(/^(Confirmado|Incidente): corte de energía/);
  });

  it('escalates to the admins what nobody acknowledged in time, once', async () => {
    const later = new Date(Date.now() + 11 * 60_000);
    const escalated = await escalateDue(api.db, api.services.jobs, api.config, later);
    expect(escalated).toEqual([powerIncident]); // the fibre cut was acknowledged
    expect(await escalateDue(api.db, api.services.jobs, api.config, later)).toEqual([]);
    await until('escalation delivered', () => mailsTo('admin@isp.test').length === 1, 20_000);
    expect(mailsTo('admin@isp.test')[0]!.subject).toMatch(/^\[Emerald\] Sin reconocer: corte de energía/);
    const [row] = await rows<{ escalated_at: Date | null }>('SELECT escalated_at FROM incidents WHERE id = $1', [powerIncident]);
    expect(row!.escalated_at).not.toBeNull();
  });

  it('marks an outage inside a maintenance window as planned and alerts nobody', async () => {
    const port = freshPort(8);
    const olt = (await rows<{ id: number }>('SELECT id FROM olts WHERE external_id = $1', [String(port.oltId)]))[0]!;
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    const res = await noc.query<{ createMaintenanceWindow: { __typename: string; maintenanceWindow: { id: string } } }>(
      'mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { __typename ... on CreateMaintenanceWindowSuccess { maintenanceWindow { id } } } }',
      {
        i: {
          title: 'Cambio de placa GPON',
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          oltId: encodeGlobalID('Olt', olt.id),
        },
      },
    );
    expect(res.data!.createMaintenanceWindow.__typename).toBe('CreateMaintenanceWindowSuccess');
    await until('notifications settled', notificationsSettled);
    const before = { mails: smtp.mails.length, tg: tg.messages().length, hooks: hook.calls.length };
    vw.world.fibreCut(port.oltId, port.board, port.port);
    await until('classified', async () => (await incidentOfPort(port.oltId, port.board, port.port))?.status === 'OPEN', 30_000);
    const incident = (await incidentOfPort(port.oltId, port.board, port.port))!;
    expect(incident.planned).toBe(true);
    await until('notifications settled', notificationsSettled);
    const deliveries = await rows<{ status: string }>('SELECT DISTINCT status::text FROM notification_deliveries WHERE incident_id = $1', [
      incident.id,
    ]);
    expect(deliveries).toEqual([{ status: 'SUPPRESSED' }]);
    expect({ mails: smtp.mails.length, tg: tg.messages().length, hooks: hook.calls.length }).toEqual(before);
    expect(await escalateDue(api.db, api.services.jobs, api.config, new Date(Date.now() + 60 * 60_000))).not.toContain(incident.id);

    // The work ends early: from now on, outages there alert as usual.
    const cancelled = await noc.query<{ cancelMaintenanceWindow: { maintenanceWindow: { cancelledAt: string | null } } }>(
      'mutation($id: ID!) { cancelMaintenanceWindow(id: $id) { ... on CancelMaintenanceWindowSuccess { maintenanceWindow { cancelledAt } } } }',
      { id: res.data!.createMaintenanceWindow.maintenanceWindow.id },
    );
    expect(cancelled.data!.cancelMaintenanceWindow.maintenanceWindow.cancelledAt).not.toBeNull();
    const upcoming = await noc.query<{ maintenanceWindows: unknown[] }>('{ maintenanceWindows(upcoming: true) { title } }');
    expect(upcoming.data!.maintenanceWindows).toEqual([]);
  });
});

describe('delivery', () => {
  it('holds e-mail while the SMTP server is down and sends it once when it is back; Telegram throttling delays, a blocked bot fails with its reason', async () => {
    await until('notifications settled', notificationsSettled);
    await smtp.stop();
    tg.faults.rateLimitSeconds = 1;
    const before = { mails: mailsTo('noc@isp.test').length, tg: tg.messages(NOC_CHAT).length };
    const port = freshPort(8);
    vw.world.fibreCut(port.oltId, port.board, port.port);
    await until('classified', async () => (await incidentOfPort(port.oltId, port.board, port.port))?.status === 'OPEN', 30_000);
    const incident = (await incidentOfPort(port.oltId, port.board, port.port))!;
    await until(
      'failures recorded',
      async () => {
        const r = await rows<{ channel: string; last_error: string | null }>(
          `SELECT channel::text, last_error FROM notification_deliveries WHERE incident_id = $1 AND status = 'QUEUED' AND last_error IS NOT NULL`,
          [incident.id],
        );
        return r.some((x) => x.channel === 'EMAIL') && r.some((x) => x.channel === 'TELEGRAM');
      },
      20_000,
    );
    const waiting = await admin.query<{ notificationDeliveries: { nodes: { channel: string; lastError: string }[] } }>(
      '{ notificationDeliveries(first: 50, status: QUEUED) { nodes { channel lastError } } }',
    );
    const errors = waiting.data!.notificationDeliveries.nodes.map((n) => `${n.channel}: ${n.lastError}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^EMAIL: SMTP: .*ECONNREFUSED/),
        expect.stringMatching(/^TELEGRAM: Telegram: Too Many Requests/),
      ]),
    );
    tg.faults.rateLimitSeconds = null;
    await smtp.restart();
    await until(
      'delivered after the outage',
      async () => {
        const r = await rows<{ n: number }>(
          `SELECT count(*)::int AS n FROM notification_deliveries WHERE incident_id = $1 AND status <> 'SENT'`,
          [incident.id],
        );
        return r[0]!.n === 0;
      },
      40_000,
    );
    await until('notifications settled', notificationsSettled);
    // Each event once per recipient, despite the retries.
    const subjects = mailsTo('noc@isp.test')
      .slice(before.mails)
      .map((m) => m.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects.length).toBe(
      (
        await rows<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries WHERE incident_id = $1 AND channel = 'EMAIL'`, [
          incident.id,
        ])
      )[0]!.n,
    );
    expect(tg.messages(NOC_CHAT).length - before.tg).toBe(subjects.length);
    const retried = await rows<{ attempts: number }>(
      `SELECT attempts FROM notification_deliveries WHERE incident_id = $1 AND channel = 'EMAIL' ORDER BY id LIMIT 1`,
      [incident.id],
    );
    expect(retried[0]!.attempts).toBeGreaterThanOrEqual(2);

    // The NOC operator blocks the bot: their Telegram deliveries fail at once, with Telegram's reason.
    tg.block(NOC_CHAT);
    vw.world.restorePort(port.oltId, port.board, port.port);
    await enqueueSync(api.db, api.services.jobs, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'ALL', trigger: 'test' });
    await until(
      'recovered',
      async () =>
        (
          await rows<{ r: number; a: number }>('SELECT recovered_count AS r, affected_count AS a FROM incidents WHERE id = $1', [
            incident.id,
          ])
        )[0]!.r > 0,
    );
    await tickIncidents(api.db, api.config.incidents, new Date(Date.now() + (api.config.incidents.clearHoldSeconds + 5) * 1000));
    await until(
      'blocked delivery failed',
      async () => {
        const r = await rows<{ last_error: string }>(
          `SELECT last_error FROM notification_deliveries WHERE incident_id = $1 AND channel = 'TELEGRAM' AND status = 'FAILED'`,
          [incident.id],
        );
        return r.length === 1 && /403: Forbidden: bot was blocked by the user/.test(r[0]!.last_error);
      },
      20_000,
    );
    tg.block(NOC_CHAT, false);
  });

  it('with two workers, sends each message once per recipient', async () => {
    await until('notifications settled', notificationsSettled);
    const second = await startWorker(api.services, { crontab: '', concurrency: 4, pollInterval: 200 });
    try {
      // Twelve more NOC operators, each with an e-mail address.
      const { rows: team } = await api.db.pool.query<{ id: number }>(
        `INSERT INTO users (username, name, email, role, password_hash, updated_at)
         SELECT 'noc' || g, 'Operador ' || g, 'noc' || g || '@isp.test', 'NOC', 'x', now() FROM generate_series(1, 12) g RETURNING id`,
      );
      await api.db.pool.query(
        `INSERT INTO user_contacts (user_id, channel, address) SELECT id, 'EMAIL', (SELECT email FROM users u WHERE u.id = x.id) FROM unnest($1::int[]) AS x(id)`,
        [team.map((t) => t.id)],
      );
      const start = smtp.mails.length;
      const port = freshPort(8);
      vw.world.fibreCut(port.oltId, port.board, port.port);
      await until('classified', async () => (await incidentOfPort(port.oltId, port.board, port.port))?.status === 'OPEN', 30_000);
      const incident = (await incidentOfPort(port.oltId, port.board, port.port))!;
      await until(
        'all sent',
        async () => {
          const r = await rows<{ n: number }>(
            `SELECT count(*)::int AS n FROM notification_deliveries WHERE incident_id = $1 AND status <> 'SENT'`,
            [incident.id],
          );
          return r[0]!.n === 0;
        },
        30_000,
      );
      await until('notifications settled', notificationsSettled);
      const received = smtp.mails.slice(start).flatMap((m) => m.to.map((to) => `${to} ${m.subject}`));
      expect(new Set(received).size).toBe(received.length);
      const expected = (
        await rows<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries WHERE incident_id = $1 AND channel = 'EMAIL'`, [
          incident.id,
        ])
      )[0]!.n;
      expect(received.length).toBe(expected);
      expect(expected).toBeGreaterThanOrEqual(13 * 2); // 13 operators × (opened, classified)
    } finally {
      await second.stop();
    }
  });

  it('never shows a channel secret: not in GraphQL, not in errors, not in the logs', async () => {
    const res = await admin.query(`{
      webhooks { name url }
      notificationRules { name channels }
      notificationDeliveries(first: 100) { nodes { address lastError } }
      auditEntries(first: 100) { nodes { action before after } }
    }`);
    expect(res.errors ?? []).toEqual([]);
    const text = JSON.stringify(res.data) + JSON.stringify(api.logs);
    for (const secret of [BOT_TOKEN, WEBHOOK_SECRET, 'smtp-pa$$word-9', encodeURIComponent('smtp-pa$$word-9')])
      expect(text).not.toContain(secret);
    const stored = await rows<{ e: string }>("SELECT string_agg(coalesce(last_error, ''), ' ') AS e FROM notification_deliveries");
    expect(stored[0]!.e).not.toContain(BOT_TOKEN);
    expect(smtp.rejectedLogins).toBe(0);
  });
});
