/**
 * Diagnose one connection: resolve it in the mirror, check the live state at the router
 * and at SmartOLT in parallel with a short timeout, fall back to the mirror (with its age)
 * for whatever did not answer, and apply the rules (domain/diagnosis.ts). Every fact the
 * verdict rests on comes back as evidence: what was checked, what it showed, where from,
 * when it was observed, live or mirrored.
 */
import type { DeviceFacts } from '../domain/deviceActions.ts';
import { decide, type DiagnosisFacts, type OnuState, type Vendor, type Verdict } from '../domain/diagnosis.ts';
import { signalLevel } from '../domain/optical.ts';
import { parseRouterosBoolean, parseRouterosDate, parseRouterosDuration } from '../domain/routerosValues.ts';
import { parseDbm, parseOnuStatus, parseSmartoltTime } from '../domain/smartoltValues.ts';
import type { MirroredRouter } from '../vendors/factory.ts';
import { VendorError } from '../vendors/vendorError.ts';
import type { Services } from '../services.ts';

export type EvidenceResult = 'OK' | 'WARN' | 'FAIL' | 'UNKNOWN';

export interface Evidence {
  check: string;
  result: EvidenceResult;
  /** What it showed, in a few words (e.g. "LOS", "-27.8 dBm", "up 3h12m"). */
  value: string;
  source: Vendor | 'EMERALD';
  observedAt: Date | null;
  live: boolean;
  /** Why a live check was not used (timeout, unreachable, budget), in English, with the vendor's words. */
  note: string | null;
  /** The same as a code, for people in their language. */
  noteCode: EvidenceNoteCode | null;
  /** The facts behind `value`, for formatting in the reader's language. */
  detail: Record<string, unknown> | null;
}

export type EvidenceNoteCode =
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'AUTH_FAILED'
  | 'NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'BUDGET_LOW'
  | 'NOT_CONFIGURED'
  | 'NO_ROUTER'
  | 'ERROR';

export interface Diagnosis extends Verdict {
  connectionId: number | null;
  /** Names the device suggestion's confirmation needs (user, router, ONU, profiles). */
  deviceFacts: DeviceFacts;
  candidates: number[];
  evidence: Evidence[];
  diagnosedAt: Date;
  tookMs: number;
}

/** SmartOLT calls left this hour below which diagnosis uses the mirror for ONU state. */
export const SMARTOLT_MIN_BUDGET = 20;

export type DiagnoseTarget = { connectionId: number } | { username: string; routerId?: number | null };

interface ConnectionRow {
  id: number;
  customer_id: number;
  pppoe_username: string | null;
  router_id: number | null;
  customer_status: string;
  debt: string | null;
  speed_limited: boolean;
}

class Timeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

function problemCode(error: unknown): EvidenceNoteCode {
  if (error instanceof Timeout) return 'TIMEOUT';
  if (error instanceof VendorError) {
    if (
      error.code === 'TIMEOUT' ||
      error.code === 'UNREACHABLE' ||
      error.code === 'AUTH_FAILED' ||
      error.code === 'NOT_ALLOWED' ||
      error.code === 'RATE_LIMITED'
    )
      return error.code;
  }
  return 'ERROR';
}

