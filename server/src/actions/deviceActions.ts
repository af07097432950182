/**
 * Device actions on a subscriber's router account and ONU: disconnect the PPPoE session,
 * disable/enable the secret, change its profile (RouterOS, only with ROUTEROS_WRITE=on);
 * reboot, resync, disable/enable the ONU (SmartOLT).
 *
 * One path for all of them:
 *   1. resolve the device from the mirror (the secret's own router, the ONU's external id —
 *      refused when SmartOLT has that id on several ONUs: it could hit the wrong one);
 *   2. claim the device's cooldown in a transaction under an advisory lock, so two clicks
 *      (or two people) never act twice within DEVICE_ACTION_COOLDOWN_SECONDS;
 *   3. diagnose (the "before"), call the vendor, record the result with an audit entry;
 *   4. queue a check that diagnoses again once the device has settled and records whether
 *      it helped (judgeOutcome).
 * Vendor failures come back as DeviceActionError with a code the monitor shows as is.
 */
import type { Queryable } from '../db/sql.ts';
import { withTransaction } from '../db/sql.ts';
import { writeAudit, type AuditWho } from '../db/audit.ts';
import { diagnose, SMARTOLT_MIN_BUDGET } from '../diagnosis/diagnose.ts';
import { DEVICE_ACTION_KINDS, ROUTER_ACTIONS, judgeOutcome, secretComment, type DeviceActionKind } from '../domain/deviceActions.ts';
import { enqueueSync } from '../sync/enqueue.ts';
import type { MirroredRouter } from '../vendors/factory.ts';
import type { RouterConnection } from '../vendors/routeros.ts';
import type { SmartoltOnuAction } from '../vendors/smartolt.ts';
import { VendorError } from '../vendors/vendorError.ts';
import type { Services } from '../services.ts';

export type DeviceActionErrorCode =
  | 'WRITES_DISABLED'
  | 'NO_DEVICE'
  | 'AMBIGUOUS_DEVICE'
  | 'COOLDOWN'
  | 'NOT_CONFIGURED'
  | 'BUDGET_LOW'
  | 'RATE_LIMITED'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'NOT_ALLOWED'
  | 'AUTH_FAILED'
  | 'REFUSED';

/** An action that could not be carried out; the device was not changed. */
export class DeviceActionError extends Error {
  override readonly name = 'DeviceActionError';
  constructor(
    readonly code: DeviceActionErrorCode,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    /** The recorded attempt, when one was recorded (vendor failures are; refusals before acting are not). */
    readonly actionId: number | null = null,
  ) {
    super(message);
  }
}

export interface DeviceActionRequest {
  connectionId: number;
  kind: DeviceActionKind;
  reason: string;
  /** SET_SECRET_PROFILE: the profile to set. */
  profile?: string | null;
}

export interface DeviceActionRow {
  id: number;
  kind: DeviceActionKind;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  device_key: string;
  connection_id: number | null;
  actor_id: number | null;
  actor_label: string;
  reason: string;
  detail: Record<string, unknown> | null;
  error_code: string | null;
  message: string | null;
  verdict_before: string | null;
  verdict_after: string | null;
  summary_after: string | null;
  outcome: 'HELPED' | 'NOT_HELPED' | 'UNCHANGED' | 'UNKNOWN' | null;
  checked_at: Date | null;
  requested_at: Date;
  finished_at: Date | null;
}

export const DEVICE_ACTION_COLUMNS = `id, kind::text AS kind, status::text AS status, device_key, connection_id, actor_id, actor_label, reason, detail,
  error_code, message, verdict_before, verdict_after, summary_after, outcome::text AS outcome, checked_at, requested_at, finished_at`;

interface Target {
  connection_id: number;
  pppoe_username: string | null;
  secret_name: string | null;
  secret_router_id: number | null;
  onu_serial: string | null;
  onu_external_id: string | null;
  onu_external_id_count: number;
}

async function loadTarget(db: Queryable, connectionId: number): Promise<Target | null> {
  const res = await db.query<Target>(
    `SELECT c.id AS connection_id, c.pppoe_username, sec.name AS secret_name, sec.router_id AS secret_router_id,
            o.serial AS onu_serial, o.external_id AS onu_external_id,
            (SELECT count(*)::int FROM onus x WHERE x.external_id = o.external_id AND x.gone_at IS NULL) AS onu_external_id_count
     FROM connections c
     LEFT JOIN LATERAL (SELECT * FROM ppp_secrets WHERE connection_id = c.id AND gone_at IS NULL
                        ORDER BY (router_id = c.router_id) DESC NULLS LAST, id LIMIT 1) sec ON true
     LEFT JOIN LATERAL (SELECT * FROM onus WHERE connection_id = c.id AND gone_at IS NULL ORDER BY id LIMIT 1) o ON true
     WHERE c.id = $1 AND c.gone_at IS NULL`,
    [connectionId],
  );
  return res.rows[0] ?? null;
}

