/**
 * The ISPCube REST API of a simulated ISP: Sanctum token login with its headers, bearer
 * tokens that expire (401 → log in again), paged customers_list, the slow
 * connections_list, nodes_list sometimes wrapped in {data: …}, customer?doc_number=.
 */
import { randomBytes } from 'node:crypto';
import type { WorldConnection } from '../world/model.ts';
import type { World } from '../world/world.ts';
import { ispcubeConnection, ispcubeCustomer, ispcubeNode, ispcubePlan } from '../world/views.ts';
import { startHttpSim, type RunningHttpSim, type SimRequest, type SimResponse } from '../http/server.ts';

export interface IspcubeFaults {
  latencyMs: number;
  /** Extra delay of connections_list (it is slow on real instances). */
  connectionsLatencyMs: number;
  /** Answer the next N calls with 500. */
  serverErrorNext: number;
  /** The next customers_list page returns only this many rows (a truncated page). */
  truncateNextPage: number | null;
  /** customers_list sends customers without a name (a field renamed by a vendor upgrade). */
  namelessCustomers: boolean;
}

export interface IspcubeSimOptions {
  world: World;
  apiKey?: string;
  clientId?: string;
  username?: string;
  password?: string;
  tokenTtlSeconds?: number;
  /** Where each router's API is reachable (the simulators' ports in demo mode). */
  nodeAddress?: (routerId: number) => { ip: string; port: number } | undefined;
  /** nodes_list envelope: always wrapped, never, or alternating (real instances vary). */
  wrapNodes?: 'always' | 'never' | 'alternate';
  /** Listen address (default 127.0.0.1). */
  host?: string;
  faults?: Partial<IspcubeFaults>;
  port?: number;
}

export interface RunningIspcubeSim extends RunningHttpSim {
  faults: IspcubeFaults;
  /** Invalidate every token now (the next call gets 401). */
  expireTokens(): void;
  calls: { path: string; status: number }[];
  logins(): number;
}

export async function startIspcubeSim(options: IspcubeSimOptions): Promise<RunningIspcubeSim> {
  const { world } = options;
  const apiKey = options.apiKey ?? 'ispcube-api-key';
  const clientId = options.clientId ?? '77';
  const username = options.username ?? 'emerald';
  const password = options.password ?? 'emerald-pass';
  const ttl = (options.tokenTtlSeconds ?? 3600) * 1000;
  const faults: IspcubeFaults = {
    latencyMs: 0,
    connectionsLatencyMs: 0,
    serverErrorNext: 0,
    truncateNextPage: null,
    namelessCustomers: false,
    ...options.faults,
  };
  const tokens = new Map<string, number>();
  const log: { path: string; status: number }[] = [];
  let logins = 0;
  let nodesCalls = 0;
  const connectionsOf = new Map<number, WorldConnection[]>();
  for (const c of world.data.connections) connectionsOf.set(c.customerId, [...(connectionsOf.get(c.customerId) ?? []), c]);

  const headersOk = (req: SimRequest): boolean =>
    req.headers['api-key'] === apiKey && req.headers['client-id'] === clientId && req.headers['login-type'] === 'api';

  const route = (req: SimRequest): SimResponse => {
    const p = req.path.replace(/^\/api/, '');
    if (req.method === 'POST' && p === '/sanctum/token') {
      const b = (req.body ?? {}) as { username?: string; password?: string };
      if (!headersOk(req)) return { status: 401, body: { message: 'Invalid API key or client id' } };
      if (b.username !== username || b.password !== password)
        return { status: 401, body: { message: 'These credentials do not match our records.' } };
      logins++;
      const token = `${logins}|${randomBytes(20).toString('hex')}`;
      tokens.set(token, Date.now() + ttl);
      return { status: 200, body: { token } };
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expires = bearer ? tokens.get(bearer) : undefined;
    if (!bearer || !expires || expires < Date.now() || !headersOk(req) || req.headers.username !== username) {
      return { status: 401, body: { message: 'Unauthenticated.' } };
    }
    if (req.method !== 'GET') return { status: 405, body: { message: 'Method not allowed' } };
    if (p === '/customers/customers_list') {
      const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 500) || 500, 1), 1000);
      const offset = Math.max(Number(req.query.get('offset') ?? 0) || 0, 0);
      let page = world.data.customers.slice(offset, offset + limit);
      if (faults.truncateNextPage !== null) {
        page = page.slice(0, faults.truncateNextPage);
        faults.truncateNextPage = null;
      }
      // Some instances nest each customer's connections in the list too (every 7th here).
      const body = page.map((c) => ispcubeCustomer(c, c.id % 7 === 0 ? (connectionsOf.get(c.id) ?? []) : []));
      if (faults.namelessCustomers) for (const c of body) delete c.name;
      return { status: 200, body };
    }
    if (p === '/connections/connections_list') {
      return { status: 200, body: world.data.connections.map(ispcubeConnection), delayMs: faults.connectionsLatencyMs };
    }
    if (p === '/plans/plans_list') return { status: 200, body: world.data.plans.map(ispcubePlan) };
    if (p === '/nodes/nodes_list') {
      nodesCalls++;
      const nodes = world.data.routers.map((r) => ispcubeNode(r, options.nodeAddress?.(r.id)));
      const wrap = options.wrapNodes ?? 'alternate';
      return { status: 200, body: wrap === 'always' || (wrap === 'alternate' && nodesCalls % 2 === 1) ? { data: nodes } : nodes };
    }
    if (p === '/customer') {
      const doc = req.query.get('doc_number') ?? '';
      const c = world.data.customers.find((x) => x.docNumber === doc);
      if (!c) return { status: 404, body: { message: 'Customer not found' } };
      return {
        status: 200,
        body: ispcubeCustomer(
          c,
          world.data.connections.filter((x) => x.customerId === c.id),
        ),
      };
    }
    return { status: 404, body: { message: 'Not Found' } };
  };

  const sim = await startHttpSim(
    (req) => {
      let r: SimResponse;
      if (faults.serverErrorNext > 0 && req.path !== '/api/sanctum/token') {
        faults.serverErrorNext--;
        r = { status: 500, body: { message: 'Server Error' } };
      } else r = route(req);
      log.push({ path: req.path, status: r.status });
      return faults.latencyMs ? { ...r, delayMs: (r.delayMs ?? 0) + faults.latencyMs } : r;
    },
    { port: options.port, host: options.host },
  );
  return { ...sim, faults, calls: log, logins: () => logins, expireTokens: () => tokens.clear() };
}