function problem(error: unknown): string {
  if (error instanceof Timeout) return error.message;
  if (error instanceof VendorError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function resolveConnections(s: Services, target: DiagnoseTarget): Promise<ConnectionRow[]> {
  const select = `SELECT c.id, c.customer_id, c.pppoe_username, c.router_id, cu.status::text AS customer_status, cu.debt::text AS debt, cu.speed_limited
                  FROM connections c JOIN customers cu ON cu.id = c.customer_id WHERE c.gone_at IS NULL`;
  if ('connectionId' in target) return (await s.db.pool.query<ConnectionRow>(`${select} AND c.id = $1`, [target.connectionId])).rows;
  const rows = (await s.db.pool.query<ConnectionRow>(`${select} AND c.username_key = lower(btrim($1)) ORDER BY c.id`, [target.username]))
    .rows;
  return target.routerId ? rows.filter((r) => r.router_id === target.routerId) : rows;
}

export async function diagnose(s: Services, target: DiagnoseTarget): Promise<Diagnosis> {
  const started = Date.now();
  const timeoutMs = s.config.diagnosis.liveTimeoutMs;
  const evidence: Evidence[] = [];
  const unreachable = new Set<Vendor>();
  const add = (
    e: Omit<Evidence, 'note' | 'noteCode' | 'detail'> & {
      note?: string | null;
      noteCode?: EvidenceNoteCode | null;
      detail?: Record<string, unknown> | null;
    },
  ): void => {
    evidence.push({ note: null, noteCode: null, detail: null, ...e });
  };

  const matches = await resolveConnections(s, target);
  const base: Omit<DiagnosisFacts, 'matches'> = {
    billing: { blocked: false, debt: null },
    secret: { exists: false, disabled: false, debtProfile: false },
    onu: null,
    sessionUp: null,
    incident: null,
    ticketsLast7Days: 0,
    sessionDropsLast24h: 0,
    onuChangesLast24h: 0,
    unreachable: [],
  };
  if (matches.length !== 1) {
    const verdict = decide({ ...base, matches: matches.length });
    return {
      ...verdict,
      deviceFacts: { username: null, routerName: null, serial: null },
      connectionId: null,
      candidates: matches.map((m) => m.id),
      evidence,
      diagnosedAt: new Date(),
      tookMs: Date.now() - started,
    };
  }
  const c = matches[0]!;

  // ── the mirror, in one round of queries ──
  const [mirror, router] = await Promise.all([
    s.db.pool.query<{
      onu_id: number | null;
      serial: string | null;
      onu_external_id: string | null;
      onu_status: string | null;
      status_changed_at: Date | null;
      status_observed_at: Date | null;
      rx_power: number | null;
      signal_observed_at: Date | null;
      signal_category: string | null;
      secret_disabled: boolean | null;
      secret_profile: string | null;
      last_logged_out: Date | null;
      last_caller_id: string | null;
      last_disconnect_reason: string | null;
      secret_updated: Date | null;
      session_address: string | null;
      session_started: Date | null;
      session_observed: Date | null;
      session_caller: string | null;
      incident_kind: string | null;
      incident_title: string | null;
      tickets7: number;
      drops24: number;
      onu_changes24: number;
      onu_admin_disabled: boolean;
      plan_profile: string | null;
    }>(
      `SELECT o.id AS onu_id, o.serial, o.external_id AS onu_external_id, o.status::text AS onu_status, o.status_changed_at, o.status_observed_at,
              o.rx_power, o.signal_observed_at, o.signal_category::text AS signal_category,
              sec.disabled AS secret_disabled, sec.profile AS secret_profile, sec.last_logged_out, sec.last_caller_id, sec.last_disconnect_reason, sec.updated_at AS secret_updated,
              ses.address AS session_address, ses.started_at AS session_started, ses.observed_at AS session_observed, ses.caller_id AS session_caller,
              inc.kind::text AS incident_kind, inc.title AS incident_title,
              (SELECT count(*)::int FROM tickets t WHERE t.connection_id = c.id AND t.created_at > now() - interval '7 days') AS tickets7,
              (SELECT count(*)::int FROM ppp_session_history h WHERE h.connection_id = c.id AND h.ended_at > now() - interval '24 hours') AS drops24,
              (SELECT count(*)::int FROM onu_status_events e WHERE e.onu_id = o.id AND e.changed_at > now() - interval '24 hours') AS onu_changes24,
              COALESCE((SELECT a.kind = 'DISABLE_ONU' FROM device_actions a
                        WHERE a.device_key = 'onu:' || o.serial AND a.status = 'SUCCEEDED' AND a.kind IN ('DISABLE_ONU', 'ENABLE_ONU')
                        ORDER BY a.requested_at DESC LIMIT 1), false) AS onu_admin_disabled,
              (SELECT s2.profile FROM connections c2 JOIN ppp_secrets s2 ON s2.connection_id = c2.id AND s2.gone_at IS NULL
                WHERE c2.plan_id = c.plan_id AND c2.id <> c.id AND s2.profile IS NOT NULL AND lower(s2.profile) <> 'moroso'
                GROUP BY s2.profile ORDER BY count(*) DESC, s2.profile LIMIT 1) AS plan_profile
       FROM connections c
       LEFT JOIN LATERAL (SELECT * FROM onus WHERE connection_id = c.id AND gone_at IS NULL ORDER BY id LIMIT 1) o ON true
       LEFT JOIN LATERAL (SELECT * FROM ppp_secrets WHERE connection_id = c.id AND gone_at IS NULL ORDER BY (router_id = c.router_id) DESC NULLS LAST, id LIMIT 1) sec ON true
       LEFT JOIN LATERAL (SELECT * FROM ppp_sessions WHERE connection_id = c.id ORDER BY started_at DESC LIMIT 1) ses ON true
       LEFT JOIN LATERAL (
         SELECT i.kind, i.title FROM incidents i
         WHERE i.status IN ('SUSPECTED', 'OPEN') AND (
           EXISTS (SELECT 1 FROM incident_connections ic WHERE ic.incident_id = i.id AND ic.connection_id = c.id AND ic.recovered_at IS NULL)
           OR (i.pon_port_id IS NOT NULL AND i.pon_port_id = o.pon_port_id))
         ORDER BY i.opened_at DESC LIMIT 1) inc ON true
       WHERE c.id = $1`,
      [c.id],
    ),
    c.router_id === null
      ? Promise.resolve(null)
      : s.db.pool
          .query<MirroredRouter>('SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE id = $1', [
            c.router_id,
          ])
          .then((r) => r.rows[0] ?? null),
  ]);
  const m = mirror.rows[0]!;
  const username = c.pppoe_username ?? '';

  // ── live checks, in parallel, each with the timeout ──
  const routerCheck = async () => {
    if (!router || !username) return null;
    const target = s.vendors.routerTarget(router);
    return withTimeout(
      s.vendors.routers.use(target, async (conn) => {
        const [active, secret] = await Promise.all([
          conn.print('/ppp/active', { where: { name: username }, proplist: ['.id', 'name', 'address', 'caller-id', 'uptime'] }),
          conn.print('/ppp/secret', {
            where: { name: username },
            proplist: ['name', 'disabled', 'profile', 'last-logged-out', 'last-caller-id', 'last-disconnect-reason'],
          }),
        ]);
        const traffic = active[0] ? await conn.monitorTraffic(`<pppoe-${username}>`).catch(() => null) : null;
        return { active: active[0] ?? null, secret: secret[0] ?? null, traffic };
      }),
      timeoutMs,
      `router ${router.name}`,
    );
  };
  const oltCheck = async () => {
    if (!m.onu_external_id || !s.vendors.endpoints.smartolt) return null;
    const client = s.vendors.smartolt();
    const left = await client.budget.remaining();
    if (left < SMARTOLT_MIN_BUDGET) return { budgetLow: left };
    return withTimeout(
      Promise.all([client.onuStatus(m.onu_external_id), client.onuSignal(m.onu_external_id)]).then(([status, signal]) => ({
        status,
        signal,
      })),
      timeoutMs,
      'SmartOLT',
    );
  };
  const [routerLive, oltLive] = await Promise.allSettled([routerCheck(), oltCheck()]);
  const now = new Date();

  // ── PPPoE session and secret ──
  let liveTraffic: DiagnosisFacts['traffic'] = null;
  let liveProfile: string | null = null;
  let sessionUp: boolean | null = m.session_started !== null ? true : m.secret_disabled === null && !router ? null : false;
  let secret = {
    exists: m.secret_disabled !== null,
    disabled: m.secret_disabled === true,
    debtProfile: (m.secret_profile ?? '').toLowerCase() === 'moroso',
  };
  if (routerLive.status === 'fulfilled' && routerLive.value) {
    const { active, secret: liveSecret, traffic } = routerLive.value;
    sessionUp = active !== null;
    const uptime = parseRouterosDuration(active?.uptime);
    add({
      check: 'PPPOE_SESSION',
      result: active ? 'OK' : 'FAIL',
      value: active ? `up ${active.uptime ?? ''}`.trim() : 'down',
      source: 'ROUTEROS',
      observedAt: now,
      live: true,
      detail: active
        ? { up: true, address: active.address ?? null, callerId: active['caller-id'] ?? null, uptimeSeconds: uptime }
        : { up: false },
    });
    if (liveSecret) {
      const profile = liveSecret.profile ?? '';
      liveProfile = profile;
      secret = {
        exists: true,
        disabled: parseRouterosBoolean(liveSecret.disabled) === true,
        debtProfile: profile.toLowerCase() === 'moroso',
      };
      const lastOut = parseRouterosDate(liveSecret['last-logged-out']);
      add({
        check: 'PPP_SECRET',
        result: secret.disabled || secret.debtProfile ? 'FAIL' : 'OK',
        value: secret.disabled ? 'disabled' : `profile ${profile}`,
        source: 'ROUTEROS',
        observedAt: now,
        live: true,
        detail: {
          exists: true,
          disabled: secret.disabled,
          profile,
          lastLoggedOut: lastOut?.toISOString() ?? null,
          lastCallerId: liveSecret['last-caller-id'] ?? null,
          lastDisconnectReason: liveSecret['last-disconnect-reason'] ?? null,
        },
      });
    } else {
      secret = { exists: false, disabled: false, debtProfile: false };
      add({
        check: 'PPP_SECRET',
        result: 'FAIL',
        value: 'no secret on the router',
        source: 'ROUTEROS',
        observedAt: now,
        live: true,
        detail: { exists: false },
      });
    }
    if (traffic) {
      liveTraffic = { downBps: traffic.txBitsPerSecond, upBps: traffic.rxBitsPerSecond };
      add({
        check: 'TRAFFIC',
        result: 'OK',
        value: `↓ ${(traffic.txBitsPerSecond / 1e6).toFixed(1)} Mbps ↑ ${(traffic.rxBitsPerSecond / 1e6).toFixed(1)} Mbps`,
        source: 'ROUTEROS',
        observedAt: now,
        live: true,
        detail: { downloadBps: traffic.txBitsPerSecond, uploadBps: traffic.rxBitsPerSecond },
      });
    }
  } else {
    const why = routerLive.status === 'rejected' ? problem(routerLive.reason) : router ? null : 'no router known for this connection';
    const whyCode: EvidenceNoteCode | null =
      routerLive.status === 'rejected' ? problemCode(routerLive.reason) : router ? null : 'NO_ROUTER';
    if (routerLive.status === 'rejected') unreachable.add('ROUTEROS');
    const observed = m.session_observed ?? m.secret_updated;
    add({
      check: 'PPPOE_SESSION',
      result: m.session_started ? 'OK' : observed ? 'FAIL' : 'UNKNOWN',
      value: m.session_started ? 'up (mirror)' : observed ? 'down (mirror)' : 'unknown',
      source: 'ROUTEROS',
      observedAt: observed,
      live: false,
      note: why,
      noteCode: whyCode,
      detail: m.session_started
        ? { up: true, address: m.session_address, callerId: m.session_caller, since: m.session_started.toISOString() }
        : observed
          ? { up: false }
          : null,
    });
    if (routerLive.status === 'rejected' && !observed) sessionUp = null;
    if (m.secret_disabled !== null) {
      add({
        check: 'PPP_SECRET',
        result: secret.disabled || secret.debtProfile ? 'FAIL' : 'OK',
        value: secret.disabled ? 'disabled' : `profile ${m.secret_profile ?? ''}`,
        source: 'ROUTEROS',
        observedAt: m.secret_updated,
        live: false,
        note: why,
        noteCode: whyCode,
        detail: {
          exists: true,
          disabled: secret.disabled,
          profile: m.secret_profile ?? '',
          lastLoggedOut: m.last_logged_out?.toISOString() ?? null,
          lastCallerId: m.last_caller_id,
          lastDisconnectReason: m.last_disconnect_reason,
        },
      });
    }
  }

  // ── ONU status and signal ──
  let onu: DiagnosisFacts['onu'] = null;
  if (m.onu_id !== null) {
    let state = (m.onu_status ?? 'UNKNOWN') as OnuState;
    let since = m.status_changed_at;
    let rx = m.rx_power;
    let statusAt = m.status_observed_at;
    let signalAt = m.signal_observed_at;
    let live = false;
    let note: string | null = null;
    let noteCode: EvidenceNoteCode | null = null;
    if (oltLive.status === 'fulfilled' && oltLive.value && 'status' in oltLive.value) {
      live = true;
      state = parseOnuStatus(oltLive.value.status.status) as OnuState;
      since = parseSmartoltTime(oltLive.value.status.lastStatusChange) ?? since;
      rx = parseDbm(oltLive.value.signal.rx1490);
      statusAt = now;
      signalAt = now;
    } else if (oltLive.status === 'fulfilled' && oltLive.value && 'budgetLow' in oltLive.value) {
      note = `SmartOLT budget low (${oltLive.value.budgetLow} calls left this hour): using the mirror`;
      noteCode = 'BUDGET_LOW';
    } else if (oltLive.status === 'rejected') {
      unreachable.add('SMARTOLT');
      note = problem(oltLive.reason);
      noteCode = problemCode(oltLive.reason);
    } else if (!s.vendors.endpoints.smartolt) {
      note = 'SmartOLT is not configured';
      noteCode = 'NOT_CONFIGURED';
    }
    const level = signalLevel(rx, s.config.thresholds);
    onu = { state, since, signal: state === 'ONLINE' ? level : 'UNKNOWN', rxPower: rx, adminDisabled: m.onu_admin_disabled };
    add({
      check: 'ONU_STATUS',
      result: state === 'ONLINE' ? 'OK' : state === 'UNKNOWN' ? 'UNKNOWN' : 'FAIL',
      value: since ? `${state} since ${since.toISOString()}` : state,
      source: 'SMARTOLT',
      observedAt: statusAt,
      live,
      note,
      noteCode,
      detail: { status: state, serial: m.serial, since: since?.toISOString() ?? null },
    });
    add({
      check: 'ONU_SIGNAL',
      result: level === 'GOOD' ? 'OK' : level === 'WARNING' ? 'WARN' : level === 'UNKNOWN' ? 'UNKNOWN' : 'FAIL',
      value: rx === null ? 'no reading' : `${rx} dBm (${level})`,
      source: 'SMARTOLT',
      observedAt: signalAt,
      live,
      note,
      noteCode,
      detail: { rxPower: rx, level, smartoltCategory: m.signal_category },
    });
  }

  // ── billing, incident, history ──
  const blocked = c.customer_status === 'BLOCKED';
  const debt = c.debt === null ? null : Number(c.debt);
  add({
    check: 'BILLING',
    result: blocked ? 'FAIL' : 'OK',
    value: blocked ? `blocked, debt ${debt ?? 0}` : 'enabled',
    source: 'ISPCUBE',
    observedAt: null,
    live: false,
    detail: { status: c.customer_status, debt },
  });
  if (m.incident_kind)
    add({
      check: 'INCIDENT',
      result: 'FAIL',
      value: m.incident_title ?? m.incident_kind,
      source: 'EMERALD',
      observedAt: now,
      live: true,
      detail: { kind: m.incident_kind, title: m.incident_title },
    });
  if (m.tickets7)
    add({
      check: 'RECENT_TICKETS',
      result: m.tickets7 >= 2 ? 'WARN' : 'OK',
      value: `${m.tickets7} in 7 days`,
      source: 'EMERALD',
      observedAt: now,
      live: true,
      detail: { count: m.tickets7, days: 7 },
    });
  if (m.drops24)
    add({
      check: 'SESSION_DROPS',
      result: m.drops24 >= 5 ? 'WARN' : 'OK',
      value: `${m.drops24} in 24 h`,
      source: 'ROUTEROS',
      observedAt: now,
      live: false,
      detail: { count: m.drops24, hours: 24 },
    });

  const facts: DiagnosisFacts = {
    matches: 1,
    billing: { blocked, debt },
    secret,
    onu,
    sessionUp,
    incident: m.incident_kind ? { kind: m.incident_kind as 'FIBRE_CUT', title: m.incident_title ?? '' } : null,
    ticketsLast7Days: m.tickets7,
    sessionDropsLast24h: m.drops24,
    onuChangesLast24h: m.onu_changes24,
    unreachable: [...unreachable],
    traffic: liveTraffic,
  };
  const deviceFacts: DeviceFacts = {
    username: username || null,
    routerName: router?.name ?? null,
    serial: m.serial,
    profile: liveProfile ?? m.secret_profile,
    targetProfile: m.plan_profile,
    sessionAddress: m.session_address,
  };
  return {
    ...decide(facts),
    deviceFacts,
    connectionId: c.id,
    candidates: [c.id],
    evidence,
    diagnosedAt: now,
    tookMs: Date.now() - started,
  };
}
