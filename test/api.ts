/**
 * An in-process Emerald API on a fresh test database (real PostgreSQL, real Yoga
 * request path), with helpers to call it as anyone. Optionally loaded with demo data.
 */
import type { SimulatedIsp } from '../simulators/isp.ts';
import { demoControl } from '../server/src/demo/control.ts';
import { afterAll } from 'vitest';
import { createLogger } from '../server/src/logger.ts';
import { loadConfig, type Config } from '../server/src/config.ts';
import { DEMO_PASSWORD } from '../server/src/demo/owned.ts';
import { seedDemo, type DemoSeedSummary } from '../server/src/demo/seed.ts';
import { buildApp, type App } from '../server/src/http/app.ts';
import { createVendors, endpointsFromConfig, type VendorEndpoints } from '../server/src/vendors/factory.ts';
import { createEventBus, type BusOptions } from '../server/src/realtime/bus.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import type { Services } from '../server/src/services.ts';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface Caller {
  token: string | null;
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
}

export interface TestApi extends TestDatabase {
  app: App;
  services: Services;
  config: Config;
  seeded: DemoSeedSummary | null;
  anonymous: Caller;
  /** A caller with the bearer token of `username` (logged in through the login mutation). */
  as(username: string, password?: string): Promise<Caller>;
  caller(token: string | null, headers?: Record<string, string>): Caller;
  /** Log lines (JSON objects) the server wrote. */
  logs: Record<string, unknown>[];
  /** Count SQL statements run while `fn` runs. */
  countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
}

export async function createTestApi(
  options: {
    subscribers?: number;
    seed?: number;
    env?: Record<string, string>;
    endpoints?: VendorEndpoints;
    simulatedIsp?: SimulatedIsp;
    bus?: BusOptions;
  } = {},
): Promise<TestApi> {
  const statements: string[] = [];
  let counting = false;
  const config = loadConfig({ LOG_LEVEL: 'silent', ...options.env });
  const database = await createTestDatabase({
    poolSize: 8,
    onQuery: (sql) => counting && statements.push(sql),
    statementTimeoutMs: config.database.statementTimeoutMs,
    poolTimeoutMs: config.database.poolTimeoutMs,
  });
  const jobs = createJobQueue(database.db.pool);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('info', {
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const vendors = createVendors(database.db, options.endpoints ?? endpointsFromConfig(config));
  const services: Services = {
    config,
    db: database.db,
    log,
    startedAt: new Date(),
    version: 'test',
    jobs,
    vendors,
    ...(options.simulatedIsp ? { demo: demoControl(options.simulatedIsp) } : {}),
  };
  const seeded = options.subscribers ? await seedDemo(database.db, { subscribers: options.subscribers, seed: options.seed ?? 42 }) : null;
  services.bus = createEventBus(database.db, database.url, log, options.bus);
  const app = buildApp(services, { clientDir: null });
  afterAll(async () => {
    await services.bus?.stop();
    await jobs.release();
    await vendors.close();
  });

  const caller = (token: string | null, headers: Record<string, string> = {}): Caller => ({
    token,
    async query(query, variables = {}) {
      const res = await app.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
  });
  const tokens = new Map<string, string>();
  return {
    ...database,
    app,
    services,
    config,
    seeded,
    anonymous: caller(null),
    logs,
    caller,
    async as(username, password = DEMO_PASSWORD) {
      let token = tokens.get(username);
      if (!token) {
        const res = await caller(null).query<{ login: { __typename: string; session?: { token: string }; message?: string } }>(
          'mutation($u: String!, $p: String!) { login(username: $u, password: $p, returnToken: true) { __typename ... on LoginSuccess { session { token } } ... on Error { message } } }',
          { u: username, p: password },
        );
        token = res.data?.login.session?.token;
        if (!token) throw new Error(`cannot sign in as ${username}: ${JSON.stringify(res)}`);
        tokens.set(username, token);
      }
      return caller(token);
    },
    async countStatements(fn) {
      statements.length = 0;
      counting = true;
      try {
        const result = await fn();
        return { result, statements: [...statements] };
      } finally {
        counting = false;
      }
    },
  };
}

/** The `extensions.code` of the first error, or null. */
export function errorCode(res: GraphQLResponse): string | null {
  return (res.errors?.[0]?.extensions?.code as string | undefined) ?? null;
}
