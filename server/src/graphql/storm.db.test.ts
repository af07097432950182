/**
 * A storm of ONU changes reaching separate WebSocket clients: every client ends with the
 * database's state, and no client gets more messages than the pacing rule allows (one per
 * `minIntervalMs` per subscriber), however many changes there were.
 */
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { registered, until, wsClient } from '../../../test/ws.ts';
import { notify } from '../events/topics.ts';
import { withTransaction } from '../db/sql.ts';
import type { RunningApp } from '../http/app.ts';

const PACE_MS = 200;
const CLIENTS = 4;
let api: TestApi;
let server: RunningApp;
const clients: Client[] = [];

beforeAll(async () => {
  api = await createTestApi({ subscribers: 700, seed: 11, bus: { minIntervalMs: PACE_MS } });
  server = await api.app.start(0);
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server?.stop();
});

interface Received {
  at: number;
  resync: boolean;
  onus: { serial: string; status: { value: string } }[];
}

describe('a storm of changes', () => {
  it(`reaches ${CLIENTS} separate clients paced, ending in the database state, for 500 distinct ONUs`, async () => {
    const onus = (
      await api.db.pool.query<{ id: number; serial: string }>(`SELECT id, serial FROM onus WHERE status = 'ONLINE' ORDER BY id LIMIT 500`)
    ).rows;
    expect(onus).toHaveLength(500);
    const wsStats = () => api.app.websocket.stats();
    const busStats = () => api.services.bus!.stats();
    const before = { ...wsStats(), busSubscribers: busStats().subscribers };
    const received: Received[][] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const c = wsClient(server.url, (await api.as('noc')).token);
      clients.push(c);
      const mine: Received[] = [];
      received.push(mine);
      c.subscribe<{ onuStatusChanged: Omit<Received, 'at'> }>(
        { query: 'subscription { onuStatusChanged { resync onus { serial status { value } } } }' },
        { next: (m) => void mine.push({ at: Date.now(), ...m.data!.onuStatusChanged }), error: () => {}, complete: () => {} },
      );
    }
    await registered(wsStats, { subscriptions: before.subscriptions + CLIENTS, streams: before.streams + CLIENTS });
    // Identical subscribers share one stream: one paced mailbox and one group for the four.
    expect(busStats().subscribers).toBe(before.busSubscribers + 1);
    expect(wsStats().groups).toBe(before.groups + 1);

    // 40 transactions as syncs write them: every ONU goes LOS, a fifth of them back ONLINE.
    for (let i = 0; i < 20; i++) {
      const slice = onus.slice(i * 25, i * 25 + 25).map((o) => o.id);
      for (const [ids, status] of [
        [slice, 'LOS'],
        [slice.slice(0, 5), 'ONLINE'],
      ] as const) {
        await withTransaction(api.db.pool, async (tx) => {
          await tx.query(`UPDATE onus SET status = $2::"OnuStatus", status_changed_at = now() WHERE id = ANY($1::int[])`, [ids, status]);
          await notify(tx, { t: 'onu', ids: [...ids] });
        });
      }
    }
    const expected = new Map(
      (
        await api.db.pool.query<{ serial: string; status: string }>(
          'SELECT serial, status::text AS status FROM onus WHERE id = ANY($1::int[])',
          [onus.map((o) => o.id)],
        )
      ).rows.map((r) => [r.serial, r.status]),
    );
    expect([...expected.values()].filter((s) => s === 'LOS')).toHaveLength(400);

    for (const mine of received) {
      const view = new Map<string, string>();
      await until(
        'the database state',
        () => {
          view.clear();
          for (const m of mine) for (const o of m.onus) view.set(o.serial, o.status.value);
          return view.size === expected.size && [...expected].every(([k, v]) => view.get(k) === v);
        },
        20_000,
      );
      expect(mine.every((m) => !m.resync)).toBe(true);
      // The pacing rule: at most one message per PACE_MS, so over the span in which this
      // client received them, no more than span / PACE_MS + 1 (plus one for clock jitter).
      const span = mine.at(-1)!.at - mine[0]!.at;
      expect(mine.length, `${mine.length} messages in ${span} ms`).toBeLessThanOrEqual(Math.floor(span / PACE_MS) + 2);
      // And far fewer messages than changes: 40 transactions, 600 ONU changes.
      expect(mine.length).toBeLessThan(40);
    }
  });
});
