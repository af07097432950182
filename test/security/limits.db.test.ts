/**
 * Bad input and resource exhaustion: a database that stalls, search text that is really a
 * LIKE pattern or ten kilobytes long, and paths that try to leave the monitor's folder.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GRAPHQL_BODY } from '../../server/src/http/app.ts';
import { createStaticHandler } from '../../server/src/http/static.ts';
import { createTestApi, errorCode, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 60 });
});

describe('a database that stalls', () => {
  // Before: no statement timeout and no pool timeout: a stuck query hung the request.
  it('answers a typed DATABASE_TIMEOUT when a statement runs too long, and the next request works', async () => {
    const slow = await createTestApi({ subscribers: 10, env: { DATABASE_STATEMENT_TIMEOUT_MS: '300' } });
    const noc = await slow.as('noc');
    // Another session holds the table: the API's query waits on the lock until its timeout.
    const blocker = new pg.Client({ connectionString: slow.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await noc.query('{ customers(first: 5) { totalCount } }');
      expect(errorCode(res)).toBe('DATABASE_TIMEOUT');
      expect(res.errors?.[0]?.message).toMatch(/took too long/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(
      (await noc.query<{ customers: { totalCount: number } }>('{ customers(first: 5) { totalCount } }')).data?.customers.totalCount,
    ).toBe(10);
    // Not logged as a crash.
    expect(slow.logs.filter((l) => l.msg === 'unexpected error while resolving')).toEqual([]);
  });

  it('answers a typed DATABASE_BUSY when no connection frees up in time', async () => {
    const busy = await createTestApi({ subscribers: 10, env: { DATABASE_POOL_TIMEOUT_MS: '200' } });
    const noc = await busy.as('noc');
    // Take every connection of the pool.
    const held = await Promise.all(Array.from({ length: 8 }, () => busy.db.pool.connect()));
    try {
      const res = await noc.query('{ customers(first: 5) { totalCount } }');
      expect(errorCode(res)).toBe('DATABASE_BUSY');
    } finally {
      for (const c of held) c.release();
    }
    expect(errorCode(await noc.query('{ customers(first: 5) { totalCount } }'))).toBeNull();
  });
});

describe('search and text filters', () => {
  const searchHits = async (query: string) => {
    const support = await api.as('soporte');
    return support.query<{ search: { hits: { matchedValue: string }[] } }>(
      'query($q: String!) { search(query: $q, first: 50) { hits { matchedValue } } }',
      {
        q: query,
      },
    );
  };

  // Before: `%` and `_` in the typed text were LIKE wildcards in the prefix matches.
  it('takes %, _ and \\ as the characters they are, not as wildcards', async () => {
    for (const q of ['%%', '__', '%_%', '\\\\', 'a%', '_a']) {
      const res = await searchHits(q);
      expect(res.errors, q).toBeUndefined();
      for (const hit of res.data!.search.hits) expect(hit.matchedValue.toLowerCase(), q).toContain(q.replace(/\\\\/g, '\\').toLowerCase());
    }
    const support = await api.as('soporte');
    const tickets = await support.query<{ tickets: { totalCount: number } }>('{ tickets(first: 5, filter: { text: "%" }) { totalCount } }');
    expect(tickets.errors).toBeUndefined();
    expect(tickets.data!.tickets.totalCount).toBe(0); // no ticket text holds a literal %
  });

  // Before: Prisma's startsWith passed the text through, so "%" matched every ONU and audit entry.
  it('treats wildcards literally in the ONU serial prefix and the audit action filters', async () => {
    const noc = await api.as('noc');
    const onus = await noc.query<{ onus: { totalCount: number } }>('{ onus(first: 1, filter: { serialPrefix: "%" }) { totalCount } }');
    expect(onus.data?.onus.totalCount).toBe(0);
    const prefix = await noc.query<{ onus: { totalCount: number } }>('{ onus(first: 1, filter: { serialPrefix: "____" }) { totalCount } }');
    expect(prefix.data?.onus.totalCount).toBe(0);
    const admin = await api.as('admin');
    const audit = await admin.query<{ auditEntries: { totalCount: number } }>('{ auditEntries(first: 1, action: "%") { totalCount } }');
    expect(audit.data?.auditEntries.totalCount).toBe(0);
    const real = await admin.query<{ auditEntries: { totalCount: number } }>('{ auditEntries(first: 1, action: "auth.") { totalCount } }');
    expect(real.data?.auditEntries.totalCount).toBeGreaterThan(0);
  });

  it('refuses 10 kB of text with a typed error, and survives unusual Unicode', async () => {
    const long = await searchHits('x'.repeat(10_000));
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    const support = await api.as('soporte');
    const filter = await support.query(`{ tickets(first: 5, filter: { text: "${'y'.repeat(10_000)}" }) { totalCount } }`);
    expect(errorCode(filter)).toBe('BAD_USER_INPUT');
    for (const q of ['🧵🧵', 'ñandú', '\u202Eevil', 'a\u0301b', '\uFFFDx', 'Ω≈ç√']) {
      const res = await searchHits(q);
      expect(errorCode(res), q).toBeNull();
    }
  });
});

describe('request bodies', () => {
  // Before: yoga's default limit of 25 MB; a GraphQL body is a few kB at most.
  let running: Awaited<ReturnType<TestApi['app']['start']>>;
  beforeAll(async () => {
    running = await api.app.start(0, '127.0.0.1');
  });
  afterAll(() => running.stop());
  const send = (body: string, headers: Record<string, string>, chunked: boolean): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        `${running.url}/graphql`,
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => void (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      if (chunked) {
        // Several writes without a declared length: Node sends them chunked.
        for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
        req.end();
      } else req.end(body);
    });
  const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(MAX_GRAPHQL_BODY) } });

  it('refuses a body declared larger than the limit with 413 and a typed error', async () => {
    const res = await send(big, { 'content-length': String(Buffer.byteLength(big)) }, false);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('counts a chunked body as it arrives and refuses it past the limit', async () => {
    const res = await send(big, {}, true);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('answers bodies within the limit, declared or chunked', async () => {
    const small = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(100_000) } });
    for (const chunked of [false, true]) {
      const res = await send(small, chunked ? {} : { 'content-length': String(Buffer.byteLength(small)) }, chunked);
      expect([res.status, JSON.parse(res.body)]).toEqual([200, { data: { __typename: 'Query' } }]);
    }
  });
});

describe('static files', () => {
  let root: string;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-static-'));
    fs.mkdirSync(path.join(root, 'dist', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'index.html'), '<!doctype html><title>monitor</title>');
    fs.mkdirSync(path.join(root, 'dist-old'));
    fs.writeFileSync(path.join(root, 'dist-old', 'secret.txt'), 'database password');
    fs.writeFileSync(path.join(root, 'outside.txt'), 'outside');
    fs.symlinkSync(path.join(root, 'outside.txt'), path.join(root, 'dist', 'assets', 'link.txt'));
    const serve = createStaticHandler(path.join(root, 'dist'));
    server = http.createServer((req, res) => {
      if (!serve(req, res)) {
        res.statusCode = 404;
        res.end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A raw request (fetch would normalise the dots away). */
  const get = (rawPath: string) =>
    new Promise<{ status: number; body: string }>((resolve) => {
      http.get(`${base}${rawPath}`, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });

  // Before: a string-prefix check let `/%2e%2e/dist-old/…` out into the sibling folder.
  it.each([
    '/%2e%2e/dist-old/secret.txt',
    '/..%2fdist-old/secret.txt',
    '/%2e%2e%2fdist-old%2fsecret.txt',
    '/assets/link.txt',
    '/%2e%2e/outside.txt',
  ])('never serves %s from outside the monitor folder', async (p) => {
    const res = await get(p);
    expect(res.body).not.toContain('database password');
    expect(res.body).not.toContain('outside');
  });

  it('still serves the monitor and its client-side routes', async () => {
    expect((await get('/')).body).toContain('monitor');
    expect((await get('/tickets/42')).body).toContain('monitor');
  });
});