async function routerOf(db: Queryable, id: number): Promise<MirroredRouter> {
  const res = await db.query<MirroredRouter>(
    'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE id = $1',
    [id],
  );
  if (!res.rows[0]) throw new DeviceActionError('NO_DEVICE', 'The router of this PPPoE account is not in the mirror');
  return res.rows[0];
}

function fromVendor(error: unknown): DeviceActionError {
  if (error instanceof DeviceActionError) return error;
  if (error instanceof VendorError) {
    const retry = error.retryAfterMs === null ? null : Math.ceil(error.retryAfterMs / 1000);
    switch (error.code) {
      case 'RATE_LIMITED':
      case 'UNREACHABLE':
      case 'TIMEOUT':
      case 'NOT_ALLOWED':
      case 'AUTH_FAILED':
        return new DeviceActionError(error.code, error.message, retry);
      default:
        return new DeviceActionError('REFUSED', error.message, retry);
    }
  }
  return new DeviceActionError('REFUSED', error instanceof Error ? error.message : String(error));
}

/** Whether a kind can be run for this connection now, and why not (for the monitor's menu). */
export async function availability(
  s: Services,
  connectionId: number,
): Promise<{ kind: DeviceActionKind; available: boolean; why: DeviceActionErrorCode | null }[]> {
  const t = await loadTarget(s.db.pool, connectionId);
  return DEVICE_ACTION_KINDS.map((kind) => {
    let why: DeviceActionErrorCode | null = null;
    if (!t) why = 'NO_DEVICE';
    else if (ROUTER_ACTIONS.has(kind)) {
      if (!t.secret_name) why = 'NO_DEVICE';
      else if (!s.config.actions.routerosWrite) why = 'WRITES_DISABLED';
    } else if (!t.onu_external_id) why = 'NO_DEVICE';
    else if (t.onu_external_id_count > 1) why = 'AMBIGUOUS_DEVICE';
    else if (!s.vendors.endpoints.smartolt) why = 'NOT_CONFIGURED';
    return { kind, available: why === null, why };
  });
}

const SMARTOLT_ACTION: Record<string, SmartoltOnuAction> = {
  REBOOT_ONU: 'reboot',
  RESYNC_ONU: 'resync_config',
  DISABLE_ONU: 'disable',
  ENABLE_ONU: 'enable',
};

/**
 * Run one action. Throws DeviceActionError (refused, or the vendor failed: then the failed
 * attempt is recorded) or returns the recorded action.
 */
