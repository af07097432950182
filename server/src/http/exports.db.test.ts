/**
 * CSV exports through the real HTTP server: the screen's filters and permissions, CSV
 * quoting and formula neutralising, audit, and 100k rows streamed under back-pressure (a
 * client that stops reading stops the export).
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';
import { csvCell, exportCounters } from './exports.ts';

let api: TestApi;
let url: string;
let support: Caller;
let noc: Caller;
let tech: Caller;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 150 });
  const running = await api.app.start(0);
  url = running.url;
  support = await api.as('soporte');
  noc = await api.as('noc');
  tech = await api.as('tecnico');
});

const download = async (path: string, token: string | null, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    text: await res.text(),
  };
};

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV exports', () => {
  it('exports what the screen shows with its filters, as a download, and audits it', async () => {
    const filter = { status: ['BLOCKED'] };
    const res = await download(`/export/customers.csv?variables=${encodeURIComponent(JSON.stringify({ filter }))}`, support.token);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/csv; charset=utf-8');
    expect(res.disposition).toMatch(/^attachment; filename="emerald-customers-[\d-]+\.csv"$/);
    const rows = parseCsv(res.text);
    expect(rows[0]!.slice(0, 4)).toEqual(['code', 'name', 'doc_number', 'status']);
    const blocked = (
      await api.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE status = 'BLOCKED' AND gone_at IS NULL`)
    ).rows[0]!.n;
    expect(blocked).toBeGreaterThan(0);
    expect(rows.length - 1).toBe(blocked);
    expect(new Set(rows.slice(1).map((r) => r[3]))).toEqual(new Set(['BLOCKED']));
    const audit = await api.db.pool.query(
      `SELECT actor_label, after FROM audit_entries WHERE action = 'export.customers' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.rows[0]).toMatchObject({ actor_label: 'soporte', after: { variables: { filter }, rows: blocked, complete: true } });
  });

  it('has the same permissions as the screens', async () => {
    expect((await download('/export/customers.csv', null)).status).toBe(401);
    expect((await download('/export/customers.csv', tech.token)).status).toBe(403);
    expect((await download('/export/sync-runs.csv', support.token)).status).toBe(403);
    expect((await download('/export/sync-runs.csv', noc.token)).status).toBe(200);
    // A technician's tickets export has their tickets only, like their screen.
    const mine = parseCsv((await download('/export/tickets.csv', tech.token)).text).length - 1;
    const theirs = await tech.query<{ tickets: { totalCount: number } }>('{ tickets(first: 1) { totalCount } }');
    expect(mine).toBe(theirs.data!.tickets.totalCount);
    expect((await download('/export/nope.csv', support.token)).status).toBe(404);
    expect((await download('/export/customers.csv?variables=[1]', support.token)).status).toBe(400);
  });

  it('refuses a foreign page using the session cookie', async () => {
    const login = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(username: "soporte", password: "emerald-demo") { __typename } }' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const foreign = await download('/export/customers.csv', null, { cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.text).not.toContain('doc_number');
    const own = await download('/export/customers.csv', null, { cookie });
    expect(own.status).toBe(200);
  });

  it('quotes what must be quoted and neutralises formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+54 11 5555')).toBe("'+54 11 5555");
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(csvCell(null)).toBe('');
  });

  it('lists an incident’s affected customers with their phones for the call centre', async () => {
    const inc = await api.db.pool.query<{ id: number }>(
      `INSERT INTO incidents (kind, title, opened_at, updated_at) VALUES ('FIBRE_CUT', 'Corte export', now(), now()) RETURNING id`,
    );
    const conns = await api.db.pool.query<{ id: number; customer_id: number }>(
      `SELECT c.id, c.customer_id FROM connections c WHERE EXISTS (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.customer_id) ORDER BY c.id LIMIT 3`,
    );
    for (const c of conns.rows)
      await api.db.pool.query(
        `INSERT INTO incident_connections (incident_id, connection_id, subject, affected_at) VALUES ($1, $2::int, 'unit-' || $2::text, now())`,
        [inc.rows[0]!.id, c.id],
      );
    const vars = encodeURIComponent(JSON.stringify({ incident: encodeGlobalID('Incident', String(inc.rows[0]!.id)) }));
    const rows = parseCsv((await download(`/export/incident-customers.csv?variables=${vars}`, noc.token)).text);
    expect(rows[0]).toEqual(['customer_code', 'customer', 'phones', 'address', 'pppoe_username', 'unit', 'down_since', 'recovered_at']);
    expect(rows, JSON.stringify(rows)).toHaveLength(4);
    for (const r of rows.slice(1)) expect(r[2]!.replace(/\D/g, '')).toMatch(/^\d{8,}$/);
  });

  it('streams 100k rows: a client that stops reading stops the export; every row arrives once it reads again', async () => {
    await api.db.pool.query(
      `INSERT INTO customers (external_id, code, name, doc_number, status, debt, address, raw, updated_at)
       SELECT 'bulk-' || g, 'B' || g, 'Cliente de prueba número ' || g, lpad(g::text, 8, '0'), 'ENABLED', 0,
              'Calle Falsa ' || g || ', Córdoba', '{}', now()
       FROM generate_series(1, 100000) g`,
    );
    const total = (await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE gone_at IS NULL')).rows[0]!.n;
    const before = exportCounters.rows;
    const req = http.get(`${url}/export/customers.csv`, { headers: { authorization: `Bearer ${support.token}` } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
    expect(res.statusCode).toBe(200);
    res.pause();
    // The server fills the socket buffers, then waits for the client: no page is fetched meanwhile.
    await expect.poll(() => exportCounters.waiting, { timeout: 120_000, interval: 50 }).toBe(1);
    const whilePaused = exportCounters.rows - before;
    await new Promise((r) => setTimeout(r, 1500));
    expect(exportCounters.waiting).toBe(1);
    expect(exportCounters.rows - before).toBe(whilePaused); // stopped, not buffering the rest
    expect(whilePaused).toBeLessThan(total);
    let lines = 0;
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const parts = (tail + chunk).split('\r\n');
      tail = parts.pop()!;
      lines += parts.length;
    });
    res.resume();
    await new Promise((r) => res.once('end', r));
    expect(lines - 1).toBe(total);
    expect(exportCounters.rows - before).toBe(total);
  }, 300_000);
});
