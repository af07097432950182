import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, errorCode, type Caller, type TestApi } from '../../../test/api.ts';
import { search } from './search.ts';
import { applyConnections, applyCustomers, mapIspcubeConnection, mapIspcubeCustomer } from '../mirror/ispcube.ts';
import { applySecrets, applySessions, mapRouterosActive, mapRouterosSecret } from '../mirror/routeros.ts';
import { applyOnus, mapSmartoltOnu } from '../mirror/smartolt.ts';

let api: TestApi;
let support: Caller;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 400 });
  support = await api.as('soporte');
  const db = api.db.pool;
  await applyCustomers(
    db,
    [
      mapIspcubeCustomer({
        id: 'T1',
        code: '99001',
        name: 'José Pérez',
        doc_number: '30.111.222',
        address: 'Av. Sabattini 1234',
        city: 'Río Ceballos',
        status: 'enabled',
        phones: [{ number: '+54 9 3543 55-1234' }],
        contact_emails: [{ email: 'Jose.Perez@Example.com' }],
      }),
      mapIspcubeCustomer({
        id: 'T2',
        code: '99002',
        name: 'Panadería La Ñata SRL',
        doc_number: '30-71234567-8',
        address: 'Belgrano 10',
        city: 'Cosquín',
        status: 'enabled',
      }),
    ],
    false,
  );
  await applyConnections(
    db,
    [mapIspcubeConnection({ id: 'TC1', customer_id: 'T1', node_id: '1', user: 'jperez99001', ip: '190.2.3.4' })],
    false,
  );
  const router = (await db.query('SELECT id FROM routers ORDER BY id LIMIT 1')).rows[0].id as number;
  const olt = (await db.query('SELECT id FROM olts ORDER BY id LIMIT 1')).rows[0].id as number;
  await applySecrets(
    db,
    router,
    [
      mapRouterosSecret({ '.id': '*T1', name: 'jperez99001', password: 'x', 'last-caller-id': 'AA:BB:CC:11:22:33' }),
      mapRouterosSecret({ '.id': '*T2', name: 'prueba7777', password: 'x', comment: 'prueba técnico' }),
    ],
    false,
  );
  const now = new Date();
  await applySessions(
    db,
    router,
    [mapRouterosActive({ '.id': '*99', name: 'jperez99001', address: '100.64.77.5', 'caller-id': 'AA:BB:CC:11:22:33', uptime: '1h' }, now)],
    now,
    false,
  );
  const onu = mapSmartoltOnu({ sn: 'HWTC1A2B3C4D', olt_id: '1', board: '0', port: '1', onu: '99', name: 'jperez99001', status: 'Online' });
  const spare = mapSmartoltOnu({
    sn: 'ZTEGFFEE0001',
    olt_id: '1',
    board: '0',
    port: '1',
    onu: '98',
    name: 'reserva-bodega',
    status: 'Offline',
  });
  await applyOnus(
    db,
    olt,
    [
      { ...onu.onu, initialStatus: onu.status },
      { ...spare.onu, initialStatus: spare.status },
    ],
    false,
  );
});

async function top(query: string, first = 5) {
  return search(api.db.pool, query, first);
}
const customerName = async (customerId: number | null) =>
  customerId === null ? null : (await api.db.pool.query('SELECT name FROM customers WHERE id = $1', [customerId])).rows[0].name;

describe('search', () => {
  it('is accent- and case-insensitive and puts the right person first', async () => {
    const [hit] = await top('jose perez');
    expect(await customerName(hit!.customerId)).toBe('José Pérez');
    expect(hit!.matchedField).toBe('name');
    const [nata] = await top('panaderia la nata');
    expect(await customerName(nata!.customerId)).toBe('Panadería La Ñata SRL');
  });

  it('tolerates a typo', async () => {
    const hits = await top('jose peres sabatini');
    expect(await customerName(hits[0]!.customerId)).toBe('José Pérez');
  });

  it.each([
    ['30111222', 'docNumber'],
    ['30.111.222', 'docNumber'],
    ['30712345678', 'docNumber'],
    ['99001', 'code'],
    ['jperez99001', 'pppoeUsername'],
    ['JPEREZ99001', 'pppoeUsername'],
    ['0354315551234', 'phone'],
    ['jose.perez@example.com', 'email'],
    ['HWTC1A2B3C4D', 'onuSerial'],
    ['100.64.77.5', 'ip'],
    ['190.2.3.4', 'ip'],
    ['aa-bb-cc-11-22-33', 'mac'],
  ])('finds %s exactly (%s) and ranks it first', async (query, field) => {
    const [hit] = await top(query);
    expect(hit).toMatchObject({ exact: true, matchedField: field, kind: 'CUSTOMER' });
    expect(['José Pérez', 'Panadería La Ñata SRL']).toContain(await customerName(hit!.customerId));
  });

  it('finds an ONU by part of its serial and a customer by part of a DNI', async () => {
    const [onu] = await top('1A2B3C');
    expect(onu).toMatchObject({ matchedField: 'onuSerial', matchedValue: 'HWTC1A2B3C4D', exact: false });
    expect(await customerName(onu!.customerId)).toBe('José Pérez');
    const [doc] = await top('3011122');
    expect(doc).toMatchObject({ matchedField: 'docNumber' });
  });

  it('returns PPP secrets and ONUs that match no connection, flagged as not linked', async () => {
    const [secret] = await top('prueba7777');
    expect(secret).toMatchObject({ kind: 'PPP_SECRET', customerId: null, exact: true });
    const [spare] = await top('ZTEGFFEE0001');
    expect(spare).toMatchObject({ kind: 'ONU', customerId: null, exact: true });
    const res = await support.query<{
      search: { hits: { kind: string; linked: boolean; pppSecret: { name: string; linked: boolean } }[] };
    }>('{ search(query: "prueba7777") { hits { kind linked pppSecret { name linked } } } }');
    expect(res.data!.search.hits[0]).toEqual({ kind: 'PPP_SECRET', linked: false, pppSecret: { name: 'prueba7777', linked: false } });
  });

  it('answers short words (no typo tolerance below 4 letters)', async () => {
    const hits = await top('la ñata');
    expect(await customerName(hits[0]!.customerId)).toBe('Panadería La Ñata SRL');
    const nata = hits[0]!.customerId;
    // A short word must appear as typed: one letter off ("lx" for "la") and the customer is not found…
    expect((await top('lx ñata')).map((h) => h.customerId)).not.toContain(nata);
    // …while a long word keeps its typo tolerance ("panaderya" for "panadería").
    expect((await top('la panaderya')).map((h) => h.customerId)).toContain(nata);
  });

  it('groups what matched one customer into one hit', async () => {
    const hits = await top('jperez', 20);
    const ids = hits.filter((h) => h.customerId !== null).map((h) => h.customerId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses queries shorter than 2 characters with a clear error', async () => {
    const res = await support.query('{ search(query: " a ") { hits { kind } } }');
    expect(res.errors?.[0]).toMatchObject({
      message: 'Type at least 2 characters to search',
      extensions: { code: 'BAD_USER_INPUT', field: 'query' },
    });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
  });
});
