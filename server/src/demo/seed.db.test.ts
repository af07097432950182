import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/db.ts';
import type { Db } from '../db/client.ts';
import { ensureTechnicianDays } from './owned.ts';
import { isDatabaseEmpty, mirrorWorld, seedDemo } from './seed.ts';

const now = new Date('2026-11-27T15:00:00Z');

/** A digest of the mirrored rows without generated ids or wall-clock timestamps. */
async function mirrorDigest(db: Db): Promise<string> {
  const queries = [
    `SELECT external_id, code, name, doc_number, doc_type, address, city, status, debt, speed_limited, raw FROM customers ORDER BY external_id`,
    `SELECT c.external_id, digits, number FROM customer_phones p JOIN customers c ON c.id = p.customer_id ORDER BY 1, p.position`,
    `SELECT c.external_id, cu.external_id AS customer, c.pppoe_username, c.raw FROM connections c JOIN customers cu ON cu.id = c.customer_id ORDER BY c.external_id`,
    `SELECT r.external_id AS router, s.name, s.profile, s.disabled, s.last_logged_out, s.raw, cn.external_id AS connection
       FROM ppp_secrets s JOIN routers r ON r.id = s.router_id LEFT JOIN connections cn ON cn.id = s.connection_id ORDER BY 1, 2`,
    `SELECT r.external_id AS router, s.session_key, s.name, s.address, s.started_at FROM ppp_sessions s JOIN routers r ON r.id = s.router_id ORDER BY 1, 2`,
    `SELECT o.serial, o.external_id, o.name, o.status, o.status_changed_at, o.rx_power, o.signal_category, pp.board, pp.port, cn.external_id AS connection
       FROM onus o LEFT JOIN pon_ports pp ON pp.id = o.pon_port_id LEFT JOIN connections cn ON cn.id = o.connection_id ORDER BY serial`,
  ];
  const hash = createHash('sha256');
  for (const q of queries) hash.update(JSON.stringify((await db.pool.query(q)).rows));
  return hash.digest('hex');
}

