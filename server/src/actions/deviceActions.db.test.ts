/**
 * Device actions through GraphQL against the simulated ISP: each action's effect on the
 * simulated router or ONU and back in Emerald, writes refused when ROUTEROS_WRITE is off,
 * the cooldown under a double click, technicians limited to their work orders, vendor
 * failures typed and recorded, the diagnosis suggesting the action that fits, and the
 * follow-up check saying whether it helped.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { startVendorWorld, type VendorWorld } from '../../../test/vendorWorld.ts';
import { enqueueSync } from '../sync/enqueue.ts';
import type { WorldSecret } from '../../../simulators/world/model.ts';

const SEED = 31;
const SUBSCRIBERS = 300;
let vw: VendorWorld;
let api: TestApi;
let support: Caller;
const used = new Set<string>();

beforeAll(async () => {
  vw = await startVendorWorld({ seed: SEED, subscribers: SUBSCRIBERS });
  vw.world.redialMs = 150;
  vw.world.rebootMs = 400;
  api = await createTestApi({
    subscribers: SUBSCRIBERS,
    seed: SEED,
    endpoints: vw.endpoints,
    env: { ...vw.env, ROUTEROS_WRITE: 'on', DEVICE_ACTION_CHECK_SECONDS: '0', DEVICE_ACTION_COOLDOWN_SECONDS: '60' },
  });
  for (const [id, sim] of vw.routers)
    await api.db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  await enqueueSync(api.db, api.services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(api.services);
  support = await api.as('soporte');
});

/** A connection whose ONU is online and session up (world and mirror), not used by another test. */
async function healthy(): Promise<{ secret: WorldSecret; connectionId: number; gid: string; sn: string }> {
  const secret = vw.world.data.secrets.find((s) => {
    if (s.connectionId === null || s.disabled || s.profile === 'moroso' || used.has(s.name)) return false;
    if (vw.world.customer(vw.world.connection(s.connectionId)!.customerId)?.status !== 'enabled') return false;
    const onu = vw.world.onuOfConnection(s.connectionId);
    const dup = onu && vw.world.data.onus.filter((o) => o.externalId === onu.externalId).length > 1;
    return onu?.status === 'Online' && !dup && (onu.rx1490 ?? -99) > -24 && vw.world.sessions(s.routerId).some((x) => x.name === s.name);
  })!;
  used.add(secret.name);
  const row = (await api.db.pool.query<{ id: number }>('SELECT id FROM connections WHERE external_id = $1', [String(secret.connectionId)]))
    .rows[0]!;
  return {
    secret,
    connectionId: row.id,
    gid: encodeGlobalID('Connection', String(row.id)),
    sn: vw.world.onuOfConnection(secret.connectionId!)!.sn,
  };
}

const ACTION_FIELDS = `__typename
  ... on Error { code message }
  ... on DeviceActionError { retryAfterSeconds attempt { id status errorCode } }
  ... on ValidationError { field }
  ... on NotFoundError { field }`;

async function act(caller: Caller, mutation: string, input: Record<string, unknown>) {
  const res = await caller.query<Record<string, any>>(
    `mutation($input: ${mutation === 'setSecretProfile' ? 'SetSecretProfileInput' : 'DeviceActionInput'}!) {
      result: ${mutation}(input: $input) { ${ACTION_FIELDS} ... on ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Success { action { id kind status message verdictBefore detail } } }
    }`,
    { input },
  );
  if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
  return res;
}

