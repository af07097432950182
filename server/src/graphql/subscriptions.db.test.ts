/**
 * Subscriptions end to end: real graphql-ws clients over WebSocket, real API servers, the
 * events travelling through PostgreSQL LISTEN/NOTIFY.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { collect, registered, until, wsClient } from '../../../test/ws.ts';
import { createEventBus } from '../realtime/bus.ts';
import { notify } from '../events/topics.ts';
import { buildApp, type RunningApp } from '../http/app.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { withTransaction } from '../db/sql.ts';

let api: TestApi;
let server: RunningApp;
const clients: { dispose(): void | Promise<void> }[] = [];

beforeAll(async () => {
  api = await createTestApi({ subscribers: 300, seed: 7 });
  server = await api.app.start(0);
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server?.stop();
});

async function client(username: string | null) {
  const token = username ? (await api.as(username)).token : null;
  const c = wsClient(server.url, token);
  clients.push(c);
  return c;
}

/** What a sync does when ONUs change state: update, then announce the ids in the same transaction. */
async function setStatus(ids: number[], status: string): Promise<void> {
  await withTransaction(api.db.pool, async (tx) => {
    await tx.query(`UPDATE onus SET status = $2::"OnuStatus", status_changed_at = now() WHERE id = ANY($1::int[])`, [ids, status]);
    await notify(tx, { t: 'onu', ids });
  });
}

async function onlineOnus(n: number, where = 'TRUE'): Promise<{ id: number; serial: string; olt_id: number; pon_port_id: number }[]> {
  return (
    await api.db.pool.query(
      `SELECT id, serial, olt_id, pon_port_id FROM onus WHERE status = 'ONLINE' AND pon_port_id IS NOT NULL AND ${where} ORDER BY id LIMIT $1`,
      [n],
    )
  ).rows;
}

/** Wait until the subscriptions of earlier tests have ended on the server (their stop is asynchronous). */
const quiet = (): Promise<void> => until('earlier subscriptions ended', () => api.app.websocket.stats().subscriptions === 0);

const ONU_SUB = `subscription($status: [OnuStatus!], $ponPortId: ID) { onuStatusChanged(status: $status, ponPortId: $ponPortId) { resync onus { serial status { value } } } }`;

describe('onuStatusChanged', () => {
  it('pushes a change made in the database, with the ONU as it is now, filtered by status and PON port', async () => {
    const noc = await client('noc');
    const [onu] = await onlineOnus(1);
    const before = api.app.websocket.stats();
    const all = collect(noc, ONU_SUB);
    const losOnly = collect(noc, ONU_SUB, { status: ['LOS'] });
    const otherPort = collect(noc, ONU_SUB, { ponPortId: encodeGlobalID('PonPort', onu!.pon_port_id + 100_000) });
    await api.services.bus!.ready();
    await registered(api.app.websocket.stats, { subscriptions: before.subscriptions + 3, streams: before.streams + 3 });
    await setStatus([onu!.id], 'POWER_FAIL');
    await until('the change', () => all.messages.length >= 1);
    expect(all.messages[0]!.data!.onuStatusChanged).toEqual({
      resync: false,
      onus: [{ serial: onu!.serial, status: { value: 'POWER_FAIL' } }],
    });
    await setStatus([onu!.id], 'LOS');
    await until('the LOS change', () => losOnly.messages.length >= 1);
    expect(losOnly.messages[0]!.data!.onuStatusChanged.onus).toEqual([{ serial: onu!.serial, status: { value: 'LOS' } }]);
    await setStatus([onu!.id], 'ONLINE');
    await until('the recovery', () => all.messages.at(-1)!.data!.onuStatusChanged.onus[0].status.value === 'ONLINE');
    // Nothing else arrived for the LOS-only subscriber: a later LOS change (a sentinel) is the
    // next thing it gets, so POWER_FAIL and ONLINE were never sent to it.
    const [sentinel] = await onlineOnus(1, `id <> ${onu!.id}`);
    await setStatus([sentinel!.id], 'LOS');
    await until('the sentinel', () => losOnly.messages.length >= 2);
    expect(losOnly.messages.map((m) => m.data!.onuStatusChanged.onus.map((o: { serial: string }) => o.serial))).toEqual([
      [onu!.serial],
      [sentinel!.serial],
    ]);
    expect(otherPort.messages).toHaveLength(0);
    await setStatus([sentinel!.id], 'ONLINE');
    for (const s of [all, losOnly, otherPort]) s.stop();
  });

  it('refuses technicians (network data is not theirs) and anonymous connections', async () => {
    const tech = collect(await client('tecnico'), ONU_SUB);
    await tech.done;
    expect(tech.messages[0]!.errors![0]!.message).toMatch(/not allowed/);

    let closedWith = 0;
    const anon = wsClient(server.url, null, { onClosed: (code) => (closedWith = code) });
    clients.push(anon);
    const sub = collect(anon, ONU_SUB);
    await sub.done;
    expect(closedWith).toBe(4403);
  });
});

