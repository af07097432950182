/**
 * The main screens' SQL statement budget (a regression shows here, not only in a benchmark),
 * and the in-memory caches that keep it low — the caller's session and the sources'
 * freshness — never serving a revoked access or a stale freshness past their bound.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, errorCode, type Caller, type TestApi } from '../../../test/api.ts';
import { EVENTS_CHANNEL } from '../events/topics.ts';
import { CUSTOMER_PAGE, ONUS_BY_PON as ONU_PAGE } from '../../../bench/screens.ts';

let api: TestApi;
let support: Caller;
let customerId: string;
let ponPortId: string;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 200 });
  await api.services.bus!.ready();
  support = await api.as('soporte');
  const row = (
    await api.db.pool.query(
      'SELECT c.customer_id AS id, o.pon_port_id AS port FROM connections c JOIN onus o ON o.connection_id = c.id LIMIT 1',
    )
  ).rows[0];
  customerId = encodeGlobalID('Customer', String(row.id));
  ponPortId = encodeGlobalID('PonPort', String(row.port));
});

describe('statements per screen', () => {
  it('the customer page and the ONUs of a PON port are one statement each, once the caches are warm', async () => {
    await support.query(CUSTOMER_PAGE, { id: customerId });
    const customer = await api.countStatements(() => support.query(CUSTOMER_PAGE, { id: customerId }));
    expect(customer.result.errors ?? []).toEqual([]);
    expect(customer.statements).toHaveLength(1);
    // Only the columns asked for: never the vendor payload.
    expect(customer.statements[0]).not.toMatch(/"raw"/);
    const onus = await api.countStatements(() => support.query(ONU_PAGE, { p: ponPortId }));
    expect(onus.result.errors ?? []).toEqual([]);
    expect(onus.statements).toHaveLength(1);
    expect(onus.statements.join('\n')).not.toMatch(/"raw"/);
    // The regular executor (GRAPHQL_COMPILED_READS=off): one for the customer page (Prisma's
    // joins), two for the ONUs (rows and count).
    api.config.http.compiledReads = false;
    try {
      expect((await api.countStatements(() => support.query(CUSTOMER_PAGE, { id: customerId }))).statements).toHaveLength(1);
      expect((await api.countStatements(() => support.query(ONU_PAGE, { p: ponPortId }))).statements).toHaveLength(2);
    } finally {
      api.config.http.compiledReads = true;
    }
    // Asked for, the payload is loaded.
    const withPayload = await api.countStatements(() =>
      support.query('query($p: ID!) { onus(first: 1, filter: { ponPortId: $p }) { nodes { vendorPayload } } }', { p: ponPortId }),
    );
    expect(withPayload.statements.join('\n')).toMatch(/"raw"/);
  });
});

describe('the caller cache', () => {
  it('looks a token up once, and ends access at once on sign-out', async () => {
    const caller = api.caller(
      (
        await api.anonymous.query<{ login: { session: { token: string } } }>(
          'mutation { login(username: "soporte", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
        )
      ).data!.login.session.token,
    );
    await caller.query('{ me { username } }');
    const cached = await api.countStatements(() => caller.query('{ me { username } }'));
    expect(cached.statements.filter((s) => /user_sessions/.test(s))).toEqual([]);
    expect((await caller.query('mutation { logout }')).errors ?? []).toEqual([]);
    expect(errorCode(await caller.query('{ me { username } }'))).toBe('UNAUTHENTICATED');
  });

  it('drops a user whose access another process changed, as soon as the bus says so', async () => {
    const caller = api.caller(
      (
        await api.anonymous.query<{ login: { session: { token: string } } }>(
          'mutation { login(username: "noc", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
        )
      ).data!.login.session.token,
    );
    expect((await caller.query<{ me: { username: string } }>('{ me { username } }')).data!.me.username).toBe('noc');
    // Another process signs every session of the user out: rows gone, an `auth` event on the bus.
    const user = (await api.db.pool.query<{ id: number }>(`SELECT id FROM users WHERE username = 'noc'`)).rows[0]!.id;
    await api.db.pool.query('DELETE FROM user_sessions WHERE user_id = $1', [user]);
    await api.db.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ t: 'auth', userId: user })]);
    await expect
      .poll(
        async () => errorCode(await caller.query('{ me { username } }')),
        { timeout: 2000, interval: 20 } /* well inside AUTH_CACHE_SECONDS */,
      )
      .toBe('UNAUTHENTICATED');
  });
});

describe('the freshness cache', () => {
  it('shows a sync that just finished: a sync_run event reloads it', async () => {
    const read = async () =>
      (await support.query<{ customer: { connections: { session: { observedAt: string } | null }[] } }>(CUSTOMER_PAGE, { id: customerId }))
        .data!.customer;
    await read();
    const at = new Date(Date.now() + 60_000); // unmistakable
    await api.db.pool.query(`UPDATE source_freshness SET last_success_at = $1 WHERE source = 'SMARTOLT' AND kind = 'ONU_STATUS'`, [at]);
    await api.db.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ t: 'sync_run', id: 1 })]);
    await expect
      .poll(
        async () => {
          const c = await support.query<{ customer: { connections: { onu: { status: { observedAt: string } } | null }[] } }>(
            CUSTOMER_PAGE,
            {
              id: customerId,
            },
          );
          return c.data!.customer.connections.find((x) => x.onu)?.onu?.status.observedAt;
        },
        { timeout: 3000, interval: 20 },
      )
      .toBe(at.toISOString());
  });
});
