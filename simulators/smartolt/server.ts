/**
 * The SmartOLT REST API of a simulated tenant: `X-Token` auth, the vendor's inconsistent
 * envelopes, string values, `status:false` with HTTP 200, 429 + Retry-After past the
 * hourly budget, and paging on `get_all_onus_details`.
 */
import type { World } from '../world/world.ts';
import { smartoltOlt, smartoltOnuDetails, smartoltOnuSignal, smartoltOnuStatus, smartoltSignalCategory } from '../world/views.ts';
import { startHttpSim, type RunningHttpSim, type SimRequest, type SimResponse } from '../http/server.ts';

export interface SmartoltFaults {
  latencyMs: number;
  /** Answer the next N calls with `{status:false}`, HTTP 200 and "Temporary error, please try again". */
  statusFalseNext: number;
  /** Answer the next N calls with `{status:false}`, HTTP 200 and a refusal that retrying will not fix. */
  refuseNext: number;
  /** Answer the next N calls with 500. */
  serverErrorNext: number;
  /** Answer every call with 429 (a storm). */
  rateLimitStorm: boolean;
}

export interface SmartoltSimOptions {
  world: World;
  token?: string;
  /** Calls allowed per hour (default 1000, as SmartOLT tenants). */
  hourlyLimit?: number;
  /** Unpaged full ONU details allowed per hour (~15 on SmartOLT). */
  fullDetailsLimit?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  faults?: Partial<SmartoltFaults>;
  port?: number;
}

export interface RunningSmartoltSim extends RunningHttpSim {
  faults: SmartoltFaults;
  /** Calls made this hour (counted like the vendor: every authenticated request). */
  callsThisHour(): number;
  /** Every call received: path, status answered, and when it arrived (ms since the epoch). */
  calls: { path: string; status: number; at: number }[];
  /** ONU actions carried out (reboot, resync_config, disable, enable). */
  actions: { action: string; externalId: string; sn: string; at: number }[];
  resetBudget(): void;
}

const ok = (response: unknown): SimResponse => ({ status: 200, body: { status: true, response_code: 'success', response } });
const fail = (status: number, error: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { status: false, error },
  ...(headers ? { headers } : {}),
});

