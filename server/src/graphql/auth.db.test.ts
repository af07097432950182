import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, errorCode, type TestApi } from '../../../test/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 20 });
});

const LOGIN = `mutation($u: String!, $p: String!, $t: Boolean) {
  login(username: $u, password: $p, returnToken: $t) {
    __typename
    ... on LoginSuccess { session { token expiresAt user { username role } } }
    ... on LoginError { code message retryAfterSeconds }
    ... on ValidationError { field code }
  }
}`;

async function login(username: string, password: string, headers: Record<string, string> = {}) {
  const res = await api.app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: LOGIN, variables: { u: username, p: password, t: false } }),
  });
  return { body: (await res.json()) as { data: { login: Record<string, any> } }, cookie: res.headers.get('set-cookie') };
}

describe('sign-in', () => {
  it('sets an httpOnly session cookie that authenticates the browser', async () => {
    const { body, cookie } = await login('soporte', 'emerald-demo');
    expect(body.data.login).toMatchObject({
      __typename: 'LoginSuccess',
      session: { token: null, user: { username: 'soporte', role: 'SUPPORT' } },
    });
    expect(cookie).toMatch(/^emerald_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const token = /emerald_session=([^;]+)/.exec(cookie!)![1]!;
    const me = await api.caller(null, { cookie: `other=1; emerald_session=${token}` }).query('{ me { username } }');
    expect(me.data).toEqual({ me: { username: 'soporte' } });
    // Only a hash of the token is stored.
    const stored = await api.db.pool.query('SELECT token_hash FROM user_sessions');
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(token);
  });

  it('gives scripts a bearer token when asked', async () => {
    const res = await api.anonymous.query<{ login: { session: { token: string } } }>(LOGIN, { u: 'noc', p: 'emerald-demo', t: true });
    const token = res.data!.login.session.token;
    expect((await api.caller(token).query('{ me { role } }')).data).toEqual({ me: { role: 'NOC' } });
  });

  it('answers the same for an unknown user and a wrong password', async () => {
    const unknown = await login('nobody', 'whatever-123');
    const wrong = await login('noc', 'wrong-password');
    expect(unknown.body.data.login).toEqual({
      __typename: 'LoginError',
      code: 'INVALID_CREDENTIALS',
      message: 'Wrong username or password. After repeated failures, sign-in pauses for a few minutes.',
      retryAfterSeconds: null,
    });
    expect(wrong.body.data.login).toEqual(unknown.body.data.login);
    expect(unknown.cookie).toBeNull();
  });

  // Pauses after repeated failures, address throttling and forged X-Forwarded-For: test/security/signIn.db.test.ts

  it('rejects empty input as a validation error', async () => {
    expect((await login('', 'x')).body.data.login).toEqual({ __typename: 'ValidationError', field: 'username', code: 'TOO_SHORT' });
  });

  it('ends the session on logout', async () => {
    const caller = await api.as('admin');
    const fresh = await api.anonymous.query<{ login: { session: { token: string } } }>(LOGIN, { u: 'admin', p: 'emerald-demo', t: true });
    const token = fresh.data!.login.session.token;
    expect((await api.caller(token).query('mutation { logout }')).data).toEqual({ logout: true });
    expect(errorCode(await api.caller(token).query('{ me { username } }'))).toBe('UNAUTHENTICATED');
    expect((await caller.query('{ me { username } }')).data).toEqual({ me: { username: 'admin' } });
  });

  it('refuses everything but health and login without credentials', async () => {
    expect((await api.anonymous.query('{ health { ok } }')).data).toEqual({ health: { ok: true } });
    const res = await api.anonymous.query('{ me { username } }');
    expect(res.errors?.[0]).toMatchObject({ message: 'Sign in first', extensions: { code: 'UNAUTHENTICATED' } });
    expect(errorCode(await api.caller('garbage-token').query('{ me { username } }'))).toBe('UNAUTHENTICATED');
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, limited by scope, and stop working when revoked', async () => {
    const admin = await api.as('admin');
    const created = await admin.query<{
      createApiKey: { created: { token: string; apiKey: { id: string; prefix: string; scopes: string[] } } };
    }>(
      'mutation { createApiKey(input: { name: "monitoring", scopes: [READ] }) { ... on CreateApiKeySuccess { created { token apiKey { id prefix scopes } } } } }',
    );
    const { token, apiKey } = created.data!.createApiKey.created;
    expect(token).toMatch(/^emk_[0-9a-f]{12}_[\w-]{43}$/);
    expect(token.startsWith(`${apiKey.prefix}_`)).toBe(true);
    const stored = await api.db.pool.query('SELECT secret_hash FROM api_keys WHERE prefix = $1', [apiKey.prefix.slice(4)]);
    // The secret is what follows the prefix (it may itself contain "_").
    const secret = token.slice(`${apiKey.prefix}_`.length);
    expect(secret).toHaveLength(43);
    expect(stored.rows[0].secret_hash).not.toContain(secret);

    const key = api.caller(token);
    expect((await key.query('{ me { username } }')).data).toEqual({ me: { username: 'admin' } });
    // READ only: no mutations, even though the owner is an admin.
    expect(errorCode(await key.query('mutation { requestSync(input: { source: ISPCUBE }) { __typename } }'))).toBe('FORBIDDEN');
    // The secret is never readable again.
    const listed = await admin.query<{ apiKeys: Record<string, unknown>[] }>('{ apiKeys { name prefix scopes lastUsedAt } }');
    expect(JSON.stringify(listed)).not.toContain(secret);

    await admin.query(`mutation { revokeApiKey(id: "${apiKey.id}") { __typename } }`);
    expect(errorCode(await key.query('{ me { username } }'))).toBe('UNAUTHENTICATED');
    const again = await admin.query<{ revokeApiKey: { __typename: string; code: string } }>(
      `mutation { revokeApiKey(id: "${apiKey.id}") { __typename ... on Error { code } } }`,
    );
    expect(again.data!.revokeApiKey).toEqual({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION' });
  });

  it('expire', async () => {
    const admin = await api.as('admin');
    const past = await admin.query<{ createApiKey: { __typename: string; field: string; code: string } }>(
      'mutation { createApiKey(input: { name: "old", scopes: [READ], expiresAt: "2020-01-01T00:00:00Z" }) { __typename ... on ValidationError { field code } } }',
    );
    expect(past.data!.createApiKey).toEqual({ __typename: 'ValidationError', field: 'input.expiresAt', code: 'IN_THE_PAST' });
    const expiresAt = new Date(Date.now() + 1500);
    const created = await admin.query<{ createApiKey: { created: { token: string; apiKey: { id: string } } } }>(
      `mutation { createApiKey(input: { name: "short", scopes: [READ, WRITE], expiresAt: "${expiresAt.toISOString()}" }) { ... on CreateApiKeySuccess { created { token apiKey { id } } } } }`,
    );
    const token = created.data!.createApiKey.created.token;
    expect((await api.caller(token).query('{ me { username } }')).data).toEqual({ me: { username: 'admin' } });
    // Refused from its expiry on, even though its owner's access is cached (AUTH_CACHE_SECONDS): an entry never outlives the key.
    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    expect(errorCode(await api.caller(token).query('{ me { username } }'))).toBe('UNAUTHENTICATED');
  });
});

describe('users', () => {
  it('enforces password rules and unique usernames, and signs a deactivated user out', async () => {
    const admin = await api.as('admin');
    const weak = await admin.query<{ createUser: Record<string, unknown> }>(
      'mutation { createUser(input: { username: "maria", name: "María", role: SUPPORT, password: "maria12345" }) { __typename ... on ValidationError { field code message } } }',
    );
    expect(weak.data!.createUser).toEqual({
      __typename: 'ValidationError',
      field: 'input.password',
      code: 'CONTAINS_USERNAME',
      message: 'Password must not contain the username',
    });
    const ok = await admin.query<{ createUser: { user: { id: string; username: string } } }>(
      'mutation { createUser(input: { username: "Maria.G", name: "María García", role: SUPPORT, password: "una clave larga" }) { ... on CreateUserSuccess { user { id username } } } }',
    );
    expect(ok.data!.createUser.user.username).toBe('maria.g');
    const dup = await admin.query<{ createUser: Record<string, unknown> }>(
      'mutation { createUser(input: { username: "maria.g", name: "Otra", role: NOC, password: "otra clave larga" }) { __typename ... on ValidationError { field code } } }',
    );
    expect(dup.data!.createUser).toEqual({ __typename: 'ValidationError', field: 'input.username', code: 'TAKEN' });

    const maria = await api.as('maria.g', 'una clave larga');
    expect((await maria.query('{ me { name } }')).data).toEqual({ me: { name: 'María García' } });
    // Users change their own profile, not their role.
    const selfPromote = await maria.query<{ updateUser: { __typename: string } }>(
      `mutation { updateUser(input: { id: "${ok.data!.createUser.user.id}", role: ADMIN }) { __typename } }`,
    );
    expect(selfPromote.data!.updateUser.__typename).toBe('NotFoundError');
    await admin.query(`mutation { deactivateUser(id: "${ok.data!.createUser.user.id}") { __typename } }`);
    expect(errorCode(await maria.query('{ me { name } }'))).toBe('UNAUTHENTICATED');
  });

  it('never leaves the system without an admin', async () => {
    const admin = await api.as('admin');
    const me = await admin.query<{ me: { id: string } }>('{ me { id } }');
    const res = await admin.query<{ deactivateUser: Record<string, unknown> }>(
      `mutation { deactivateUser(id: "${me.data!.me.id}") { __typename ... on Error { code message } } }`,
    );
    expect(res.data!.deactivateUser).toEqual({
      __typename: 'InvalidTransitionError',
      code: 'INVALID_TRANSITION',
      message: 'This is the last active admin: make someone else admin first',
    });
  });
});
