/**
 * Attacks on sign-in and sessions. Each test is an attack Emerald withstands; each one
 * failed against the code before the security hardening (noted per test).
 */
import { scryptSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCRYPT } from '../../server/src/auth/password.ts';
import { clientAddressResolver } from '../../server/src/http/clientAddress.ts';
import { createTestApi, errorCode, type TestApi } from '../api.ts';

const LOGIN = `mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    __typename
    ... on LoginSuccess { session { user { username } } }
    ... on LoginError { code message retryAfterSeconds }
  }
}`;

/** The API sees the request coming from `address` (the test's peer, 127.0.0.1, is a trusted proxy). */
async function login(api: TestApi, username: string, password: string, address?: string) {
  const res = await api.app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(address ? { 'x-forwarded-for': address } : {}) },
    body: JSON.stringify({ query: LOGIN, variables: { u: username, p: password } }),
  });
  const body = (await res.json()) as { data: { login: Record<string, any> } };
  return { ...body.data.login, cookie: res.headers.get('set-cookie') } as Record<string, any>;
}

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 20, env: { TRUST_PROXY: '127.0.0.1' } });
});

const attempts = async (username: string) =>
  (
    await api.db.pool.query<{ failures: number; paused_for: number | null }>(
      `SELECT failures, extract(epoch FROM locked_until - now())::float AS paused_for FROM login_attempts WHERE username = $1`,
      [username],
    )
  ).rows[0];

