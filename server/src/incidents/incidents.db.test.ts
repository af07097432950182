/**
 * Outage correlation end to end: the simulated ISP cuts a fibre, the real sync polls
 * SmartOLT and sweeps the routers, the worker correlates.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { servicesFor, startVendorWorld, type VendorWorld } from '../../../test/vendorWorld.ts';
import { tickIncidents } from './correlate.ts';
import type { Services } from '../services.ts';
import { enqueueSync } from '../sync/enqueue.ts';

let vw: VendorWorld;
let t: TestDatabase;
let services: Services;

const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await t.db.pool.query(sql, params)).rows as T[];

async function pollStatuses(): Promise<void> {
  await enqueueSync(services.db, services.jobs, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'ALL', trigger: 'test' });
  await drainJobs(services);
}
async function sweepSessions(): Promise<void> {
  await enqueueSync(services.db, services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(services);
}

/** PON ports of the world with at least `n` ONUs online and linked, and their mirror id. */
async function portWithOnline(n: number, skip = 0) {
  const port = vw.world.ponPorts().filter((p) => p.onus.filter((o) => o.status === 'Online').length >= n)[skip]!;
  const [row] = await rows<{ id: number }>(
    `SELECT pp.id FROM pon_ports pp JOIN olts o ON o.id = pp.olt_id WHERE o.external_id = $1 AND pp.board = $2 AND pp.port = $3`,
    [String(port.oltId), port.board, port.port],
  );
  return { ...port, id: row!.id };
}

