/**
 * Attacks from other web pages and on the transport: a foreign origin using a signed-in
 * user's cookie (HTTP and WebSocket), simple requests that skip the CORS preflight, framing,
 * and what anonymous visitors may learn (GraphiQL, introspection). Real HTTP on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningApp } from '../../server/src/http/app.ts';
import { createTestApi, type TestApi } from '../api.ts';

let api: TestApi;
let server: RunningApp;
let prod: TestApi;
let prodServer: RunningApp;
let cookie: string;
let token: string;
const EVIL = 'http://evil.example';
const PARTNER = 'https://noc-wall.isp.example';

beforeAll(async () => {
  api = await createTestApi({ subscribers: 20, env: { CORS_ORIGINS: PARTNER } });
  server = await api.app.start(0);
  prod = await createTestApi({ subscribers: 20, env: { NODE_ENV: 'production', EMERALD_DEMO: 'off' } });
  prodServer = await prod.app.start(0);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation { login(username: "soporte", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
    }),
  });
  cookie = /emerald_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  token = ((await res.json()) as { data: { login: { session: { token: string } } } }).data.login.session.token;
});
afterAll(async () => {
  await server?.stop();
  await prodServer?.stop();
});

const ME = JSON.stringify({ query: '{ me { username } }' });
const post = (headers: Record<string, string>, body = ME, base = server) =>
  fetch(`${base.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('a page on another origin, with the user signed in', () => {
  // Before: no origin check at all; the default CORS answered any origin with credentials.
  it('cannot use the session cookie: refused before anything runs', async () => {
    const res = await post({ cookie, origin: EVIL });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringContaining('origin'), extensions: { code: 'FORBIDDEN_ORIGIN' } }],
    });
    const mutation = await post({ cookie, origin: EVIL }, JSON.stringify({ query: 'mutation { logout }' }));
    expect(mutation.status).toBe(403);
    expect((await (await post({ cookie })).json()).data).toEqual({ me: { username: 'soporte' } }); // the session still works
  });

  it('gets no CORS answer, so the browser never lets it read a response', async () => {
    const preflight = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const listed = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: PARTNER, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(listed.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('cannot send a "simple" request that skips the preflight (form post, plain text, bare GET)', async () => {
    const form = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=mutation%20%7B%20logout%20%7D',
    });
    expect(form.status).toBe(403);
    const text = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: ME });
    expect(text.status).toBe(403);
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ me { username } }')}`, { headers: { cookie } });
    expect(get.status).toBe(403);
    expect((await (await post({ cookie })).json()).data).toEqual({ me: { username: 'soporte' } });
  });

  it('cannot open a live WebSocket with the cookie', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
        headers: { cookie, origin: EVIL },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
    const same = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
        headers: { cookie, origin: server.url },
      });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(same).toBe(101);
  });

  it('leaves scripts with a bearer token free to call from anywhere (no cookie, no CSRF)', async () => {
    const res = await post({ authorization: `Bearer ${token}`, origin: EVIL });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({ me: { username: 'soporte' } });
  });

  it('the monitor on its own origin keeps working', async () => {
    const res = await post({ cookie, origin: server.url });
    expect((await res.json()).data).toEqual({ me: { username: 'soporte' } });
  });
});

describe('response headers', () => {
  // Before: nosniff on static files only; no CSP, no framing rule.
  it('every page forbids framing, sniffing and third-party scripts', async () => {
    for (const path of ['/', '/graphql/ide/nothing.js', '/healthz']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      // The one third-party origin: the map's tile server, for images only.
      const directives = csp.split(';').map((d) => d.trim());
      expect(directives.filter((d) => !d.startsWith('img-src')).join(';'), path).not.toMatch(/https?:\/\//);
      const img = directives.find((d) => d.startsWith('img-src')) ?? '';
      for (const source of img.match(/https?:\/\/\S+/g) ?? []) expect(source, path).toBe('https://tile.openstreetmap.org');
      expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    }
    const api = await post({ cookie });
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('GraphiQL and introspection', () => {
  const page = (base: RunningApp, headers: Record<string, string> = {}) =>
    fetch(`${base.url}/graphql`, { headers: { accept: 'text/html', ...headers } });

  // Before: GraphiQL loaded its scripts from a public CDN and was open to anyone.
  it('serves GraphiQL from Emerald itself, with no inline or third-party script', async () => {
    const res = await page(server);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script[^>]*src="https?:/);
    expect(html).not.toMatch(/<script>/);
    const src = /<script src="([^"]+)">/.exec(html)![1]!;
    expect(src.startsWith('/graphql/ide/graphiql-')).toBe(true);
    const script = await fetch(`${server.url}${src}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(script.headers.get('cache-control')).toContain('immutable');
  });

  it('in production shows GraphiQL and the schema to signed-in users only', async () => {
    const anonymous = await page(prodServer);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('Sign in');
    const login = await post(
      {},
      JSON.stringify({ query: 'mutation { login(username: "noc", password: "emerald-demo") { __typename } }' }),
      prodServer,
    );
    const prodCookie = /emerald_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    expect((await page(prodServer, { cookie: prodCookie })).status).toBe(200);

    const schema = JSON.stringify({ query: '{ __schema { queryType { name } } }' });
    const anon = await (await post({}, schema, prodServer)).json();
    expect(anon.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anon.data ?? null).toBeNull();
    const typeName = await (await post({}, JSON.stringify({ query: '{ __typename health { ok } }' }), prodServer)).json();
    expect(typeName.data).toEqual({ __typename: 'Query', health: { ok: true } });
    const signedIn = await (await post({ cookie: prodCookie }, schema, prodServer)).json();
    expect(signedIn.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
