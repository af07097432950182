/** Query limits are enforced before anything runs; internal errors are masked with a traceable id. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, errorCode, type Caller, type TestApi } from '../../../test/api.ts';
import { LIMITS } from './builder.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 120, env: { NODE_ENV: 'production', EMERALD_DEMO: 'off' } });
  admin = await api.as('admin');
});

/** Run `query` and return the error plus the SQL it caused besides the sign-in lookup. */
async function rejected(query: string) {
  const { result, statements } = await api.countStatements(() => admin.query(query));
  return { result, work: statements.filter((s) => !/user_sessions|api_keys/.test(s)) };
}

describe('query limits', () => {
  it('rejects a query that is too deep, before touching the database', async () => {
    const deep = `{ customers(first: 1) { nodes { connections { customer { connections { customer { connections { customer { connections { customer { connections { customer { name } } } } } } } } } } } } }`;
    const { result, work } = await rejected(deep);
    expect(errorCode(result)).toBe('QUERY_TOO_COMPLEX');
    expect(result.errors![0]!.message).toMatch(new RegExp(`^Query is too deep: depth \\d+ exceeds ${LIMITS.depth}$`));
    expect(work).toEqual([]);
  });

  it("lets the monitor's search page ask for its 50 hits (the page size is counted once)", async () => {
    const source = fs.readFileSync(path.resolve(import.meta.dirname, '../../../client/src/search.tsx'), 'utf8');
    const doc = /graphql\(`([\s\S]*?)`\)/.exec(source)![1]!;
    const res = await admin.query(doc, { q: 'mar', first: 50 });
    expect(res.errors ?? []).toEqual([]);
  });

  it('prices lists by their page size', async () => {
    const small = await admin.query(
      '{ customers(first: 5) { nodes { name tickets(first: 5) { nodes { subject timeline(first: 5) { nodes { body } } } } } } }',
    );
    expect(small.errors ?? []).toEqual([]);
    const { result, work } = await rejected(
      '{ customers(first: 100) { nodes { name tickets(first: 100) { nodes { subject timeline(first: 100) { nodes { body } } } } } } }',
    );
    expect(errorCode(result)).toBe('QUERY_TOO_COMPLEX');
    expect(result.errors![0]!.message).toMatch(/^Query is too expensive: cost \d+ exceeds 5000 \(lists multiply by their page size\)$/);
    expect(work).toEqual([]);
  });

  it('rejects too many aliases and tokens', async () => {
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: health { ok }`).join(' ')} }`;
    const { result, work } = await rejected(aliases);
    expect(result.errors![0]!.message).toMatch(/aliases/i);
    expect(work).toEqual([]);
    const tokens = `{ health { ${Array.from({ length: 6000 }, () => 'ok').join(' ')} } }`;
    expect((await admin.query(tokens)).errors![0]!.message).toMatch(/token/i);
  });

  it('caps the page size at 100', async () => {
    const { result: res, work } = await rejected('{ onus(first: 101) { nodes { serial } } }');
    expect(res.errors?.[0]).toMatchObject({
      message: 'first must be between 0 and 100 (page through the rest with after/before)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(work).toEqual([]);
    const ok = await admin.query<{ onus: { nodes: unknown[] } }>('{ onus(first: 100) { nodes { serial } } }');
    expect(ok.data!.onus.nodes).toHaveLength(100);
  });

  it('masks internal errors in production with a request id that matches the log line', async () => {
    await api.db.pool.query('ALTER TABLE plans RENAME TO plans_hidden');
    try {
      const res = await admin.query('{ plans { name } }');
      const error = res.errors![0]!;
      expect(error.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
      const requestId = error.extensions!.requestId as string;
      expect(error.message).toBe(`Unexpected error. (request ${requestId})`);
      expect(error.message).not.toMatch(/plans|relation|prisma/i);
      const line = api.logs.find((l) => l.requestId === requestId && l.msg === 'unexpected error while resolving');
      expect(line).toBeDefined();
      expect(JSON.stringify(line)).toMatch(/plans/);
    } finally {
      await api.db.pool.query('ALTER TABLE plans_hidden RENAME TO plans');
    }
  });
});

describe('N+1 guard', () => {
  const PAGE = (n: number) => `{
    customers(first: ${n}) { nodes {
      name phones { number }
      connections {
        pppoeUsername
        plan { name }
        router { name }
        onu { serial status { value since observedAt } signal { rxPower level } }
        session { address uptimeSeconds observedAt }
        pppSecret { name lastLoggedOut }
        tickets(first: 3, open: true) { totalCount nodes { subject status } }
      }
    } }
  }`;

  it('loads 100 customers with connections, plan, ONU, session and open tickets in as many statements as 10', async () => {
    await admin.query(PAGE(1)); // freshness is kept in memory after the first read: compare warm with warm
    const ten = await api.countStatements(() => admin.query(PAGE(10)));
    const hundred = await api.countStatements(() => admin.query(PAGE(100)));
    expect(ten.result.errors ?? []).toEqual([]);
    expect(hundred.result.errors ?? []).toEqual([]);
    expect((hundred.result.data as { customers: { nodes: unknown[] } }).customers.nodes).toHaveLength(100);
    expect(hundred.statements.length).toBe(ten.statements.length);
    expect(hundred.statements.length).toBeLessThanOrEqual(20);
  });
});