describe('limits over WebSocket', () => {
  it('refuses too many aliases, directives or tokens, as over HTTP, before subscribing', async () => {
    const noc = await client('noc');
    const before = api.services.bus!.stats().subscribers;
    const aliases = collect(
      noc,
      `subscription { networkSummary { ${Array.from({ length: 31 }, (_, i) => `a${i}: onus { total }`).join(' ')} } }`,
    );
    const directives = collect(
      noc,
      `subscription { networkSummary { onus { total ${Array.from({ length: 21 }, () => '@include(if: true)').join(' ')} } } }`,
    );
    const tokens = collect(noc, `subscription { networkSummary { onus { ${Array.from({ length: 6000 }, () => 'total').join(' ')} } } }`);
    await Promise.all([aliases.done, directives.done, tokens.done]);
    expect(aliases.messages[0]!.errors![0]!.message).toMatch(/aliases limit of 30 exceeded, found 31/i);
    expect(directives.messages[0]!.errors![0]!.message).toMatch(/directives limit of 20 exceeded/i);
    expect(tokens.messages[0]!.errors![0]!.message).toMatch(/more th[ae][nt] 5000 tokens/i); // graphql-js writes "more that";
    expect(api.services.bus!.stats().subscribers).toBe(before);
    // Within the limits the same shape is served.
    const fine = collect(
      noc,
      `subscription { networkSummary { ${Array.from({ length: 30 }, (_, i) => `a${i}: onus { total }`).join(' ')} } }`,
    );
    await until('a summary', () => fine.messages.length >= 1);
    expect(fine.messages[0]!.errors).toBeUndefined();
    fine.stop();
  });
});

describe('resynchronisation', () => {
  it('tells a client that fell behind to refetch, instead of queueing without bound', async () => {
    const small = await createTestApi({ subscribers: 300, seed: 7, bus: { capacity: 50, minIntervalMs: 1000 } });
    const running = await small.app.start(0);
    try {
      const c = wsClient(running.url, (await small.as('noc')).token);
      clients.push(c);
      const sub = collect(c, ONU_SUB);
      await small.services.bus!.ready();
      await until('registered', () => small.services.bus!.stats().subscribers === 1);
      const ids = (await small.db.pool.query<{ id: number }>(`SELECT id FROM onus WHERE status = 'ONLINE' ORDER BY id LIMIT 200`)).rows.map(
        (r) => r.id,
      );
      await withTransaction(small.db.pool, async (tx) => {
        await tx.query(`UPDATE onus SET status = 'OFFLINE' WHERE id = ANY($1::int[])`, [[ids[0]]]);
        await notify(tx, { t: 'onu', ids: [ids[0]!] });
      });
      await until('the first message', () => sub.messages.length === 1);
      // Within the next second (paced), 200 changes overflow the 50-change mailbox.
      await withTransaction(small.db.pool, async (tx) => {
        await tx.query(`UPDATE onus SET status = 'OFFLINE' WHERE id = ANY($1::int[])`, [ids]);
        await notify(tx, { t: 'onu', ids });
      });
      await until('the resync', () => sub.messages.some((m) => m.data?.onuStatusChanged.resync === true), 5000);
      const resync = sub.messages.find((m) => m.data?.onuStatusChanged.resync)!;
      expect(resync.data!.onuStatusChanged.onus.length).toBeLessThanOrEqual(50);
      sub.stop();
    } finally {
      await running.stop();
    }
  });

  it('asks every subscriber to refetch when loading a batch failed, and keeps delivering afterwards', async () => {
    const noc = await client('noc');
    await quiet();
    const sub = collect(noc, ONU_SUB);
    await registered(api.app.websocket.stats, { subscriptions: 1, streams: 1 });
    // An event whose ids cannot be loaded (as a bug in a writer would send): the batch fails.
    await api.db.pool.query(`SELECT pg_notify('emerald_events', $1)`, [JSON.stringify({ t: 'onu', ids: ['not-an-id'] })]);
    await until('the resync', () => sub.messages.some((m) => m.data?.onuStatusChanged.resync === true));
    expect(api.logs.some((l) => l.msg === 'loading changes for subscribers failed; asking them to resynchronise')).toBe(true);
    // The bus is not stuck: the next real change arrives as usual.
    const [onu] = await onlineOnus(1, 'id % 11 = 4');
    await setStatus([onu!.id], 'OFFLINE');
    await until('a change after the failed batch', () =>
      sub.messages.some((m) => m.data?.onuStatusChanged.onus.some((o: { serial: string }) => o.serial === onu!.serial)),
    );
    await setStatus([onu!.id], 'ONLINE');
    sub.stop();
  });

  it('asks every subscriber to refetch when the event stream was cut, and keeps delivering after it reconnects', async () => {
    const noc = await client('noc');
    await quiet();
    const sub = collect(noc, ONU_SUB);
    await api.services.bus!.ready();
    await registered(api.app.websocket.stats, { subscriptions: 1, streams: 1 });
    await api.db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    );
    await until('the resync', () => sub.messages.some((m) => m.data?.onuStatusChanged.resync === true));
    await api.services.bus!.ready();
    const [onu] = await onlineOnus(1, 'id % 7 = 3');
    await setStatus([onu!.id], 'OFFLINE');
    await until('a change after the reconnection', () =>
      sub.messages.some((m) => m.data?.onuStatusChanged.onus.some((o: { serial: string }) => o.serial === onu!.serial)),
    );
    await setStatus([onu!.id], 'ONLINE');
    sub.stop();
  });
});