beforeAll(async () => {
  vw = await startVendorWorld({ seed: 31, subscribers: 800 });
  t = await createTestDatabase();
  // The targeted read runs as soon as the drops are seen; the re-check one second later.
  services = servicesFor(t, vw, { INCIDENT_CONFIRM_DELAY_SECONDS: '0', INCIDENT_RECHECK_SECONDS: '1' });
  await enqueueSync(services.db, services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test', chain: true });
  await drainJobs(services);
  await sweepSessions();
});

describe('a fibre cut', () => {
  it('opens one FIBRE_CUT incident for the PON port, with every affected ONU and connection, and no router incident', async () => {
    const port = await portWithOnline(7);
    // One ONU of the port is switched off before the cut (the next test has it go LOS later).
    vw.world.setOnuStatus(port.onus.find((o) => o.status === 'Online')!.sn, 'Offline');
    await pollStatuses();
    const cut = vw.world.fibreCut(port.oltId, port.board, port.port);
    await pollStatuses();
    await sweepSessions(); // their PPPoE sessions dropped too: explained by the cut
    const incidents = await rows<{ id: number; kind: string; status: string; pon_port_id: number; affected_count: number; title: string }>(
      `SELECT id, kind::text, status::text, pon_port_id, affected_count, title FROM incidents`,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ kind: 'FIBRE_CUT', status: 'OPEN', pon_port_id: port.id, affected_count: cut.length });
    expect(incidents[0]!.title).toMatch(new RegExp(`^Corte de fibra .* ${port.board}/${port.port} \\(${cut.length} ONUs\\)$`));
    const affected = await rows<{ subject: string; connection_id: number | null }>(
      'SELECT subject, connection_id FROM incident_connections WHERE incident_id = $1',
      [incidents[0]!.id],
    );
    expect(affected.map((a) => a.subject).sort()).toEqual(cut.map((o) => o.sn).sort());
    expect(affected.filter((a) => a.connection_id !== null).length).toBe(cut.filter((o) => o.connectionId !== null).length);
    // The per-ONU events are the incident's, not separate alarms.
    const events = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM onu_status_events WHERE status = 'LOS' AND incident_id = $1`, [
      incidents[0]!.id,
    ]);
    expect(events[0]!.n).toBe(cut.length);
  });

  it('attaches an ONU of the same port that goes down later instead of opening another incident', async () => {
    const [incident] = await rows<{ id: number; pon_port_id: number; affected_count: number }>(
      `SELECT id, pon_port_id, affected_count FROM incidents`,
    );
    const port = vw.world.ponPorts().find((p) => p.onus.some((o) => o.status === 'LOS'))!;
    const late = port.onus.find((o) => o.status === 'Offline')!;
    vw.world.setOnuStatus(late.sn, 'LOS');
    await pollStatuses();
    expect(await rows(`SELECT id FROM incidents`)).toHaveLength(1);
    const [after] = await rows<{ affected_count: number }>(`SELECT affected_count FROM incidents WHERE id = $1`, [incident!.id]);
    expect(after!.affected_count).toBe(incident!.affected_count + 1);
  });

  it('recovers, holds, then clears with its duration; a new cut soon after reopens the same incident', async () => {
    const [incident] = await rows<{ id: number }>(`SELECT id FROM incidents`);
    const port = vw.world.ponPorts().find((p) => p.onus.some((o) => o.status === 'LOS'))!;
    vw.world.restorePort(port.oltId, port.board, port.port);
    await pollStatuses();
    const [held] = await rows<{ status: string; recovered_count: number; affected_count: number; since: string | null }>(
      `SELECT status::text, recovered_count, affected_count, details->>'recoveringSince' AS since FROM incidents WHERE id = $1`,
      [incident!.id],
    );
    expect(held).toMatchObject({ status: 'OPEN' }); // back, but not for long enough yet
    expect(held!.recovered_count).toBe(held!.affected_count);
    expect(held!.since).not.toBeNull();
    const hold = services.config.incidents.clearHoldSeconds;
    await tickIncidents(t.db, services.config.incidents, new Date(Date.parse(held!.since!) + (hold - 1) * 1000));
    expect((await rows<{ status: string }>(`SELECT status::text FROM incidents WHERE id = $1`, [incident!.id]))[0]!.status).toBe('OPEN');
    await tickIncidents(t.db, services.config.incidents, new Date(Date.parse(held!.since!) + hold * 1000));
    const [cleared] = await rows<{ status: string; duration_seconds: number }>(
      `SELECT status::text, duration_seconds FROM incidents WHERE id = $1`,
      [incident!.id],
    );
    expect(cleared!.status).toBe('CLEARED');
    expect(cleared!.duration_seconds).toBeGreaterThanOrEqual(hold);

    // The splitter flaps again right away: the same incident reopens.
    await t.db.pool.query(`UPDATE incidents SET cleared_at = now() WHERE id = $1`, [incident!.id]);
    vw.world.fibreCut(port.oltId, port.board, port.port);
    await pollStatuses();
    const all = await rows<{ id: number; status: string }>(`SELECT id, status::text FROM incidents WHERE kind = 'FIBRE_CUT'`);
    expect(all).toEqual([{ id: incident!.id, status: 'OPEN' }]);
    vw.world.restorePort(port.oltId, port.board, port.port);
    await pollStatuses();
    await sweepSessions();
  });
});

describe('other causes', () => {
  it('tells a power cut (dying gasp) from a fibre cut', async () => {
    const port = await portWithOnline(8, 1);
    vw.world.powerFail(port.oltId, port.board, port.port, 0.8);
    await pollStatuses();
    const power = await rows<{ kind: string; pon_port_id: number }>(
      `SELECT kind::text, pon_port_id FROM incidents WHERE status = 'OPEN' AND kind = 'POWER_OUTAGE'`,
    );
    expect(power).toEqual([{ kind: 'POWER_OUTAGE', pon_port_id: port.id }]);
    vw.world.restorePort(port.oltId, port.board, port.port);
    await pollStatuses();
    await sweepSessions();
  });

  it('does not open an incident for two unlucky customers', async () => {
    const before = (await rows(`SELECT id FROM incidents`)).length;
    const port = await portWithOnline(8, 2);
    const online = port.onus.filter((o) => o.status === 'Online').slice(0, 2);
    for (const o of online) vw.world.setOnuStatus(o.sn, 'LOS');
    await pollStatuses();
    expect(await rows(`SELECT id FROM incidents`)).toHaveLength(before);
    for (const o of online) vw.world.setOnuStatus(o.sn, 'Online');
    await pollStatuses();
  });

  it('opens a ROUTER_OUTAGE when a router drops its sessions at once, and marks them recovered when they return', async () => {
    const router = vw.world.data.routers[0]!;
    const dropped = vw.world.massDisconnect(router.id);
    expect(dropped).toBeGreaterThan(20);
    await sweepSessions();
    const [incident] = await rows<{ id: number; affected_count: number; router: string }>(
      `SELECT i.id, i.affected_count, r.external_id AS router FROM incidents i JOIN routers r ON r.id = i.router_id WHERE i.kind = 'ROUTER_OUTAGE' AND i.status = 'OPEN'`,
    );
    // Every dropped session, but those whose ONU the mirror already knows to be down.
    const explained = (
      await rows<{ n: number }>(
        `SELECT count(DISTINCT s.name)::int AS n FROM ppp_secrets s JOIN routers r ON r.id = s.router_id JOIN onus o ON o.connection_id = s.connection_id
       WHERE r.external_id = $1 AND o.status <> 'ONLINE' AND s.name = ANY($2::text[])`,
        [String(router.id), vw.world.secrets(router.id).map((x) => x.name)],
      )
    )[0]!.n;
    expect(incident!.router).toBe(String(router.id));
    expect(incident!.affected_count).toBeGreaterThanOrEqual(dropped - explained);
    expect(incident!.affected_count).toBeLessThanOrEqual(dropped);
    const linked = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM ppp_session_history WHERE incident_id = $1`, [incident!.id]);
    expect(linked[0]!.n).toBe(incident!.affected_count);
    vw.world.reconnectAll(router.id);
    await sweepSessions();
    const [after] = await rows<{ recovered_count: number }>(`SELECT recovered_count FROM incidents WHERE id = $1`, [incident!.id]);
    expect(after!.recovered_count).toBeGreaterThanOrEqual(Math.floor(incident!.affected_count * 0.8));
  });
});