describe('guessing passwords', () => {
  // Before: the counter was read and written back, so parallel guesses counted as one.
  it('counts 50 parallel wrong passwords one by one: sign-in pauses after 5, and only 5 passwords are checked', async () => {
    const guesses = await Promise.all(Array.from({ length: 50 }, (_, i) => login(api, 'tecnico2', `guess-${i}-xx`, `198.18.0.${i + 1}`)));
    expect(new Set(guesses.map((g) => g.code))).toEqual(new Set(['INVALID_CREDENTIALS']));
    const row = await attempts('tecnico2');
    expect(row?.failures).toBe(5);
    expect(row?.paused_for).toBeGreaterThan(20);
    expect(row?.paused_for).toBeLessThanOrEqual(30);
    // Even the right password is refused from an address the user never signed in from.
    expect((await login(api, 'tecnico2', 'emerald-demo', '198.18.1.1')).__typename).toBe('LoginError');
    const audit = await api.db.pool.query(
      `SELECT action FROM audit_entries WHERE entity_type = 'User' AND entity_id = (SELECT id::text FROM users WHERE username = 'tecnico2') AND action LIKE 'auth.%'`,
    );
    expect(audit.rows.filter((r) => r.action === 'auth.fail')).toHaveLength(4);
    expect(audit.rows.filter((r) => r.action === 'auth.pause')).toHaveLength(1);
  });

  // Before: LOCKED with a retry time for a real account, INVALID_CREDENTIALS for anyone else.
  it('answers a paused account exactly like a wrong password and like a user who does not exist', async () => {
    for (let i = 0; i < 5; i++) await login(api, 'noc', `wrong-${i}-xxxx`, '198.18.2.1');
    const { cookie: _a, ...paused } = await login(api, 'noc', 'emerald-demo', '198.18.2.2');
    const { cookie: _b, ...pausedWrong } = await login(api, 'noc', 'still-wrong-xx', '198.18.2.3');
    for (let i = 0; i < 5; i++) await login(api, 'no-such-user', `wrong-${i}-xxxx`, '198.18.2.4');
    const { cookie: _c, ...unknown } = await login(api, 'no-such-user', 'whatever-pass', '198.18.2.5');
    const { cookie: _d, ...fresh } = await login(api, 'never-seen', 'whatever-pass', '198.18.2.6');
    expect(paused).toEqual({ __typename: 'LoginError', code: 'INVALID_CREDENTIALS', message: expect.any(String), retryAfterSeconds: null });
    for (const other of [pausedWrong, unknown, fresh]) expect(other).toEqual(paused);
    // Unknown usernames are counted and paused the same way.
    expect((await attempts('no-such-user'))?.failures).toBe(5);
  });

  // Before: five guesses from anywhere locked an admin out for 15 minutes, doubling to hours.
  it('cannot keep an admin out from the address they work from, and an admin can lift a pause at once', async () => {
    const office = '198.18.3.1';
    expect((await login(api, 'admin', 'emerald-demo', office)).__typename).toBe('LoginSuccess');
    for (let i = 0; i < 8; i++) await login(api, 'admin', `attack-${i}-xxx`, `203.0.113.${i + 1}`);
    expect((await attempts('admin'))?.paused_for).toBeGreaterThan(0);
    expect((await login(api, 'admin', 'emerald-demo', '203.0.113.99')).__typename).toBe('LoginError');
    // The office still works, and signing in clears the failures.
    expect((await login(api, 'admin', 'emerald-demo', office)).__typename).toBe('LoginSuccess');
    expect(await attempts('admin')).toBeUndefined();

    for (let i = 0; i < 5; i++) await login(api, 'soporte', `attack-${i}-xxx`, '203.0.113.50');
    expect((await login(api, 'soporte', 'emerald-demo', '198.18.3.9')).__typename).toBe('LoginError');
    const admin = await api.as('admin');
    const user = (
      await admin.query<{ users: { nodes: { id: string; username: string; lockedUntil: string | null }[] } }>(
        '{ users(first: 50) { nodes { id username lockedUntil } } }',
      )
    ).data!.users.nodes.find((u) => u.username === 'soporte')!;
    expect(user.lockedUntil).not.toBeNull();
    const unlocked = await admin.query<{ unlockUser: { __typename: string } }>(`mutation { unlockUser(id: "${user.id}") { __typename } }`);
    expect(unlocked.data!.unlockUser.__typename).toBe('UnlockUserSuccess');
    expect((await login(api, 'soporte', 'emerald-demo', '198.18.3.9')).__typename).toBe('LoginSuccess');
  });

  // Before: any X-Forwarded-For value was a fresh per-address budget.
  it('ignores a forged X-Forwarded-For from a peer that is not a configured proxy', async () => {
    const direct = await createTestApi({ subscribers: 10 });
    for (let i = 0; i < 30; i++) await login(direct, `ghost${i}`, 'nope-nope-nope', `192.0.2.${i + 1}`);
    const next = await login(direct, `ghost-x`, 'nope-nope-nope', '192.0.2.200');
    expect(next).toMatchObject({ __typename: 'LoginError', code: 'TOO_MANY_ATTEMPTS' });
    // A configured proxy's header is believed: another client is not throttled.
    expect((await login(api, 'tecnico', 'emerald-demo', '198.18.4.1')).__typename).toBe('LoginSuccess');
  });

  it('takes the client from the right-most hop that is not a trusted proxy', () => {
    const ip = clientAddressResolver(['127.0.0.1', '10.0.0.0/8']);
    expect(ip('127.0.0.1', 'forged-by-client, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    expect(ip('::ffff:127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    expect(ip('198.51.100.1', '203.0.113.7')).toBe('198.51.100.1'); // not a proxy: header ignored
    expect(ip('127.0.0.1', '10.0.0.1, 10.0.0.2')).toBe('10.0.0.1');
    expect(clientAddressResolver([])('127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
  });
});

describe('sessions', () => {
  // Before: a stolen session could set a new password without knowing the current one.
  it('changing one’s own password needs the current password', async () => {
    const me = await api.as('tecnico');
    const id = (await me.query<{ me: { id: string } }>('{ me { id } }')).data!.me.id;
    const change = (extra: string) =>
      me.query<{ updateUser: { __typename: string; field?: string; code?: string } }>(
        `mutation { updateUser(input: { id: "${id}", password: "una nueva clave larga"${extra} }) { __typename ... on ValidationError { field code } } }`,
      );
    expect((await change('')).data!.updateUser).toEqual({
      __typename: 'ValidationError',
      field: 'input.currentPassword',
      code: 'REQUIRED',
    });
    expect((await change(', currentPassword: "not-my-password"')).data!.updateUser).toEqual({
      __typename: 'ValidationError',
      field: 'input.currentPassword',
      code: 'WRONG_PASSWORD',
    });
    expect((await change(', currentPassword: "emerald-demo"')).data!.updateUser.__typename).toBe('UpdateUserSuccess');
    expect((await login(api, 'tecnico', 'una nueva clave larga', '198.18.5.1')).__typename).toBe('LoginSuccess');
  });

  // Before: decodeURIComponent threw and every request answered INTERNAL_SERVER_ERROR.
  it('treats a malformed session cookie as no session at all', async () => {
    const broken = api.caller(null, { cookie: 'emerald_session=%E0%A4%A; theme=dark' });
    expect((await broken.query('{ health { ok } }')).data).toEqual({ health: { ok: true } });
    expect(errorCode(await broken.query('{ me { username } }'))).toBe('UNAUTHENTICATED');
  });

  // Before: hashes kept the cost they were made with (N = 2^15).
  it('upgrades a password hash made with cheaper scrypt parameters at the next sign-in', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const old = scryptSync('emerald-demo', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    await api.db.pool.query(`UPDATE users SET password_hash = $1 WHERE username = 'tecnico2'`, [
      `scrypt$16384$8$1$${salt.toString('base64')}$${old.toString('base64')}`,
    ]);
    await api.db.pool.query(`DELETE FROM login_attempts WHERE username = 'tecnico2'`);
    expect((await login(api, 'tecnico2', 'emerald-demo', '198.18.6.1')).__typename).toBe('LoginSuccess');
    const stored = (await api.db.pool.query(`SELECT password_hash FROM users WHERE username = 'tecnico2'`)).rows[0].password_hash as string;
    expect(stored.startsWith(`scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$`)).toBe(true);
    expect(SCRYPT.N).toBeGreaterThanOrEqual(2 ** 17); // OWASP's minimum for scrypt
    expect((await login(api, 'tecnico2', 'emerald-demo', '198.18.6.1')).__typename).toBe('LoginSuccess');
  });
});
