/**
 * The compiled read path against the regular executor, on the same data: every query is run
 * both ways (GRAPHQL_COMPILED_READS off, then on) and the whole responses — data and errors —
 * must be equal, for every role. Where the compiled path may answer, it must do so in one
 * statement; where it may not (technicians, fields it does not know, bad input), the regular
 * executor's answer comes back unchanged.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { type GraphQLObjectType, getNamedType, isObjectType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../schema/index.ts';
import { type Caller, createTestApi, type GraphQLResponse, type TestApi } from '../../../../test/api.ts';
import { CUSTOMER_PAGE, ONUS_BY_PON } from '../../../../bench/screens.ts';

let api: TestApi;
let callers: Record<string, Caller>;
let customers: string[];
let ports: string[];
let connections: string[];
let onus: string[];

beforeAll(async () => {
  api = await createTestApi({ subscribers: 300 });
  callers = {
    admin: await api.as('admin'),
    noc: await api.as('noc'),
    soporte: await api.as('soporte'),
    tecnico: await api.as('tecnico'),
  };
  const q = async (sql: string) => (await api.db.pool.query<{ id: number }>(sql)).rows.map((r) => r.id);
  // Customers with tickets, sessions, ONUs, several connections, and without.
  customers = (
    await q(`(SELECT customer_id AS id FROM tickets WHERE customer_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 8)
             UNION (SELECT customer_id FROM connections GROUP BY 1 HAVING count(*) > 1 LIMIT 5)
             UNION (SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM connections) LIMIT 2)
             UNION (SELECT id FROM customers ORDER BY id LIMIT 15)`)
  ).map((id) => encodeGlobalID('Customer', String(id)));
  ports = (await q('SELECT id FROM pon_ports ORDER BY id LIMIT 12')).map((id) => encodeGlobalID('PonPort', String(id)));
  connections = (
    await q(`(SELECT connection_id AS id FROM ppp_sessions WHERE connection_id IS NOT NULL LIMIT 5)
             UNION (SELECT id FROM connections WHERE router_id IS NULL LIMIT 3)
             UNION (SELECT connection_id FROM ppp_secrets WHERE connection_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 3)
             UNION (SELECT id FROM connections ORDER BY id LIMIT 6)`)
  ).map((id) => encodeGlobalID('Connection', String(id)));
  onus = (await q('(SELECT id FROM onus WHERE connection_id IS NULL LIMIT 3) UNION (SELECT id FROM onus ORDER BY id LIMIT 6)')).map((id) =>
    encodeGlobalID('Onu', String(id)),
  );
});

/** Seconds counted from "now" may tick between the two runs. */
function settle(a: unknown, b: unknown): void {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return;
  for (const key of Object.keys(a)) {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if ((key === 'uptimeSeconds' || key === 'ageSeconds') && typeof x === 'number' && typeof y === 'number' && Math.abs(x - y) <= 2) {
      (b as Record<string, unknown>)[key] = x;
    } else settle(x, y);
  }
}

interface Run {
  regular: GraphQLResponse;
  compiled: GraphQLResponse;
  /** Whether the compiled path answered (one statement, built by it). */
  answered: boolean;
}

async function both(caller: Caller, query: string, variables: Record<string, unknown> = {}): Promise<Run> {
  api.config.http.compiledReads = false;
  const regular = await caller.query(query, variables);
  api.config.http.compiledReads = true;
  const counted = await api.countStatements(() => caller.query(query, variables));
  const compiled = counted.result;
  settle(regular, compiled);
  // Besides the caches' own reloads (freshness every 2 s, the caller's session), one statement.
  const own = counted.statements.filter((s) => !/source_freshness|user_sessions|api_keys/.test(s));
  const answered = own.length === 1 && /^SELECT json_build_array/.test(own[0]!);
  return { regular, compiled, answered };
}

const CONNECTION_VIEW = `query($id: ID!) { connection(id: $id) {
  __typename id pppoeUsername connType address ipAddress latitude longitude goneAt
  customer { id name status debt speedLimited observedAt source }
  plan { id name speed } router { id name host }
  pppSecret { id name linked profile disabled lastLoggedOut lastCallerId lastDisconnectReason observedAt source }
  session { id username address callerId service sessionKey startedAt uptimeSeconds observedAt source }
  onu { id serial externalId name linked onuType onuIndex mode vlan zone
        status { value since observedAt ageSeconds source } signal { rxPower oltRxPower category level observedAt ageSeconds source }
        olt { id name } ponPort { id label board port olt { name } } }
  tickets(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id number subject status priority type createdAt updatedAt resolvedAt closedAt } } }
} }`;