export async function runDeviceAction(s: Services, who: AuditWho, req: DeviceActionRequest): Promise<DeviceActionRow> {
  const t = await loadTarget(s.db.pool, req.connectionId);
  if (!t) throw new DeviceActionError('NO_DEVICE', 'No such connection');
  const isRouter = ROUTER_ACTIONS.has(req.kind);
  let deviceKey: string;
  if (isRouter) {
    if (!t.secret_name || t.secret_router_id === null)
      throw new DeviceActionError('NO_DEVICE', 'This connection has no PPPoE account (secret) on any router');
    if (!s.config.actions.routerosWrite)
      throw new DeviceActionError('WRITES_DISABLED', 'Router writes are off (ROUTEROS_WRITE=off): Emerald only reads the routers');
    deviceKey = `router:${t.secret_router_id}:${t.secret_name}`;
  } else {
    if (!t.onu_external_id || !t.onu_serial) throw new DeviceActionError('NO_DEVICE', 'This connection has no ONU known to SmartOLT');
    if (t.onu_external_id_count > 1)
      throw new DeviceActionError(
        'AMBIGUOUS_DEVICE',
        `SmartOLT has ${t.onu_external_id_count} ONUs with the external id ${t.onu_external_id}: an action could reach the wrong one; fix the id in SmartOLT first`,
      );
    if (!s.vendors.endpoints.smartolt) throw new DeviceActionError('NOT_CONFIGURED', 'SmartOLT is not configured');
    const left = await s.vendors.smartolt().budget.remaining();
    if (left < SMARTOLT_MIN_BUDGET)
      throw new DeviceActionError('BUDGET_LOW', `Only ${left} SmartOLT calls are left this hour: actions wait for the next hour`);
    deviceKey = `onu:${t.onu_serial}`;
  }

  // ── claim the device (cooldown), atomically ──
  const cooldown = s.config.actions.cooldownSeconds;
  const claimed = await withTransaction(s.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [deviceKey]);
    const recent = await tx.query<{ wait: number; kind: string; actor_label: string }>(
      `SELECT ceil(extract(epoch FROM requested_at + make_interval(secs => $2) - now()))::int AS wait, kind::text AS kind, actor_label
       FROM device_actions WHERE device_key = $1 AND kind = $3::"DeviceActionKind" AND status <> 'FAILED' AND requested_at > now() - make_interval(secs => $2)
       ORDER BY requested_at DESC LIMIT 1`,
      [deviceKey, cooldown, req.kind],
    );
    const last = recent.rows[0];
    if (last)
      throw new DeviceActionError(
        'COOLDOWN',
        `${last.actor_label} ran ${last.kind} on this device moments ago: wait ${Math.max(1, last.wait)} s`,
        Math.max(1, last.wait),
      );
    const row = await tx.query<{ id: number }>(
      `INSERT INTO device_actions (kind, device_key, connection_id, actor_id, actor_label, reason, detail)
       VALUES ($1::"DeviceActionKind", $2, $3, $4, $5, $6, $7::jsonb) RETURNING id`,
      [
        req.kind,
        deviceKey,
        t.connection_id,
        who.actor?.userId ?? null,
        who.actor ? `${who.actor.username}${who.actor.apiKeyId ? ' (API key)' : ''}` : 'system',
        req.reason,
        JSON.stringify(req.profile ? { profile: req.profile } : {}),
      ],
    );
    return row.rows[0]!.id;
  });

  // ── before, act, record ──
  const before = await diagnose(s, { connectionId: t.connection_id }).catch(() => null);
  let detail: Record<string, unknown> = {};
  let message = '';
  try {
    if (isRouter) {
      const router = await routerOf(s.db.pool, t.secret_router_id!);
      const target = s.vendors.routerTarget(router);
      s.vendors.routers.resetBackoff(router.id);
      ({ detail, message } = await s.vendors.routers.use(target, (conn) => routerAction(conn, t.secret_name!, req, who, router.name)));
    } else {
      message = await s.vendors.smartolt().onuAction(SMARTOLT_ACTION[req.kind]!, t.onu_external_id!);
      detail = { serial: t.onu_serial, externalId: t.onu_external_id };
    }
  } catch (error) {
    const e = fromVendor(error);
    await withTransaction(s.db.pool, async (tx) => {
      await tx.query(
        `UPDATE device_actions SET status = 'FAILED', error_code = $2, message = $3, finished_at = now(), verdict_before = $4 WHERE id = $1`,
        [claimed, e.code, e.message, before?.verdict ?? null],
      );
      await writeAudit(tx, who, {
        action: `device.${req.kind.toLowerCase()}`,
        entityType: 'Connection',
        entityId: t.connection_id,
        after: { actionId: claimed, status: 'FAILED', error: e.code, message: e.message, reason: req.reason, device: deviceKey },
      });
    });
    throw new DeviceActionError(e.code, e.message, e.retryAfterSeconds, claimed);
  }
  const row = await withTransaction(s.db.pool, async (tx) => {
    const updated = await tx.query<DeviceActionRow>(
      `UPDATE device_actions SET status = 'SUCCEEDED', message = $2, detail = detail || $3::jsonb, finished_at = now(), verdict_before = $4
       WHERE id = $1 RETURNING ${DEVICE_ACTION_COLUMNS}`,
      [claimed, message, JSON.stringify(detail), before?.verdict ?? null],
    );
    if (isRouter && detail.secretAfter) {
      const after = detail.secretAfter as { disabled: boolean; profile: string; comment: string };
      // The mirror follows at once; the next sweep confirms.
      await tx.query(
        'UPDATE ppp_secrets SET disabled = $3, profile = $4, comment = $5, updated_at = now() WHERE router_id = $1 AND name = $2',
        [t.secret_router_id, t.secret_name, after.disabled, after.profile, after.comment],
      );
    }
    await writeAudit(tx, who, {
      action: `device.${req.kind.toLowerCase()}`,
      entityType: 'Connection',
      entityId: t.connection_id,
      before: { verdict: before?.verdict ?? null, ...(detail.secretBefore ? { secret: detail.secretBefore } : {}) },
      after: {
        actionId: claimed,
        status: 'SUCCEEDED',
        reason: req.reason,
        device: deviceKey,
        message,
        ...(detail.secretAfter ? { secret: detail.secretAfter } : {}),
      },
    });
    return updated.rows[0]!;
  });
  // Sessions move: let the router's sweep pick up the change now rather than at its next turn.
  if (isRouter)
    await enqueueSync(s.db, s.jobs, {
      source: 'ROUTEROS',
      kind: 'SESSIONS',
      scope: 'ROUTER',
      scopeRef: String(t.secret_router_id),
      trigger: 'device-action',
    }).catch((error: unknown) => s.log.warn({ err: error }, 'could not queue a router sweep after a device action'));
  await s.jobs.add(
    'device_action_check',
    { actionId: row.id },
    { runAt: new Date(Date.now() + s.config.actions.checkSeconds * 1000), jobKey: `device_action_check:${row.id}` },
  );
  return row;
}