export async function startSmartoltSim(options: SmartoltSimOptions): Promise<RunningSmartoltSim> {
  const { world } = options;
  const token = options.token ?? 'smartolt-token';
  const hourlyLimit = options.hourlyLimit ?? 1000;
  const fullDetailsLimit = options.fullDetailsLimit ?? 15;
  const faults: SmartoltFaults = {
    latencyMs: 0,
    statusFalseNext: 0,
    refuseNext: 0,
    serverErrorNext: 0,
    rateLimitStorm: false,
    ...options.faults,
  };
  let windowStart = 0;
  let calls = 0;
  let fullDetails = 0;
  const log: RunningSmartoltSim['calls'] = [];
  const actions: RunningSmartoltSim['actions'] = [];

  const oltOf = (id: string | null) => world.data.olts.find((o) => String(o.id) === id);
  /** A filter's number: null when absent; NaN (matching nothing) unless it is a number as SmartOLT prints it. */
  const numberParam = (value: string | null): number | null =>
    !value ? null : String(Number(value)) === value ? Number(value) : Number.NaN;
  const filterOnus = (q: URLSearchParams) => {
    // The filters read once per call and compared as numbers: every call scans every ONU.
    const [olt, board, port] = [numberParam(q.get('olt_id')), numberParam(q.get('board')), numberParam(q.get('port'))];
    return world.data.onus.filter(
      (o) => (olt === null || o.oltId === olt) && (board === null || o.board === board) && (port === null || o.port === port),
    );
  };

  const route = (req: SimRequest): SimResponse => {
    const p = req.path.replace(/^\/api\//, '');
    const q = req.query;
    if (p === 'system/get_olts') return ok(world.data.olts.map(smartoltOlt));
    if (p === 'onu/get_all_onus_details') {
      const pageParam = q.get('page');
      if (!pageParam && !q.get('olt_id')) {
        fullDetails++;
        if (fullDetails > fullDetailsLimit)
          return fail(429, 'Full ONU details limit reached for this hour', { 'Retry-After': String(secondsLeft()) });
      }
      const all = filterOnus(q);
      const oltsById = new Map(world.data.olts.map((o) => [o.id, o]));
      const pageSize = Math.min(Math.max(Number(q.get('page_size') ?? 1000) || 1000, 1), 5000);
      const page = Math.max(Number(pageParam ?? 1) || 1, 1);
      const slice = pageParam ? all.slice((page - 1) * pageSize, page * pageSize) : all;
      return {
        status: 200,
        body: {
          status: true,
          onus: slice.map((o) => smartoltOnuDetails(o, oltsById.get(o.oltId)!, world.disabledOnus.has(o.sn))),
          page: String(page),
          page_size: String(pageParam ? pageSize : all.length),
          total_items: String(all.length),
          total_pages: String(pageParam ? Math.max(1, Math.ceil(all.length / pageSize)) : 1),
        },
      };
    }
    if (p === 'onu/get_onus_statuses') return ok(filterOnus(q).map(smartoltOnuStatus));
    if (p === 'onu/get_onus_signals') return ok(filterOnus(q).map(smartoltOnuSignal));
    let m = /^onu\/get_onu_status\/(.+)$/.exec(p);
    if (m) {
      const onu = world.data.onus.find((o) => o.externalId === decodeURIComponent(m![1]!));
      if (!onu) return fail(200, 'ONU not found');
      return {
        status: 200,
        body: { status: true, onu_status: onu.status, last_status_change: smartoltOnuStatus(onu).last_status_change as string },
      };
    }
    m = /^onu\/get_onu_signal\/(.+)$/.exec(p);
    if (m) {
      const onu = world.data.onus.find((o) => o.externalId === decodeURIComponent(m![1]!));
      if (!onu) return fail(200, 'ONU not found');
      const s = smartoltOnuSignal(onu);
      return {
        status: 200,
        body: {
          status: true,
          onu_signal: smartoltSignalCategory(onu),
          onu_signal_value: s.signal_1490,
          onu_signal_1490: s.signal_1490,
          onu_signal_1310: s.signal_1310,
        },
      };
    }
    m = /^onu\/get_onu_details\/(.+)$/.exec(p);
    if (m) {
      const onu = world.data.onus.find((o) => o.externalId === decodeURIComponent(m![1]!));
      if (!onu) return fail(200, 'ONU not found');
      return {
        status: 200,
        body: {
          status: true,
          onu_details: smartoltOnuDetails(onu, world.data.olts.find((x) => x.id === onu.oltId)!, world.disabledOnus.has(onu.sn)),
        },
      };
    }
    m = /^onu\/(reboot|resync_config|disable|enable)\/(.+)$/.exec(p);
    if (m) {
      // Actions are POSTs (a GET is "Unknown method", as on SmartOLT).
      if (req.method !== 'POST') return fail(405, 'Unknown method');
      const onu = world.data.onus.find((o) => o.externalId === decodeURIComponent(m![2]!));
      if (!onu) return fail(200, 'ONU not found');
      const action = m[1]!;
      actions.push({ action, externalId: onu.externalId, sn: onu.sn, at: Date.now() });
      if (action === 'reboot') {
        if (!world.rebootOnu(onu.sn))
          return fail(200, `ONU is ${world.disabledOnus.has(onu.sn) ? 'disabled' : onu.status}: reboot command not sent`);
        return { status: 200, body: { status: true, response: 'Device reboot command sent' } };
      }
      if (action === 'resync_config') {
        if (onu.status !== 'Online') return fail(200, `ONU is ${onu.status}: configuration cannot be resynced`);
        return { status: 200, body: { status: true, response: 'ONU config resync started' } };
      }
      world.setOnuEnabled(onu.sn, action === 'enable');
      return { status: 200, body: { status: true, response: action === 'enable' ? 'ONU enabled' : 'ONU disabled' } };
    }
    m = /^system\/get_outage_pons\/(.+)$/.exec(p);
    if (m) {
      const olt = oltOf(m[1]!);
      if (!olt) return fail(200, 'OLT not found');
      const outages = world
        .ponPorts()
        .filter(
          (pp) => pp.oltId === olt.id && pp.onus.length > 0 && pp.onus.filter((o) => o.status === 'LOS').length / pp.onus.length >= 0.5,
        )
        .map((pp) => ({
          board: String(pp.board),
          port: String(pp.port),
          los_onus: String(pp.onus.filter((o) => o.status === 'LOS').length),
          total_onus: String(pp.onus.length),
        }));
      return ok(outages);
    }
    return fail(405, 'Unknown method');
  };

  function secondsLeft(): number {
    return Math.max(1, Math.ceil((windowStart + 3_600_000 - Date.now()) / 1000));
  }

  const sim = await startHttpSim(
    (req) => {
      const respond = (r: SimResponse): SimResponse => {
        log.push({ path: req.path, status: r.status, at: Date.now() });
        return faults.latencyMs ? { ...r, delayMs: faults.latencyMs } : r;
      };
      if (req.headers['x-token'] !== token) return respond(fail(403, 'Forbidden: invalid X-Token'));
      const now = Date.now();
      if (now - windowStart >= 3_600_000) {
        windowStart = now - (now % 3_600_000);
        calls = 0;
        fullDetails = 0;
      }
      calls++;
      if (faults.rateLimitStorm || calls > hourlyLimit)
        return respond(fail(429, 'API rate limit exceeded', { 'Retry-After': String(faults.rateLimitStorm ? 2 : secondsLeft()) }));
      if (faults.serverErrorNext > 0) {
        faults.serverErrorNext--;
        return respond({ status: 500, body: '<html><body>502 Bad Gateway</body></html>' });
      }
      if (faults.statusFalseNext > 0) {
        faults.statusFalseNext--;
        return respond(fail(200, 'Temporary error, please try again'));
      }
      if (faults.refuseNext > 0) {
        faults.refuseNext--;
        return respond(fail(200, 'Invalid OLT ID'));
      }
      return respond(route(req));
    },
    { port: options.port, host: options.host },
  );
  return {
    ...sim,
    faults,
    calls: log,
    actions,
    callsThisHour: () => calls,
    resetBudget: () => {
      calls = 0;
      fullDetails = 0;
    },
  };
}