describe('demo data', () => {
  it('is deterministic: the same seed gives the same rows', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    expect(await isDatabaseEmpty(a.db.pool)).toBe(true);
    await seedDemo(a.db, { subscribers: 300, seed: 11, now });
    await seedDemo(b.db, { subscribers: 300, seed: 11, now });
    expect(await isDatabaseEmpty(a.db.pool)).toBe(false);
    expect(await mirrorDigest(a.db)).toBe(await mirrorDigest(b.db));
    const c = await createTestDatabase();
    await seedDemo(c.db, { subscribers: 300, seed: 12, now });
    expect(await mirrorDigest(c.db)).not.toBe(await mirrorDigest(a.db));
  });

  it('is consistent across the three vendor views and keeps unlinked rows', async () => {
    const { db } = await createTestDatabase();
    const summary = await seedDemo(db, { subscribers: 500, seed: 42, now });
    const q = async (sql: string): Promise<number> => Number((await db.pool.query<{ n: number }>(sql)).rows[0]!.n);
    const connections = await q('SELECT count(*) AS n FROM connections');
    expect(connections).toBe(summary.world.connections.length);
    // Linked secrets, sessions and ONUs all point at the connection with their username.
    expect(
      await q(`SELECT count(*) AS n FROM ppp_secrets s JOIN connections c ON c.id = s.connection_id WHERE c.username_key <> lower(s.name)`),
    ).toBe(0);
    expect(
      await q(`SELECT count(*) AS n FROM onus o JOIN connections c ON c.id = o.connection_id WHERE c.username_key <> lower(btrim(o.name))`),
    ).toBe(0);
    expect(
      await q(
        `SELECT count(*) AS n FROM ppp_sessions p JOIN ppp_secrets s ON s.router_id = p.router_id AND s.name = p.name WHERE p.connection_id IS DISTINCT FROM s.connection_id`,
      ),
    ).toBe(0);
    // The messiness survives mirroring.
    expect(await q('SELECT count(*) AS n FROM ppp_secrets WHERE connection_id IS NULL')).toBe(
      summary.world.secrets.filter((s) => s.connectionId === null).length,
    );
    expect(await q('SELECT count(*) AS n FROM onus WHERE connection_id IS NULL')).toBe(
      summary.world.onus.filter((o) => o.connectionId === null).length,
    );
    expect(await q('SELECT count(*) - count(DISTINCT external_id) AS n FROM onus')).toBeGreaterThan(0);
    // ONUs named in another case or with spaces are still linked.
    expect(await q(`SELECT count(*) AS n FROM onus WHERE connection_id IS NOT NULL AND name <> lower(btrim(name))`)).toBeGreaterThan(0);
    // One user per role, and Emerald-owned data hangs off mirrored connections.
    const roles = (await db.pool.query<{ role: string }>('SELECT DISTINCT role::text FROM users ORDER BY 1')).rows.map((r) => r.role);
    expect(roles).toEqual(['ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN']);
    expect(await q('SELECT count(*) AS n FROM tickets WHERE connection_id IS NULL')).toBe(0);
    expect(summary.owned.tickets).toBeGreaterThan(5);
    // Freshness is known from the first screen.
    expect(await q(`SELECT count(*) AS n FROM source_freshness WHERE last_success_at IS NOT NULL`)).toBeGreaterThanOrEqual(4);
  });

  it('mirroring the same world again writes nothing', async () => {
    const { db } = await createTestDatabase();
    const summary = await seedDemo(db, { subscribers: 200, seed: 5, now });
    const before = await mirrorDigest(db);
    const again = await mirrorWorld(db.pool, summary.world, now);
    for (const [table, counts] of Object.entries(again)) {
      expect({ table, inserted: counts.inserted, updated: counts.updated, removed: counts.removed }).toEqual({
        table,
        inserted: 0,
        updated: 0,
        removed: 0,
      });
    }
    expect(await mirrorDigest(db)).toBe(before);
  });

  it('gives every demo technician visits today and tomorrow whatever the hour it starts, once', async () => {
    const { db } = await createTestDatabase();
    await seedDemo(db, { subscribers: 300, seed: 7, now });
    const zone = 'America/Argentina/Cordoba';
    const perDay = async (at: Date) =>
      (
        await db.pool.query<{ username: string; day: string; n: number }>(
          `SELECT u.username, to_char(w.scheduled_start AT TIME ZONE $1, 'YYYY-MM-DD') AS day, count(*)::int AS n
             FROM work_orders w JOIN users u ON u.id = w.technician_id
            WHERE w.status IN ('SCHEDULED', 'IN_PROGRESS') AND w.scheduled_start >= $2::timestamptz - interval '1 day'
            GROUP BY 1, 2 ORDER BY 1, 2`,
          [zone, at],
        )
      ).rows;
    // Started days after the seed, a minute before local midnight (23:59 in Córdoba).
    const late = new Date('2026-12-03T02:59:00Z');
    const first = await ensureTechnicianDays(db.pool, { now: late, timeZone: zone });
    expect(first.created).toBeGreaterThan(0);
    const days = await perDay(late);
    for (const tech of ['tecnico', 'tecnico2']) {
      expect(days.find((d) => d.username === tech && d.day === '2026-12-02')?.n ?? 0).toBeGreaterThanOrEqual(4);
      expect(days.find((d) => d.username === tech && d.day === '2026-12-03')?.n ?? 0).toBeGreaterThanOrEqual(3);
    }
    // Each visit has its own open ticket on a fibre connection, those whose ONU is down first.
    const visits = await db.pool.query<{ status: string; onu: string }>(
      `SELECT t.status::text, o.status::text AS onu FROM work_orders w JOIN tickets t ON t.id = w.ticket_id
         JOIN onus o ON o.connection_id = t.connection_id WHERE w.created_at = $1`,
      [late],
    );
    expect(visits.rows.length).toBe(first.created);
    for (const v of visits.rows) expect(v.status).toBe('IN_PROGRESS');
    const down = (
      await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM onus WHERE status IN ('LOS', 'OFFLINE', 'POWER_FAIL')`)
    ).rows[0]!.n;
    expect(visits.rows.filter((v) => ['LOS', 'OFFLINE', 'POWER_FAIL'].includes(v.onu)).length).toBeGreaterThan(
      Math.min(down, first.created) / 2,
    );
    // Started again the same day: nothing more.
    expect((await ensureTechnicianDays(db.pool, { now: late, timeZone: zone })).created).toBe(0);
    expect(await perDay(late)).toEqual(days);
  });
});
