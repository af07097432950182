/**
 * Diagnosis against the simulated ISP: live checks at the routers and SmartOLT, fallback
 * to the mirror when a source does not answer, and tickets opened from the verdict.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { startVendorWorld, type VendorWorld } from '../../../test/vendorWorld.ts';
import { incidentCorrelator } from '../incidents/correlate.ts';
import { diagnose } from './diagnose.ts';
import { enqueueSync } from '../sync/enqueue.ts';

const SEED = 23;
const SUBSCRIBERS = 400;
const TIMEOUT_MS = 800;
let vw: VendorWorld;
let api: TestApi;

beforeAll(async () => {
  vw = await startVendorWorld({ seed: SEED, subscribers: SUBSCRIBERS });
  api = await createTestApi({
    subscribers: SUBSCRIBERS,
    seed: SEED,
    endpoints: vw.endpoints,
    env: { ...vw.env, DIAGNOSIS_LIVE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  api.services.onChanges = incidentCorrelator(api.db, api.config, api.services.log);
  // The demo data is the same world: point its routers at the simulated ones, then sync.
  for (const [id, sim] of vw.routers)
    await api.db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  await enqueueSync(api.db, api.services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(api.services);
});

/** A connection whose ONU is online and whose session is up, in the world and the mirror. */
async function healthy(offset = 0) {
  const secret = vw.world.data.secrets.filter((s) => {
    if (s.connectionId === null || s.disabled || s.profile === 'moroso') return false;
    const onu = vw.world.onuOfConnection(s.connectionId);
    return (
      onu?.status === 'Online' && onu.rx1490 !== null && onu.rx1490 > -24 && vw.world.sessions(s.routerId).some((x) => x.name === s.name)
    );
  })[offset]!;
  const row = (await api.db.pool.query<{ id: number }>('SELECT id FROM connections WHERE external_id = $1', [String(secret.connectionId)]))
    .rows[0]!;
  return { secret, connectionId: row.id, onu: vw.world.onuOfConnection(secret.connectionId!)! };
}

describe('diagnose', () => {
  it('says OK with live evidence when the ONU is online and PPPoE is up', async () => {
    const { connectionId } = await healthy(0);
    const d = await diagnose(api.services, { connectionId });
    expect(d.verdict).toBe('OK');
    expect(d.summary.es).toMatch(/^ONU online, PPPoE conectado/);
    const live = Object.fromEntries(d.evidence.map((e) => [e.check, e.live]));
    expect(live).toMatchObject({ PPPOE_SESSION: true, PPP_SECRET: true, TRAFFIC: true, ONU_STATUS: true, ONU_SIGNAL: true });
    expect(d.evidence.find((e) => e.check === 'TRAFFIC')!.value).toMatch(/Mbps/);
  });

  it('sees a fibre problem the mirror does not know yet: LOS at SmartOLT right now', async () => {
    const { connectionId, onu } = await healthy(1);
    vw.world.setOnuStatus(onu.sn, 'LOS');
    try {
      const mirror = (await api.db.pool.query<{ status: string }>('SELECT status::text FROM onus WHERE serial = $1', [onu.sn])).rows[0]!;
      expect(mirror.status).toBe('ONLINE'); // not polled yet
      const d = await diagnose(api.services, { connectionId });
      expect(d.verdict).toBe('PHYSICAL');
      expect(d.reasons[0]).toBe('ONU_LOS');
      expect(d.summary.en).toMatch(/^ONU in LOS since \d\d:\d\d → fibre problem, visit needed$/);
      expect(d.action).toMatchObject({ visit: true, priority: 'HIGH', ticketType: 'TECHNICAL' });
      expect(d.evidence.find((e) => e.check === 'ONU_STATUS')).toMatchObject({ result: 'FAIL', live: true, source: 'SMARTOLT' });
    } finally {
      vw.world.setOnuStatus(onu.sn, 'Online');
    }
  });

  it('blames the router when the ONU is online and the PPPoE session is down, with the last logout as evidence', async () => {
    const { connectionId, secret } = await healthy(2);
    vw.world.logout(secret.routerId, secret.name, 'peer-not-responding');
    try {
      const d = await diagnose(api.services, { connectionId });
      expect(d.verdict).toBe('LOGICAL');
      expect(d.summary.en).toBe('ONU online, PPPoE down → router or authentication problem');
      expect(d.evidence.find((e) => e.check === 'PPP_SECRET')!.detail).toMatchObject({ lastDisconnectReason: 'peer-not-responding' });
    } finally {
      vw.world.login(secret);
    }
  });

  it('falls back to the mirror when the router does not answer, says so, and still answers in time', async () => {
    const { connectionId, secret } = await healthy(3);
    const sim = vw.routers.get(secret.routerId)!;
    sim.faults.hang = true;
    api.services.vendors.routers.resetBackoff(
      (await api.db.pool.query<{ id: number }>('SELECT id FROM routers WHERE external_id = $1', [String(secret.routerId)])).rows[0]!.id,
    );
    try {
      const d = await diagnose(api.services, { connectionId });
      expect(d.reasons).toContain('ROUTEROS_UNREACHABLE');
      expect(d.verdict).toBe('OK'); // the mirror saw the session up, SmartOLT answered live
      const session = d.evidence.find((e) => e.check === 'PPPOE_SESSION')!;
      expect(session).toMatchObject({ live: false, value: 'up (mirror)' });
      expect(session.note).toMatch(/did not answer within 800 ms/);
      expect(d.tookMs).toBeLessThan(TIMEOUT_MS + 1000);
    } finally {
      sim.faults.hang = false;
      await api.services.vendors.routers.closeAll();
    }
  });

  it('uses the mirror for the ONU when the SmartOLT budget is nearly spent, and says why', async () => {
    const { connectionId } = await healthy(4);
    const window = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const limit = api.config.smartoltBudget.hourlyBudget;
    await api.db.pool.query(
      `INSERT INTO vendor_call_budget (source, window_start, calls, call_limit) VALUES ('SMARTOLT', $1, $2, $2)
       ON CONFLICT (source, window_start) DO UPDATE SET calls = EXCLUDED.calls`,
      [window, limit - 5],
    );
    try {
      const d = await diagnose(api.services, { connectionId });
      const status = d.evidence.find((e) => e.check === 'ONU_STATUS')!;
      expect(status.live).toBe(false);
      expect(status.note).toMatch(/SmartOLT budget low \(5 calls left this hour\): using the mirror/);
    } finally {
      await api.db.pool.query(`UPDATE vendor_call_budget SET calls = 0 WHERE source = 'SMARTOLT'`);
    }
  });

  it('does not send a technician during a fibre cut on the PON port', async () => {
    const { connectionId, onu } = await healthy(5);
    vw.world.fibreCut(onu.oltId, onu.board, onu.port);
    try {
      await enqueueSync(api.db, api.services.jobs, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'ALL', trigger: 'test' });
      await drainJobs(api.services);
      const d = await diagnose(api.services, { connectionId });
      expect(d.verdict).toBe('MASS_OUTAGE');
      expect(d.action.visit).toBe(false);
      expect(d.summary.es).toMatch(/^Afectado por un incidente masivo: Corte de fibra/);
    } finally {
      vw.world.restorePort(onu.oltId, onu.board, onu.port);
      await enqueueSync(api.db, api.services.jobs, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'ALL', trigger: 'test' });
      await drainJobs(api.services);
      await api.db.pool.query(`UPDATE incidents SET status = 'CLEARED', cleared_at = now()`);
    }
  });

  it('asks for a person when a username exists on several connections', async () => {
    const dup = (
      await api.db.pool.query<{ username: string; n: number }>(
        `SELECT username_key AS username, count(*)::int AS n FROM connections WHERE username_key IS NOT NULL AND gone_at IS NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1`,
      )
    ).rows[0];
    const username = dup?.username ?? (await healthy(6)).secret.name;
    if (!dup)
      await api.db.pool.query(
        `UPDATE connections SET pppoe_username = $1 WHERE id = (SELECT id FROM connections WHERE username_key <> lower($1) ORDER BY id LIMIT 1)`,
        [username],
      );
    const d = await diagnose(api.services, { username: username.toUpperCase() });
    expect(d.verdict).toBe('NEEDS_HUMAN');
    expect(d.candidates.length).toBeGreaterThanOrEqual(2);
  });
});