const sessionOf = (s: WorldSecret) => vw.world.sessions(s.routerId).find((x) => x.name === s.name);
const until = async (what: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

async function checked(actionId: string) {
  await drainJobs(api.services);
  return (
    await api.db.pool.query<{ outcome: string; verdict_after: string; verdict_before: string }>(
      'SELECT outcome::text, verdict_after, verdict_before FROM device_actions WHERE id = $1',
      [Number(actionId)],
    )
  ).rows[0]!;
}

describe('router actions', () => {
  it('disconnects a live session: removed on the router, the customer dials again, recorded and audited', async () => {
    const { secret, gid } = await healthy();
    const before = sessionOf(secret)!;
    const removes = vw.routers.get(secret.routerId)!.commands.get('/ppp/active/remove') ?? 0;
    const res = await act(support, 'disconnectSession', { connectionId: gid, reason: 'cliente sin navegación' });
    expect(res.errors ?? []).toEqual([]);
    const action = res.data!.result.action;
    expect(action).toMatchObject({ kind: 'DISCONNECT_SESSION', status: 'SUCCEEDED', verdictBefore: 'OK' });
    expect(action.detail.session.id).toBe(before.rosId);
    expect(vw.routers.get(secret.routerId)!.commands.get('/ppp/active/remove')).toBe(removes + 1);
    // The customer's router dials again: a new session.
    await until(() => sessionOf(secret) !== undefined && sessionOf(secret)!.rosId !== before.rosId);
    const audit = await api.db.pool.query(
      `SELECT actor_label, after FROM audit_entries WHERE action = 'device.disconnect_session' AND after->>'actionId' = $1`,
      [action.id],
    );
    expect(audit.rows[0]).toMatchObject({ actor_label: 'soporte', after: { status: 'SUCCEEDED', reason: 'cliente sin navegación' } });
    const check = await checked(action.id);
    expect(check).toMatchObject({ verdict_after: 'OK', outcome: 'UNCHANGED' });
  });

  it('disables a secret with the reason in its comment, then enabling it brings the customer back (HELPED)', async () => {
    const { secret, gid, connectionId } = await healthy();
    const off = await act(support, 'disableSecret', { connectionId: gid, reason: 'pedido del titular' });
    expect(off.data!.result.action).toMatchObject({ kind: 'DISABLE_SECRET', status: 'SUCCEEDED' });
    expect(secret.disabled).toBe(true);
    expect(secret.comment).toMatch(/\[Emerald \d{4}-\d\d-\d\d \d\d:\d\d soporte: pedido del titular\]$/);
    expect(sessionOf(secret)).toBeUndefined();
    await new Promise((r) => setTimeout(r, vw.world.redialMs * 3));
    expect(sessionOf(secret)).toBeUndefined(); // a disabled secret cannot log in
    const mirror = await api.db.pool.query('SELECT disabled, comment FROM ppp_secrets WHERE name = $1', [secret.name]);
    expect(mirror.rows[0]).toMatchObject({ disabled: true, comment: secret.comment });
    expect((await checked(off.data!.result.action.id)).outcome).toBe('HELPED'); // the service is off, as intended

    // The diagnosis now offers exactly the fix, and it can be run.
    const d = await support.query<Record<string, any>>(
      `{ diagnose(connectionId: "${gid}") { ... on DiagnoseSuccess { diagnosis { verdict reasons deviceAction { kind available confirmEs confirmEn } } } } }`,
    );
    const diagnosis = d.data!.diagnose.diagnosis;
    expect(diagnosis.reasons[0]).toBe('SECRET_DISABLED');
    expect(diagnosis.deviceAction).toMatchObject({ kind: 'ENABLE_SECRET', available: true });
    expect(diagnosis.deviceAction.confirmEn).toContain(`The secret ${secret.name} on router`);

    const on = await act(support, 'enableSecret', { connectionId: gid, reason: 'regularizó' });
    expect(on.data!.result.action).toMatchObject({ kind: 'ENABLE_SECRET', status: 'SUCCEEDED', verdictBefore: 'BILLING' });
    await until(() => sessionOf(secret) !== undefined);
    expect(secret.disabled).toBe(false);
    expect(secret.comment).toMatch(/soporte: regularizó\]$/); // the previous Emerald note replaced, not piled up
    expect(await checked(on.data!.result.action.id)).toMatchObject({ verdict_before: 'BILLING', verdict_after: 'OK', outcome: 'HELPED' });
    const history = await support.query<Record<string, any>>(
      `{ connection(id: "${gid}") { deviceActions { kind outcome actorLabel reason } } }`,
    );
    expect(history.data!.connection.deviceActions.map((a: { kind: string }) => a.kind)).toEqual(['ENABLE_SECRET', 'DISABLE_SECRET']);
    expect(connectionId).toBeGreaterThan(0);
  });

  it('moves a paid customer off the debt profile to the profile of their plan, suggested by the diagnosis', async () => {
    const { secret, gid } = await healthy();
    const plan = secret.profile;
    vw.world.setSecret(secret.routerId, secret.rosId, { profile: 'moroso' });
    vw.world.logout(secret.routerId, secret.name, 'admin-disconnect');
    const d = await support.query<Record<string, any>>(
      `{ diagnose(connectionId: "${gid}") { ... on DiagnoseSuccess { diagnosis { verdict deviceAction { kind available targetProfile confirmEn } } } } }`,
    );
    const suggestion = d.data!.diagnose.diagnosis.deviceAction;
    expect(suggestion).toMatchObject({ kind: 'SET_SECRET_PROFILE', available: true });
    expect(suggestion.confirmEn).toContain(`from profile moroso to ${suggestion.targetProfile}`);
    expect(suggestion.targetProfile).toMatch(/^fibra-/);

    const bad = await act(support, 'setSecretProfile', { connectionId: gid, reason: 'pagó', profile: 'no-such-profile' });
    expect(bad.data!.result).toMatchObject({ __typename: 'DeviceActionError', code: 'REFUSED' });
    expect(secret.profile).toBe('moroso');
    const invalid = await act(support, 'setSecretProfile', { connectionId: gid, reason: 'pagó', profile: 'a b;c' });
    expect(invalid.data!.result).toMatchObject({ __typename: 'ValidationError', field: 'input.profile' });

    const res = await act(support, 'setSecretProfile', { connectionId: gid, reason: 'pagó', profile: plan });
    expect(res.data!.result.action).toMatchObject({ kind: 'SET_SECRET_PROFILE', status: 'SUCCEEDED' });
    expect(res.data!.result.action.detail.secretBefore.profile).toBe('moroso');
    expect(secret.profile).toBe(plan);
    await until(() => sessionOf(secret) !== undefined);
  });

  it('refuses router writes when ROUTEROS_WRITE is off, and changes nothing', async () => {
    const { secret, gid } = await healthy();
    const commands = new Map(vw.routers.get(secret.routerId)!.commands);
    api.services.config.actions.routerosWrite = false;
    try {
      const res = await act(support, 'disableSecret', { connectionId: gid, reason: 'prueba' });
      expect(res.data!.result).toMatchObject({ __typename: 'DeviceActionError', code: 'WRITES_DISABLED', attempt: null });
      const options = await support.query<Record<string, any>>(
        `{ connection(id: "${gid}") { deviceActionOptions { kind available unavailableReason } } }`,
      );
      const byKind = Object.fromEntries(options.data!.connection.deviceActionOptions.map((o: { kind: string }) => [o.kind, o]));
      expect(byKind.DISABLE_SECRET).toMatchObject({ available: false, unavailableReason: 'WRITES_DISABLED' });
      expect(byKind.REBOOT_ONU).toMatchObject({ available: true, unavailableReason: null });
    } finally {
      api.services.config.actions.routerosWrite = true;
    }
    expect(secret.disabled).toBe(false);
    expect(vw.routers.get(secret.routerId)!.commands.get('/ppp/secret/set')).toBe(commands.get('/ppp/secret/set'));
    expect(
      (await api.db.pool.query('SELECT count(*)::int AS n FROM device_actions WHERE device_key LIKE $1', [`%:${secret.name}`])).rows[0].n,
    ).toBe(0);
  });

  it('types a router that does not answer, and records the failed attempt', async () => {
    const { secret, gid } = await healthy();
    vw.world.setRouterDown(secret.routerId, true);
    try {
      const res = await act(support, 'disconnectSession', { connectionId: gid, reason: 'prueba' });
      expect(res.data!.result.__typename).toBe('DeviceActionError');
      expect(['TIMEOUT', 'UNREACHABLE']).toContain(res.data!.result.code);
      expect(res.data!.result.attempt).toMatchObject({ status: 'FAILED', errorCode: res.data!.result.code });
    } finally {
      vw.world.setRouterDown(secret.routerId, false);
    }
    // A failed attempt does not hold the cooldown: trying again works.
    api.services.vendors.routers.resetBackoff(secret.routerId);
    const again = await act(support, 'disconnectSession', { connectionId: gid, reason: 'otra vez' });
    expect(again.data!.result.__typename).toBe('DisconnectSessionSuccess');
  });
});