describe('across processes', () => {
  it('delivers a change made through one API server, and by a worker, to a subscriber of another', async () => {
    // Server B: another API process on the same database, with its own event stream.
    const log = pino({ level: 'silent' });
    const busB = createEventBus(api.db, api.url, log);
    const serverB = await buildApp({ ...api.services, bus: busB }, { clientDir: null }).start(0);
    try {
      const c = wsClient(serverB.url, (await api.as('admin')).token);
      clients.push(c);
      const sub = collect(c, 'subscription { syncRunChanged { resync runs { id source status } } }');
      await busB.ready();
      await until('registered on server B', () => busB.stats().subscribers === 1);
      // Through server A (in-process Yoga), as NOC staff.
      const res = await (await api.as('noc')).query(
        'mutation { requestSync(input: { source: SMARTOLT }) { ... on RequestSyncSuccess { syncRun { id status } } } }',
      );
      const runId = res.data?.requestSync.syncRun?.id as string;
      expect(runId, JSON.stringify(res)).toBeTruthy();
      await until('the queued run on server B', () =>
        sub.messages.some((m) =>
          m.data?.syncRunChanged.runs.some((r: { id: string; status: string }) => r.id === runId && r.status === 'QUEUED'),
        ),
      );
      // A worker takes the job (SmartOLT is not configured here: the run fails, visibly).
      await drainJobs(api.services);
      await until('the finished run on server B', () =>
        sub.messages.some((m) =>
          m.data?.syncRunChanged.runs.some((r: { id: string; status: string }) => r.id === runId && r.status === 'FAILED'),
        ),
      );
      sub.stop();
    } finally {
      await serverB.stop();
      await busB.stop();
    }
  });
});

describe('other subscriptions', () => {
  it('sends the network summary at once, then again after a change', async () => {
    const sub = collect(await client('noc'), 'subscription { networkSummary { at onus { total los } } }');
    await until('the first summary', () => sub.messages.length === 1);
    const first = sub.messages[0]!.data!.networkSummary;
    const [onu] = await onlineOnus(1, 'id % 5 = 1');
    await setStatus([onu!.id], 'LOS');
    await until('the next summary', () => sub.messages.length >= 2);
    expect(sub.messages.at(-1)!.data!.networkSummary.onus.los).toBe(first.onus.los + 1);
    await setStatus([onu!.id], 'ONLINE');
    sub.stop();
  });

  it('follows one connection through its ONU, and only for those allowed to see it', async () => {
    const row = (
      await api.db.pool.query<{ id: number; onu: number }>(
        `SELECT c.id, o.id AS onu FROM connections c JOIN onus o ON o.connection_id = c.id WHERE o.status = 'ONLINE' ORDER BY c.id LIMIT 1`,
      )
    ).rows[0]!;
    const gid = encodeGlobalID('Connection', row.id);
    const before = api.services.bus!.stats().subscribers;
    const sub = collect(
      await client('soporte'),
      'subscription($id: ID!) { connectionChanged(id: $id) { resync connection { pppoeUsername onu { status { value } } } } }',
      { id: gid },
    );
    await until('registered', () => api.services.bus!.stats().subscribers > before);
    await setStatus([row.onu], 'LOS');
    await until('the connection update', () => sub.messages.length >= 1);
    expect(sub.messages[0]!.data!.connectionChanged.connection.onu.status.value).toBe('LOS');
    await setStatus([row.onu], 'ONLINE');
    sub.stop();

    const tech = collect(await client('tecnico2'), 'subscription($id: ID!) { connectionChanged(id: $id) { resync } }', { id: gid });
    await tech.done;
    expect(tech.messages[0]!.errors![0]!.message).toMatch(/Not authorized to follow this connection/);
  });
});