const ONU_LIST = `query OnuList($filter: OnuFilter, $after: String) {
  onus(first: 100, after: $after, filter: $filter, orderBy: { field: PON_POSITION, direction: ASC }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ...Row }
  }
}
fragment Row on Onu { id serial name status { value since } signal { rxPower level } ponPort { label } connection { id pppoeUsername customer { name } } }`;

describe('compiled reads answer exactly what the executor answers', () => {
  it('the customer page, for every customer kind and role; one statement where the role allows', async () => {
    for (const id of customers) {
      for (const [who, caller] of Object.entries(callers)) {
        const run = await both(caller, CUSTOMER_PAGE, { id });
        expect(run.compiled, `${who} ${id}`).toEqual(run.regular);
        // Tickets are for admins and support; technicians' access depends on the row.
        expect(run.answered, `${who} ${id}`).toBe(who === 'admin' || who === 'soporte');
      }
    }
    // Tickets listed by number and subject: their long description and search text stay in PostgreSQL.
    const { statements } = await api.countStatements(() => callers.soporte!.query(CUSTOMER_PAGE, { id: customers[0] }));
    const select = statements.find((s) => s.startsWith('SELECT json_build_array'))!;
    expect(select).toContain('"subject"');
    expect(select).not.toMatch(/"description"|"search_text"/);
  });

  it('the ONUs of a PON port, and the monitor list with a fragment, filters and paging', async () => {
    for (const p of ports) {
      for (const [who, caller] of Object.entries(callers)) {
        const run = await both(caller, ONUS_BY_PON, { p });
        expect(run.compiled, `${who} ${p}`).toEqual(run.regular);
        expect(run.answered, who).toBe(who !== 'tecnico');
      }
      const list = await both(callers.noc!, ONU_LIST, { filter: { ponPortId: p, status: ['ONLINE', 'LOS'] } });
      expect(list.compiled).toEqual(list.regular);
      expect(list.answered).toBe(true);
    }
    // The whole list: more than a page, cursors equal; the next page goes to the executor.
    const first = await both(callers.noc!, ONU_LIST, {});
    expect(first.compiled).toEqual(first.regular);
    expect(first.answered).toBe(true);
    const page = (first.compiled.data as { onus: { pageInfo: { hasNextPage: boolean; endCursor: string } } }).onus.pageInfo;
    expect(page.hasNextPage).toBe(true);
    const second = await both(callers.noc!, ONU_LIST, { after: page.endCursor });
    expect(second.compiled).toEqual(second.regular);
    expect(second.answered).toBe(false);
  });

  it('connections and ONUs with every column, computed field, cursor and typename', async () => {
    for (const id of connections) {
      for (const who of ['admin', 'soporte', 'tecnico'] as const) {
        const run = await both(callers[who]!, CONNECTION_VIEW, { id });
        expect(run.compiled, `${who} ${id}`).toEqual(run.regular);
        expect(run.answered, `${who} ${id}`).toBe(who !== 'tecnico');
      }
    }
    for (const id of onus) {
      const run = await both(
        callers.noc!,
        `query($id: ID!) { onu(id: $id) { id serial vendorPayload goneAt s: status { v: value } connection { pppoeUsername plan { name } } ponPort { label } } }`,
        { id },
      );
      expect(run.compiled).toEqual(run.regular);
      expect(run.answered).toBe(true);
    }
  });

  it('leaves to the executor what it cannot answer up front, with the executor’s errors', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      // Malformed and foreign ids: typed input errors.
      ['soporte', CUSTOMER_PAGE, { id: 'not-an-id' }],
      ['soporte', CUSTOMER_PAGE, { id: encodeGlobalID('Onu', '1') }],
      // A NOC user may see customers but not tickets: FORBIDDEN on the tickets, the rest shown.
      ['noc', CUSTOMER_PAGE, { id: customers[0]! }],
      // Fields with no compiled shape (incidents, counts), and directives.
      ['admin', 'query($id: ID!) { connection(id: $id) { pppoeUsername openTicketCount openIncident { id } } }', { id: connections[0]! }],
      [
        'admin',
        'query($id: ID!, $x: Boolean!) { connection(id: $id) { pppoeUsername @include(if: $x) } }',
        { id: connections[0]!, x: true },
      ],
      // Page sizes out of range, and a filter the compiled path does not translate.
      ['noc', 'query($p: ID!) { onus(first: 101, filter: { ponPortId: $p }) { totalCount } }', { p: ports[0]! }],
      ['noc', '{ onus(first: 5, filter: { signalLevel: [CRITICAL] }) { totalCount nodes { serial } } }', {}],
    ];
    for (const [who, query, variables] of cases) {
      const run = await both(callers[who]!, query, variables);
      expect(run.compiled, query).toEqual(run.regular);
      expect(run.answered, query).toBe(false);
    }
    // Missing rows are null, in one statement.
    const missing = await both(callers.soporte!, CUSTOMER_PAGE, { id: encodeGlobalID('Customer', '999999') });
    expect(missing.compiled).toEqual({ data: { customer: null } });
    expect(missing.answered).toBe(true);
  });

  it('a page size out of range goes to the executor without keeping other sizes of the same document from being compiled', async () => {
    const query = 'query($p: ID!, $n: Int) { onus(first: $n, filter: { ponPortId: $p }) { totalCount nodes { serial } } }';
    const tooBig = await both(callers.noc!, query, { p: ports[1]!, n: 101 });
    expect(tooBig.compiled).toEqual(tooBig.regular);
    expect(tooBig.regular.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooBig.answered).toBe(false);
    for (const n of [5, 100]) {
      const run = await both(callers.noc!, query, { p: ports[1]!, n });
      expect(run.compiled).toEqual(run.regular);
      expect(run.answered, `first: ${n}`).toBe(true);
    }
  });

  it('loads for an object-valued field only the columns of the sub-fields asked, and answers each sub-field alone as the executor does', async () => {
    // Every field that declares per-sub-field columns is covered here.
    const declaring: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) if (field.extensions.selectFor) declaring.push(`${type.name}.${field.name}`);
    }
    expect(declaring.sort()).toEqual(['Onu.signal', 'Onu.status']);
    // Readings the mapping must get right: no signal, never confirmed, confirmed before the last sync.
    await api.db.pool.query(
      `UPDATE onus SET rx_power = NULL, signal_observed_at = NULL WHERE id IN (SELECT id FROM onus ORDER BY id LIMIT 3)`,
    );
    await api.db.pool.query(`UPDATE onus SET status_observed_at = NULL WHERE id IN (SELECT id FROM onus ORDER BY id DESC LIMIT 3)`);
    await api.db.pool.query(
      `UPDATE onus SET status_observed_at = now() - interval '3 days' WHERE id IN (SELECT id FROM onus ORDER BY id LIMIT 6 OFFSET 3)`,
    );
    const onu = schema.getType('Onu') as GraphQLObjectType;
    for (const fieldName of ['status', 'signal']) {
      const field = onu.getFields()[fieldName]!;
      const selectFor = field.extensions.selectFor as Record<string, string[]>;
      const reading = getNamedType(field.type) as GraphQLObjectType;
      expect(Object.keys(selectFor).sort(), fieldName).toEqual(Object.keys(reading.getFields()).sort());
      for (const sub of Object.keys(reading.getFields())) {
        const query = `{ onus(first: 100, orderBy: { field: SERIAL }) { nodes { serial ${fieldName} { ${sub} } } } }`;
        const run = await both(callers.noc!, query);
        expect(run.compiled, query).toEqual(run.regular);
        expect(run.answered, query).toBe(true);
      }
    }
    // `status { value }` reads the state alone: not when it was seen, nor the OLT.
    const { statements } = await api.countStatements(() => callers.noc!.query('{ onus(first: 5) { nodes { status { value } } } }'));
    const select = statements.find((s) => s.startsWith('SELECT json_build_array'))!;
    expect(select).toContain('"status"');
    expect(select).not.toMatch(/status_observed_at|status_changed_at|olt_id|rx_power/);
  });

  it('never answers a caller the executor would refuse', async () => {
    const key = await callers.admin!.query<{ createApiKey: { created: { token: string } } }>(
      'mutation { createApiKey(input: { name: "write-only", scopes: [WRITE] }) { ... on CreateApiKeySuccess { created { token } } } }',
    );
    const writeOnly = api.caller(key.data!.createApiKey.created.token);
    const anonymous = api.anonymous;
    for (const caller of [writeOnly, anonymous]) {
      const run = await both(caller, ONUS_BY_PON, { p: ports[0]! });
      expect(run.compiled).toEqual(run.regular);
      expect(run.regular.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
      expect(run.answered).toBe(false);
    }
  });
});