describe('ONU actions', () => {
  it('reboots an ONU once under a double click: offline, session drops, both come back', async () => {
    const { secret, gid, sn } = await healthy();
    const onu = vw.world.onu(sn)!;
    const before = vw.smartolt.actions.length;
    const [a, b] = await Promise.all([
      act(support, 'rebootOnu', { connectionId: gid, reason: 'reinicio pedido' }),
      act(support, 'rebootOnu', { connectionId: gid, reason: 'reinicio pedido' }),
    ]);
    const results = [a.data!.result, b.data!.result];
    expect(results.map((r) => r.__typename).sort()).toEqual(['DeviceActionError', 'RebootOnuSuccess']);
    const refused = results.find((r) => r.__typename === 'DeviceActionError');
    expect(refused).toMatchObject({ code: 'COOLDOWN', attempt: null });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(vw.smartolt.actions.slice(before)).toEqual([expect.objectContaining({ action: 'reboot', sn })]);
    expect(vw.smartolt.calls.filter((c) => c.path.includes('/onu/reboot/')).every((c) => c.status === 200)).toBe(true);
    expect(onu.status).toBe('Offline');
    expect(sessionOf(secret)).toBeUndefined();
    await until(() => onu.status === 'Online' && sessionOf(secret) !== undefined);
  });

  it('disables an ONU, the diagnosis says so (not a fibre problem) and offers to enable it', async () => {
    const { secret, gid, sn } = await healthy();
    const off = await act(support, 'disableOnu', { connectionId: gid, reason: 'equipo robado' });
    expect(off.data!.result.action).toMatchObject({ kind: 'DISABLE_ONU', status: 'SUCCEEDED' });
    expect(vw.world.onu(sn)!.status).toBe('Offline');
    const d = await support.query<Record<string, any>>(
      `{ diagnose(connectionId: "${gid}") { ... on DiagnoseSuccess { diagnosis { verdict reasons action { visit } deviceAction { kind available } } } } }`,
    );
    expect(d.data!.diagnose.diagnosis).toMatchObject({
      verdict: 'LOGICAL',
      reasons: ['ONU_DISABLED'],
      action: { visit: false },
      deviceAction: { kind: 'ENABLE_ONU', available: true },
    });
    const on = await act(support, 'enableOnu', { connectionId: gid, reason: 'recuperado' });
    expect(on.data!.result.action.status).toBe('SUCCEEDED');
    await until(() => vw.world.onu(sn)!.status === 'Online' && sessionOf(secret) !== undefined);
  });

  it('refuses an ONU whose SmartOLT external id is shared by several ONUs', async () => {
    const dup = await api.db.pool.query<{ connection_id: number }>(
      `SELECT o.connection_id FROM onus o WHERE o.connection_id IS NOT NULL AND o.gone_at IS NULL
         AND (SELECT count(*) FROM onus x WHERE x.external_id = o.external_id AND x.gone_at IS NULL) > 1 LIMIT 1`,
    );
    expect(dup.rowCount).toBe(1);
    const before = vw.smartolt.actions.length;
    const res = await act(support, 'rebootOnu', {
      connectionId: encodeGlobalID('Connection', String(dup.rows[0]!.connection_id)),
      reason: 'prueba',
    });
    expect(res.data!.result).toMatchObject({ __typename: 'DeviceActionError', code: 'AMBIGUOUS_DEVICE' });
    expect(vw.smartolt.actions.length).toBe(before);
  });
});

