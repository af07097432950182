/**
 * Attacks on the live WebSocket: huge messages, idle unauthenticated sockets, subscription
 * floods, access that ended or changed while a socket stayed open, and one user reading
 * another's results through the shared subscription executions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningApp } from '../../server/src/http/app.ts';
import { ACCESS_CHANGED, ACCESS_ENDED, INIT_TIMEOUT_MS, MAX_PAYLOAD } from '../../server/src/http/websocket.ts';
import { createTestApi, type TestApi } from '../api.ts';
import { collect, until, wsClient } from '../ws.ts';

let api: TestApi;
let server: RunningApp;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 40, env: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', WS_MAX_SUBSCRIPTIONS_PER_USER: '5' } });
  server = await api.app.start(0);
});
afterAll(async () => {
  await server?.stop();
});

const wsUrl = () => `${server.url.replace('http', 'ws')}/graphql`;

/** A raw graphql-transport-ws socket; resolves with its close code. */
function rawSocket(onOpen: (ws: WebSocket) => void): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(), 'graphql-transport-ws');
    ws.on('open', () => onOpen(ws));
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => {});
  });
}

async function signIn(username: string, password = 'emerald-demo'): Promise<string> {
  const res = await api.anonymous.query<{ login: { session: { token: string } } }>(
    `mutation { login(username: "${username}", password: "${password}", returnToken: true) { ... on LoginSuccess { session { token } } } }`,
  );
  return res.data!.login.session.token;
}

const SUMMARY = 'subscription { networkSummary { onus { online } } }';

describe('limits of a socket', () => {
  // Before: ws accepted messages up to 100 MiB.
  it(`closes a socket that sends a message over ${MAX_PAYLOAD / 1024} kB`, async () => {
    const code = await rawSocket((ws) =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(MAX_PAYLOAD + 1) } })),
    );
    expect(code).toBe(1009); // message too big
  });

  it(`closes a socket that has not authenticated within ${INIT_TIMEOUT_MS / 1000} s`, async () => {
    const code = await rawSocket(() => {});
    expect(code).toBe(4408); // connection initialisation timeout
  });

  // Before: unlimited subscriptions per socket.
  it('caps subscriptions per socket and per user', async () => {
    const token = await signIn('noc');
    const a = wsClient(server.url, token);
    const b = wsClient(server.url, token);
    const subs = [collect(a, SUMMARY), collect(a, SUMMARY), collect(a, SUMMARY)];
    await until('three subscriptions', () => subs.every((s) => s.messages.length > 0));
    const fourth = collect(a, SUMMARY);
    await fourth.done;
    expect(fourth.messages[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS' });
    const others = [collect(b, SUMMARY), collect(b, SUMMARY)];
    await until('five in all', () => others.every((s) => s.messages.length > 0));
    const sixth = collect(b, SUMMARY);
    await sixth.done;
    expect(sixth.messages[0]?.errors?.[0]?.message).toMatch(/per user/);
    // The first ones still run.
    expect(subs[0]!.messages[0]?.data).toBeTruthy();
    await a.dispose();
    await b.dispose();
    await until('the sockets to be gone', () => api.app.websocket.stats().sockets === 0);
    // Their subscriptions leave the event bus at once, not at their topic's next event.
    await until('the bus to forget them', () => api.services.bus?.stats().subscribers === 0, 1_000);
  });
});