describe('PPPoE drops first (before any poll sees the ONUs)', () => {
  beforeAll(async () => {
    // Whatever the tests above left recovering has cleared.
    await tickIncidents(t.db, services.config.incidents, new Date(Date.now() + (services.config.incidents.clearHoldSeconds + 5) * 1000));
  });

  /** Log out the sessions of a port's online ONUs, as a BRAS or an authentication server would. */
  function dropSessionsOfPort(skip: number) {
    const port = vw.world.ponPorts().filter((p) => p.onus.filter((o) => o.status === 'Online' && o.connectionId !== null).length >= 8)[
      skip
    ]!;
    const secrets = port.onus
      .filter((o) => o.status === 'Online' && o.connectionId !== null)
      .map((o) => vw.world.secretOf(o.connectionId!))
      .filter((x) => x !== undefined);
    for (const secret of secrets) vw.world.logout(secret.routerId, secret.name);
    return { port, secrets };
  }
  const incidentOf = async (oltId: number, board: number, port: number) =>
    (
      await rows<{ id: number; status: string; kind: string; router_id: number | null }>(
        `SELECT i.id, i.status::text, i.kind::text, i.router_id FROM incidents i JOIN pon_ports pp ON pp.id = i.pon_port_id JOIN olts o ON o.id = pp.olt_id
         WHERE o.external_id = $1 AND pp.board = $2 AND pp.port = $3 AND i.status <> 'CLEARED' ORDER BY i.id DESC LIMIT 1`,
        [String(oltId), board, port],
      )
    )[0];
  const timeline = async (id: number) =>
    (await rows<{ kind: string }>('SELECT kind::text FROM incident_events WHERE incident_id = $1 ORDER BY id', [id])).map((e) => e.kind);

  it('blames the router when SmartOLT reads the ONUs online twice while their sessions stay down', async () => {
    const { port } = dropSessionsOfPort(5);
    await sweepSessions(); // opens SUSPECTED and runs the first read: ONUs online → read again
    const suspected = (await incidentOf(port.oltId, port.board, port.port))!;
    expect(suspected.status).toBe('SUSPECTED');
    expect(await timeline(suspected.id)).toEqual(['SUSPECTED', 'EVIDENCE']);
    await new Promise((r) => setTimeout(r, 1100)); // the re-check is due a second later
    await drainJobs(services);
    const classified = (await incidentOf(port.oltId, port.board, port.port))!;
    expect(classified).toMatchObject({ id: suspected.id, status: 'OPEN', kind: 'ROUTER_OUTAGE' });
    expect(classified.router_id).not.toBeNull();
    expect(await timeline(suspected.id)).toEqual(['SUSPECTED', 'EVIDENCE', 'CLASSIFIED']);
  });

  it('withdraws a suspected outage whose sessions came back with their ONUs online', async () => {
    const { port, secrets } = dropSessionsOfPort(6);
    await sweepSessions();
    const suspected = (await incidentOf(port.oltId, port.board, port.port))!;
    expect(suspected.status).toBe('SUSPECTED');
    for (const secret of secrets) vw.world.login(secret); // the BRAS restart is over
    await sweepSessions();
    await new Promise((r) => setTimeout(r, 1100));
    await drainJobs(services);
    const [after] = await rows<{ status: string }>('SELECT status::text FROM incidents WHERE id = $1', [suspected.id]);
    expect(after!.status).toBe('WITHDRAWN');
    expect(await timeline(suspected.id)).toEqual(['SUSPECTED', 'EVIDENCE', 'WITHDRAWN']);
  });
});