describe('who may act', () => {
  it('lets a technician act only on the connections of their work orders', async () => {
    const tech = await api.as('tecnico');
    const mine = await api.db.pool.query<{ id: number }>(
      `SELECT t.connection_id AS id FROM work_orders w JOIN tickets t ON t.id = w.ticket_id JOIN users u ON u.id = w.technician_id
        JOIN onus o ON o.connection_id = t.connection_id AND o.gone_at IS NULL
        WHERE u.username = 'tecnico' AND (SELECT count(*) FROM onus x WHERE x.external_id = o.external_id) = 1 LIMIT 1`,
    );
    const other = await healthy();
    const refused = await act(tech, 'resyncOnu', { connectionId: other.gid, reason: 'prueba' });
    expect(refused.data!.result).toMatchObject({ __typename: 'NotFoundError', field: 'input.connectionId' });
    const res = await act(tech, 'resyncOnu', {
      connectionId: encodeGlobalID('Connection', String(mine.rows[0]!.id)),
      reason: 'en el domicilio',
    });
    expect(['ResyncOnuSuccess', 'DeviceActionError']).toContain(res.data!.result.__typename);
    // Allowed through: a resync of an offline ONU is refused by SmartOLT itself, typed.
    if (res.data!.result.__typename === 'DeviceActionError') expect(res.data!.result.code).toBe('REFUSED');
  });

  it('asks for a reason', async () => {
    const { gid } = await healthy();
    const res = await act(support, 'rebootOnu', { connectionId: gid, reason: ' ' });
    expect(res.data!.result).toMatchObject({ __typename: 'ValidationError', field: 'input.reason', code: 'TOO_SHORT' });
  });
});
