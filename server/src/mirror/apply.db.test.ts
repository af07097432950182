import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { linkAll } from './link.ts';
import { withTransaction } from '../db/sql.ts';
import { MappingError } from './common.ts';
import { applyConnections, applyCustomers, applyRouters, mapIspcubeConnection, mapIspcubeCustomer, mapIspcubeNode } from './ispcube.ts';
import { applySecrets, applySessions, mapRouterosActive, mapRouterosSecret } from './routeros.ts';
import { applyOnus, applyOnuSignals, applyOnuStatuses, mapSmartoltOnu } from './smartolt.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  (await t.db.pool.query(sql, params)).rows as T[];

const customer = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  code: String(10_000 + id),
  name: `Cliente ${id}`,
  doc_number: String(30_000_000 + id),
  status: 'enabled',
  phones: [{ number: `+54 9 3541 55-${String(1000 + id)}` }],
  contact_emails: [{ email: `c${id}@example.com` }],
  ...extra,
});

describe('mirror apply', () => {
  it('upserts by external id, marks vanished rows gone and revives them', async () => {
    const first = await applyCustomers(
      t.db.pool,
      [1, 2, 3].map((i) => mapIspcubeCustomer(customer(i))),
      true,
    );
    expect(first).toMatchObject({ seen: 3, inserted: 3, updated: 0, removed: 0 });

    const second = await applyCustomers(
      t.db.pool,
      [1, 2].map((i) => mapIspcubeCustomer(customer(i))),
      true,
    );
    expect(second).toMatchObject({ seen: 2, inserted: 0, updated: 0, unchanged: 2, removed: 1 });
    const gone = await q<{ external_id: string; gone: boolean }>(
      `SELECT external_id, gone_at IS NOT NULL AS gone FROM customers ORDER BY external_id`,
    );
    expect(gone).toEqual([
      { external_id: '1', gone: false },
      { external_id: '2', gone: false },
      { external_id: '3', gone: true },
    ]);

    const third = await applyCustomers(
      t.db.pool,
      [1, 2, 3].map((i) => mapIspcubeCustomer(customer(i))),
      true,
    );
    expect(third).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    expect((await q(`SELECT count(*)::int AS n FROM customers WHERE gone_at IS NOT NULL`))[0]).toEqual({ n: 0 });
  });

  it('updates a changed phone without touching other rows', async () => {
    await applyCustomers(
      t.db.pool,
      [mapIspcubeCustomer(customer(1, { phones: [{ number: '0351 15-444-5555' }, { number: '3541 551001' }] }))],
      false,
    );
    const phones = await q<{ digits: string }>(
      `SELECT digits FROM customer_phones p JOIN customers c ON c.id = p.customer_id WHERE c.external_id = '1' ORDER BY position`,
    );
    expect(phones.map((p) => p.digits)).toEqual(['3514445555', '3541551001']);
  });

  it('does not half-apply a snapshot when a statement fails', async () => {
    const before = await q<{ n: number }>(`SELECT count(*)::int AS n FROM customers`);
    const rows = [mapIspcubeCustomer(customer(50)), { ...mapIspcubeCustomer(customer(51)), status: 'NOT_A_STATUS' as never }];
    await expect(withTransaction(t.db.pool, (tx) => applyCustomers(tx, rows, false))).rejects.toThrow(/invalid input value for enum/);
    expect(await q(`SELECT count(*)::int AS n FROM customers`)).toEqual(before);
  });

  it('rejects a payload it cannot map, naming the field', () => {
    expect(() => mapIspcubeCustomer({ id: 9, name: '' })).toThrow(MappingError);
    expect(() => mapIspcubeCustomer({ id: 9, name: '' })).toThrow(/ISPCube customer: name/);
  });

  it('links secrets, sessions and ONUs to connections and moves ended sessions to history', async () => {
    await applyRouters(t.db.pool, [mapIspcubeNode({ id: 7, comment: 'NAS-TEST', ip: '10.0.0.1', port: 8728 })], false);
    const conns = await applyConnections(
      t.db.pool,
      [
        mapIspcubeConnection({ id: 900, customer_id: 1, node_id: 7, user: 'JPerez10001' }),
        mapIspcubeConnection({ id: 901, customer_id: 999, node_id: 7, user: 'ghost' }),
      ],
      false,
    );
    expect(conns.orphans).toEqual(['901']);
    const routerId = (await q<{ id: number }>(`SELECT id FROM routers WHERE external_id = '7'`))[0]!.id;
    await applySecrets(
      t.db.pool,
      routerId,
      [
        mapRouterosSecret({
          '.id': '*1',
          name: 'jperez10001',
          password: 'p',
          profile: 'fibra-100',
          disabled: 'false',
          'last-logged-out': 'nov/27/2026 10:00:00',
        }),
        mapRouterosSecret({ '.id': '*2', name: 'prueba1', password: 'p', disabled: 'yes' }),
      ],
      true,
    );
    const secrets = await q<{ name: string; linked: boolean; raw: Record<string, string> }>(
      `SELECT name, connection_id IS NOT NULL AS linked, raw FROM ppp_secrets ORDER BY name`,
    );
    expect(secrets.map((s) => [s.name, s.linked])).toEqual([
      ['jperez10001', true],
      ['prueba1', false],
    ]);
    expect(secrets.every((s) => !('password' in s.raw))).toBe(true);

    const observed = new Date('2026-11-27T14:00:00Z');
    const started = await applySessions(
      t.db.pool,
      routerId,
      [
        mapRouterosActive(
          { '.id': '*80000001', name: 'jperez10001', address: '100.64.0.2', 'caller-id': 'aa:bb:cc:dd:ee:ff', uptime: '1h' },
          observed,
        ),
      ],
      observed,
      true,
    );
    expect(started.changes.map((c) => c.kind)).toEqual(['started']);
    const sessions = await q<{ started_at: Date; caller_id: string; linked: boolean }>(
      `SELECT started_at, caller_id, connection_id IS NOT NULL AS linked FROM ppp_sessions`,
    );
    expect(sessions).toEqual([{ started_at: new Date('2026-11-27T13:00:00Z'), caller_id: 'AA:BB:CC:DD:EE:FF', linked: true }]);

    // The same sweep again (uptime grew): nothing written.
    const later = new Date('2026-11-27T14:05:00Z');
    const sweep = (address: string, uptime: string) =>
      applySessions(
        t.db.pool,
        routerId,
        [mapRouterosActive({ '.id': '*80000001', name: 'jperez10001', address, 'caller-id': 'aa:bb:cc:dd:ee:ff', uptime }, later)],
        later,
        true,
      );
    const same = await sweep('100.64.0.2', '1h5m');
    expect(same).toMatchObject({ inserted: 0, updated: 0, removed: 0, changes: [] });
    // Not even locked: a row lock would set xmax, dirty the page and write WAL on every sweep.
    expect(await q(`SELECT xmax::text AS xmax FROM ppp_sessions`)).toEqual([{ xmax: '0' }]);

    // A changed session is still rewritten (a new address after a re-dial on the same session id).
    const moved = await sweep('100.64.0.9', '1h6m');
    expect(moved).toMatchObject({ inserted: 0, updated: 1, removed: 0, changes: [] });
    expect(await q(`SELECT address FROM ppp_sessions`)).toEqual([{ address: '100.64.0.9' }]);

    const ended = await applySessions(t.db.pool, routerId, [], new Date('2026-11-27T14:10:00Z'), true);
    expect(ended.changes.map((c) => c.kind)).toEqual(['ended']);
    const history = await q<{ name: string; duration_seconds: number; linked: boolean }>(
      `SELECT name, duration_seconds, connection_id IS NOT NULL AS linked FROM ppp_session_history`,
    );
    expect(history).toEqual([{ name: 'jperez10001', duration_seconds: 70 * 60, linked: true }]);
    expect(await q(`SELECT * FROM ppp_sessions`)).toEqual([]);
  });

  it('writes ONU status events and signal samples only for real changes', async () => {
    await t.db.pool.query(`INSERT INTO olts (external_id, name, raw) VALUES ('1', 'OLT-1', '{}')`);
    const oltId = (await q<{ id: number }>(`SELECT id FROM olts WHERE external_id = '1'`))[0]!.id;
    const payload = (status: string, rx: string) => ({
      unique_external_id: 'X1',
      sn: 'HWTC00000001',
      olt_id: '1',
      board: '0',
      port: '3',
      onu: '1',
      name: ' JPEREZ10001 ',
      status,
      last_status_change: '2026-11-27 10:42:00',
      signal: 'Very good',
      signal_1490: rx,
      signal_1310: '-22.00 dBm',
    });
    const first = mapSmartoltOnu(payload('Online', '-20.00 dBm'));
    const observed = new Date('2026-11-27T14:00:00Z');
    await applyOnus(t.db.pool, oltId, [{ ...first.onu, initialStatus: first.status, initialSignal: first.signal }], true, observed);
    const onu = (
      await q<{ status: string; linked: boolean; pon: boolean }>(
        `SELECT status::text, connection_id IS NOT NULL AS linked, pon_port_id IS NOT NULL AS pon FROM onus`,
      )
    )[0];
    expect(onu).toEqual({ status: 'ONLINE', linked: true, pon: true });
    expect(await q(`SELECT count(*)::int AS n FROM onu_status_events`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT count(*)::int AS n FROM onu_signal_samples`)).toEqual([{ n: 1 }]);

    // Same reading: nothing.
    expect(await applyOnuStatuses(t.db.pool, [first.status!], observed)).toEqual([]);
    expect(await applyOnuSignals(t.db.pool, [{ ...first.signal!, rx_power: -20.1 }], observed)).toEqual([]);

    // LOS: one event with the vendor's change time; no signal reading means no sample.
    const los = mapSmartoltOnu(payload('LOS', '-'));
    const changes = await applyOnuStatuses(t.db.pool, [los.status!], new Date('2026-11-27T14:06:00Z'));
    expect(changes).toMatchObject([{ status: 'LOS', previousStatus: 'ONLINE', serial: 'HWTC00000001' }]);
    expect(await applyOnuSignals(t.db.pool, [los.signal!], new Date('2026-11-27T14:06:00Z'))).toEqual([]);
    const events = await q<{ status: string; previous_status: string; changed_at: Date }>(
      `SELECT status::text, previous_status::text, changed_at FROM onu_status_events`,
    );
    expect(events).toEqual([{ status: 'LOS', previous_status: 'ONLINE', changed_at: new Date('2026-11-27T13:42:00Z') }]);
    expect((await q<{ rx: number }>(`SELECT rx_power AS rx FROM onus`))[0]!.rx).toBe(-20);

    // A drift beyond 0.3 dB writes a sample.
    expect(await applyOnuSignals(t.db.pool, [{ ...first.signal!, rx_power: -26.1, category: 'WARNING' }], observed)).toHaveLength(1);
    expect(await q(`SELECT count(*)::int AS n FROM onu_signal_samples`)).toEqual([{ n: 2 }]);
  });

  it('relinks when a username changes in ISPCube', async () => {
    await applyConnections(t.db.pool, [mapIspcubeConnection({ id: 900, customer_id: 1, node_id: 7, user: 'jperez-renamed' })], false);
    const counts = await linkAll(t.db.pool);
    expect(counts.secrets).toBe(1);
    expect(counts.onus).toBe(1);
    expect(await q(`SELECT count(*)::int AS n FROM ppp_secrets WHERE connection_id IS NOT NULL`)).toEqual([{ n: 0 }]);
  });

  it("links only what a router's or an OLT's sync can have changed", async () => {
    await applyConnections(t.db.pool, [mapIspcubeConnection({ id: 900, customer_id: 1, node_id: 7, user: 'jperez10001' })], false);
    const { router_id } = (await q<{ router_id: number }>(`SELECT router_id FROM ppp_secrets LIMIT 1`))[0]!;
    const { olt_id } = (await q<{ olt_id: number }>(`SELECT olt_id FROM onus LIMIT 1`))[0]!;
    // A router's link leaves ONUs alone; an OLT's leaves secrets alone.
    expect(await linkAll(t.db.pool, { routerId: router_id })).toEqual({ secrets: 1, sessions: expect.any(Number), onus: 0 });
    expect(await q(`SELECT count(*)::int AS n FROM onus WHERE connection_id IS NOT NULL`)).toEqual([{ n: 0 }]);
    await q(`UPDATE ppp_secrets SET connection_id = NULL`);
    expect(await linkAll(t.db.pool, { oltId: olt_id })).toEqual({ secrets: 0, sessions: 0, onus: 1 });
    expect(await q(`SELECT count(*)::int AS n FROM ppp_secrets WHERE connection_id IS NOT NULL`)).toEqual([{ n: 0 }]);
    // Another router's scope touches nothing of this one.
    expect(await linkAll(t.db.pool, { routerId: router_id + 1000 })).toEqual({ secrets: 0, sessions: 0, onus: 0 });
    expect((await linkAll(t.db.pool)).secrets).toBe(1);
  });
});