describe('access that changes while a socket is open', () => {
  /** Sign `username` in, open a socket with a subscription, and report when the socket closes. */
  async function live(username: string, tokenOverride?: string) {
    const token = tokenOverride ?? (await signIn(username));
    let closedWith: number | null = null;
    const client = wsClient(server.url, token, { onClosed: (code) => (closedWith ??= code) });
    const sub = collect(client, SUMMARY);
    await until('the first summary', () => sub.messages.length > 0);
    expect(sub.messages[0]).toMatchObject({ data: expect.anything() });
    return { token, closed: () => closedWith, client };
  }

  // Before: the actor read at connect time was kept for the socket's whole life.
  it('ends the sockets of a session at sign-out, within a second', async () => {
    const s = await live('noc');
    await api.caller(s.token).query('mutation { logout }');
    await until('the socket to close', () => s.closed() !== null, 1_000);
    expect(s.closed()).toBe(ACCESS_ENDED);
  });

  it('ends the sockets of a deactivated user and of one whose role changed', async () => {
    const admin = await api.as('admin');
    const created = await admin.query<{ createUser: { user: { id: string } } }>(
      'mutation { createUser(input: { username: "ana.noc", name: "Ana NOC", role: NOC, password: "una clave larga" }) { ... on CreateUserSuccess { user { id } } } }',
    );
    const id = created.data!.createUser.user.id;
    const asNoc = await live('ana.noc', await signIn('ana.noc', 'una clave larga'));
    await admin.query(`mutation { updateUser(input: { id: "${id}", role: TECHNICIAN }) { __typename } }`);
    await until('the socket to close after the role change', () => asNoc.closed() !== null, 1_000);
    expect(asNoc.closed()).toBe(ACCESS_CHANGED);
    // Reconnecting gives the new role: a technician may not watch the network.
    const again = wsClient(server.url, asNoc.token);
    const refused = collect(again, SUMMARY);
    await refused.done;
    expect(refused.messages[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await again.dispose();

    await admin.query(`mutation { updateUser(input: { id: "${id}", role: NOC }) { __typename } }`);
    const back = await live('ana.noc', await signIn('ana.noc', 'una clave larga'));
    await admin.query(`mutation { deactivateUser(id: "${id}") { __typename } }`);
    await until('the socket to close after deactivation', () => back.closed() !== null, 1_000);
    expect(back.closed()).toBe(ACCESS_ENDED);
  });

  it('ends the sockets of a revoked API key, and of a session when it expires', async () => {
    const admin = await api.as('admin');
    const key = await admin.query<{ createApiKey: { created: { token: string; apiKey: { id: string } } } }>(
      'mutation { createApiKey(input: { name: "wall", scopes: [READ] }) { ... on CreateApiKeySuccess { created { token apiKey { id } } } } }',
    );
    const { token, apiKey } = key.data!.createApiKey.created;
    const viaKey = await live('admin', token);
    await admin.query(`mutation { revokeApiKey(id: "${apiKey.id}") { __typename } }`);
    await until('the key socket to close', () => viaKey.closed() !== null, 1_000);
    expect(viaKey.closed()).toBe(ACCESS_ENDED);

    const expiring = await signIn('soporte');
    await api.db.pool.query(
      `UPDATE user_sessions SET expires_at = now() + interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
      [expiring],
    );
    const s = await live('soporte', expiring);
    await until('the expired session socket to close', () => s.closed() !== null, 2_500);
    expect(s.closed()).toBe(ACCESS_ENDED);
  });
});

describe('shared subscription executions', () => {
  // Before: results were shared by role, so a NOC operator saw another's e-mail address.
  it('never hands one user a result computed for another', async () => {
    const admin = await api.as('admin');
    await admin.query(
      'mutation { createUser(input: { username: "noc.b", name: "NOC B", role: NOC, email: "noc.b@isp.example", password: "otra clave larga" }) { __typename } }',
    );
    await admin.query(
      'mutation { createUser(input: { username: "noc.a", name: "NOC A", role: NOC, email: "noc.a@isp.example", password: "una clave larga" }) { __typename } }',
    );
    const tokenA = await signIn('noc.a', 'una clave larga');
    const tokenB = await signIn('noc.b', 'otra clave larga');
    const doc = 'subscription { syncRunChanged { runs { id requestedBy { username email } } } }';
    const a = wsClient(server.url, tokenA);
    const b = wsClient(server.url, tokenB);
    const seenByA = collect(a, doc);
    const seenByB = collect(b, doc);
    await until('both subscribed', () => (api.services.bus?.stats().subscribers ?? 0) >= 2);
    await api.caller(tokenA).query('mutation { requestSync(input: { source: ISPCUBE }) { __typename } }');
    await until('both got the run', () => seenByA.messages.length > 0 && seenByB.messages.length > 0);
    expect(seenByA.messages[0]).toMatchObject({ data: expect.anything() });
    expect(seenByB.messages[0]).toMatchObject({ data: expect.anything() });
    const item = (m: (typeof seenByA.messages)[number]) =>
      (m.data as { syncRunChanged: { runs: { requestedBy: { email: string | null } }[] } }).syncRunChanged.runs[0]!;
    expect(item(seenByA.messages[0]!).requestedBy.email).toBe('noc.a@isp.example');
    expect(item(seenByB.messages[0]!).requestedBy.email).toBeNull();
    await a.dispose();
    await b.dispose();
  });
});