async function routerAction(
  conn: RouterConnection,
  name: string,
  req: DeviceActionRequest,
  who: AuditWho,
  routerName: string,
): Promise<{ detail: Record<string, unknown>; message: string }> {
  const active = async () => (await conn.print('/ppp/active', { where: { name }, proplist: ['.id', 'name', 'address', 'uptime'] }))[0];
  if (req.kind === 'DISCONNECT_SESSION') {
    const session = await active();
    if (!session?.['.id']) throw new DeviceActionError('NO_DEVICE', `${name} has no live session on ${routerName} to disconnect`);
    await conn.removeActive(session['.id']);
    return {
      detail: { session: { id: session['.id'], address: session.address ?? null, uptime: session.uptime ?? null } },
      message: `session of ${name} removed on ${routerName}`,
    };
  }
  const [secret] = await conn.print('/ppp/secret', { where: { name }, proplist: ['.id', 'name', 'disabled', 'profile', 'comment'] });
  if (!secret?.['.id']) throw new DeviceActionError('NO_DEVICE', `${routerName} has no PPP secret named ${name}`);
  const secretBefore = {
    disabled: secret.disabled === 'true' || secret.disabled === 'yes',
    profile: secret.profile ?? '',
    comment: secret.comment ?? '',
  };
  const comment = secretComment(secret.comment, new Date(), who.actor?.username ?? 'system', req.reason);
  const patch: { disabled?: boolean; comment: string; profile?: string } = { comment };
  if (req.kind === 'DISABLE_SECRET') patch.disabled = true;
  if (req.kind === 'ENABLE_SECRET') patch.disabled = false;
  if (req.kind === 'SET_SECRET_PROFILE') {
    const profile = req.profile ?? '';
    const known = await conn.print('/ppp/profile', { where: { name: profile }, proplist: ['name'] });
    if (!known.length) throw new DeviceActionError('REFUSED', `${routerName} has no PPP profile named ${profile}`);
    patch.profile = profile;
  }
  await conn.setSecret(secret['.id'], patch);
  // Disabling or a new profile applies to the next login: end the session so it takes effect.
  let removed: string | null = null;
  if (req.kind === 'DISABLE_SECRET' || req.kind === 'SET_SECRET_PROFILE') {
    const session = await active();
    if (session?.['.id']) {
      await conn.removeActive(session['.id']);
      removed = session['.id'];
    }
  }
  const secretAfter = {
    disabled: patch.disabled ?? secretBefore.disabled,
    profile: patch.profile ?? secretBefore.profile,
    comment,
  };
  return {
    detail: { secretBefore, secretAfter, sessionRemoved: removed },
    message: `secret ${name} on ${routerName}: ${req.kind === 'SET_SECRET_PROFILE' ? `profile ${secretBefore.profile} → ${patch.profile}` : patch.disabled ? 'disabled' : 'enabled'}${removed ? ', session removed' : ''}`,
  };
}

/** Diagnose again once the device has settled and record whether the action helped. */
export async function checkDeviceAction(s: Services, actionId: number): Promise<DeviceActionRow | null> {
  const res = await s.db.pool.query<DeviceActionRow>(`SELECT ${DEVICE_ACTION_COLUMNS} FROM device_actions WHERE id = $1`, [actionId]);
  const row = res.rows[0];
  if (row?.status !== 'SUCCEEDED' || row.connection_id === null || row.checked_at) return row ?? null;
  const after = await diagnose(s, { connectionId: row.connection_id });
  const outcome = judgeOutcome(row.kind, row.verdict_before, after.verdict);
  const updated = await s.db.pool.query<DeviceActionRow>(
    `UPDATE device_actions SET verdict_after = $2, summary_after = $3, outcome = $4::"DeviceActionOutcome", checked_at = now()
     WHERE id = $1 RETURNING ${DEVICE_ACTION_COLUMNS}`,
    [actionId, after.verdict, JSON.stringify(after.summary), outcome],
  );
  return updated.rows[0] ?? null;
}