describe('over GraphQL', () => {
  it('answers diagnose by PPPoE username with evidence and its age', async () => {
    const { secret } = await healthy(7);
    const soporte = await api.as('soporte');
    const res = await soporte.query(
      `query($u: String) { diagnose(pppoeUsername: $u) { __typename ... on DiagnoseSuccess { diagnosis { verdict summaryEs action { visit priority } evidence { check result live source ageSeconds } connection { pppoeUsername } } } } }`,
      { u: secret.name },
    );
    const d = res.data!.diagnose.diagnosis;
    expect(d.verdict).toBe('OK');
    expect(d.connection.pppoeUsername.toLowerCase()).toBe(secret.name.toLowerCase());
    expect(d.evidence.find((e: { check: string }) => e.check === 'ONU_STATUS')).toMatchObject({
      live: true,
      source: 'SMARTOLT',
      ageSeconds: 0,
    });
  });

  it('refuses a diagnose without a connection or username, as a typed error', async () => {
    const res = await (await api.as('soporte')).query(`{ diagnose { __typename ... on ValidationError { issues { field code } } } }`);
    expect(res.data!.diagnose).toEqual({ __typename: 'ValidationError', issues: [{ field: 'connectionId', code: 'REQUIRED' }] });
  });

  it('opens a ticket from the diagnosis, with the evidence in its timeline', async () => {
    const { connectionId, onu } = await healthy(8);
    vw.world.setOnuStatus(onu.sn, 'LOS');
    try {
      const res = await (await api.as('soporte')).query(
        `mutation($id: ID!) { createTicketFromDiagnosis(input: { connectionId: $id, note: "Sin internet desde la mañana" }) {
           __typename ... on CreateTicketFromDiagnosisSuccess { ticket { subject type priority description timeline(first: 5) { nodes { kind body data } } } } } }`,
        { id: encodeGlobalID('Connection', String(connectionId)) },
      );
      const ticket = res.data!.createTicketFromDiagnosis.ticket;
      expect(ticket).toMatchObject({ type: 'TECHNICAL', priority: 'HIGH' });
      expect(ticket.subject).toMatch(/^ONU en LOS desde las \d\d:\d\d → problema de fibra, requiere visita$/);
      expect(ticket.description).toMatch(/^Sin internet desde la mañana/);
      const evidence = ticket.timeline.nodes.find((n: { kind: string }) => n.kind === 'SYSTEM_EVIDENCE');
      expect(evidence.body).toMatch(/^PHYSICAL: /);
      expect(evidence.data.evidence.map((e: { check: string }) => e.check)).toContain('ONU_STATUS');
      const audit = await api.db.pool.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'ticket.create_from_diagnosis'`);
      expect(audit.rows[0].n).toBe(1);
    } finally {
      vw.world.setOnuStatus(onu.sn, 'Online');
    }
  });
});
