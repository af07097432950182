/** ISPCube payloads as public client code shows them: tolerant mapping, and nothing secret kept. */
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_FIXTURES,
  CONNECTION_MAPPING,
  CUSTOMER_FIXTURES,
  CUSTOMER_MAPPING,
  mapIspcubeConnection,
  mapIspcubeCustomer,
} from './ispcube.ts';
import { MappingError, storablePayload } from './common.ts';
import { mappingVersion, payloadHash, payloadId } from './upsert.ts';

const customer = {
  id: 1042,
  code: 'C-1042',
  name: ' María Añón ',
  doc_number: '20.345.678-9',
  city_id: 7,
  city: { id: 7, name: 'Trelew' },
  lat: '-43.25',
  lng: '-65.3',
  status: 'enabled',
  debt: '1234.50',
  duedebt: '0.00',
  tags: [{ id: 3, name: 'deudor' }],
  phones: [{ id: 1, number: '+54 280 444-1234' }, '2804441234', { id: 2, number: null }, 17],
  contact_emails: [{ email: 'Maria@Example.com' }, 'maria@example.com', { email: { nested: true } }],
  connections: [{ id: 9, customer_id: 1042, user: 'maria.anon', password: 'hunter2' }],
};

describe('ISPCube customer mapping', () => {
  it('takes the city name from the city object and reads phones and e-mails in either shape', () => {
    const row = mapIspcubeCustomer(customer);
    expect(row).toMatchObject({
      external_id: '1042',
      name: 'María Añón',
      city: 'Trelew',
      doc_number: '203456789',
      debt: 1234.5,
      latitude: -43.25,
    });
    // The same number twice (with and without the country code) is one phone; 17 is too short to be one.
    expect(row.phones.map((p) => p.digits)).toEqual(['2804441234']);
    expect(row.emails).toEqual(['maria@example.com']);
  });

  it('reads a city given as plain text, and turns shapes it does not need into null instead of rejecting the customer', () => {
    expect(mapIspcubeCustomer({ ...customer, city: 'Rawson' }).city).toBe('Rawson');
    const odd = mapIspcubeCustomer({
      id: 5,
      name: 'X',
      city: [1, 2],
      lat: { deg: 1 },
      debt: [],
      phones: 'none',
      status: { code: 1 },
      speed_limited: { x: 1 },
    });
    expect(odd).toMatchObject({ city: null, latitude: null, debt: 0, phones: [], status: 'UNKNOWN', speed_limited: false });
  });

  it('still rejects a customer without an id or a name (it cannot be mirrored)', () => {
    expect(() => mapIspcubeCustomer({ ...customer, name: undefined })).toThrow(MappingError);
    expect(() => mapIspcubeCustomer({ ...customer, name: '  ' })).toThrow(MappingError);
    expect(() => mapIspcubeCustomer({ ...customer, id: undefined })).toThrow(MappingError);
  });

  it('never keeps a PPPoE password or other credentials in the stored payload, nested or not', () => {
    const row = mapIspcubeCustomer(customer);
    expect(JSON.stringify(row.raw)).not.toContain('hunter2');
    expect((row.raw as { connections: Record<string, unknown>[] }).connections[0]).toEqual({
      id: 9,
      customer_id: 1042,
      user: 'maria.anon',
    });
    const conn = mapIspcubeConnection({
      id: 9,
      customer_id: 1042,
      user: 'maria.anon',
      password: 'hunter2',
      smart_olt_vlans: '100',
      smart_olt_zone: 'Zona Centro',
    });
    expect(conn.raw).toEqual({ id: 9, customer_id: 1042, user: 'maria.anon', smart_olt_vlans: '100', smart_olt_zone: 'Zona Centro' });
  });
});

describe('stored vendor payloads', () => {
  it.each([
    [
      {
        password: 'x',
        pass: 'x',
        ppp_pass: 'x',
        wifi_password: 'x',
        pwd: 'x',
        api_key: 'x',
        apiKey: 'x',
        token: 'x',
        access_token: 'x',
        client_secret: 'x',
        private_key: 'x',
        Authorization: 'x',
        credentials: { u: 1 },
      },
      {},
    ],
    [
      {
        note: 'Bearer abc.def',
        jwt_like: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
        pem: '-----BEGIN RSA PRIVATE KEY-----\nMII',
        keep: 'passive',
        pass_through: 'yes',
        compass: 'N',
      },
      { keep: 'passive', pass_through: 'yes', compass: 'N' },
    ],
    [[{ secret: 's', name: 'n' }], [{ name: 'n' }]],
    // Either case, anywhere the pattern allows it; a credential in a list becomes null in its place.
    [{ a: 'x -----begin ec private key----- y', b: 'EYJhbGc.eyJzdWIi.sig', c: 'BASIC dXNlcg==' }, {}],
    [{ tokens: ['ok', 'Bearer t', 'eyJa.eyJb.c'] }, {}],
    [{ list: ['ok', 'Bearer t', { k: 1, passwd: 2 }] }, { list: ['ok', null, { k: 1 }] }],
    ['bearer abc', null],
    [
      { begins: 'banana', ends: 'extra', dashes: '-----', empty: '' },
      { begins: 'banana', ends: 'extra', dashes: '-----', empty: '' },
    ],
  ])('drops credential-shaped keys and values: %j', (input, expected) => {
    expect(storablePayload(input)).toEqual(expected);
  });

  it('returns what holds no credential as it is, and copies only the path to one', () => {
    const clean = { id: 1, city: { id: 7, name: 'Trelew' }, tags: [{ id: 3 }] };
    expect(storablePayload(clean)).toBe(clean);
    const mixed = { id: 1, city: clean.city, tags: clean.tags, connections: [{ id: 9, user: 'u', password: 'p' }] };
    const stored = storablePayload(mixed) as typeof mixed;
    expect(stored).toEqual({ id: 1, city: clean.city, tags: clean.tags, connections: [{ id: 9, user: 'u' }] });
    expect(stored).not.toBe(mixed);
    expect(stored.city).toBe(mixed.city);
    expect(stored.tags).toBe(mixed.tags);
    // The payload itself is never changed.
    expect(mixed.connections[0]).toEqual({ id: 9, user: 'u', password: 'p' });
  });
});

describe('payload hashes and mapping versions', () => {
  const mapped = (fixtures: unknown[], map: (p: unknown) => Record<string, unknown>) =>
    fixtures.flatMap((p) => {
      try {
        return [map(p)];
      } catch {
        return [];
      }
    });

  it.each([
    ['customer', CUSTOMER_FIXTURES, mapIspcubeCustomer],
    ['connection', CONNECTION_FIXTURES, mapIspcubeConnection],
  ] as const)('the %s fixtures vary every column and include a payload the mapping refuses', (_name, fixtures, map) => {
    const rows = mapped(fixtures, map as unknown as (p: unknown) => Record<string, unknown>);
    expect(rows.length).toBeLessThan(fixtures.length);
    for (const column of Object.keys(rows[0]!)) {
      const values = new Set(rows.map((r) => JSON.stringify(r[column])));
      expect({ column, varies: values.size > 1 }).toEqual({ column, varies: true });
    }
  });

  it('hashes the payload as received under the mapping version', () => {
    const row = mapIspcubeCustomer(customer);
    expect(row.row_hash).toBe(payloadHash(CUSTOMER_MAPPING, customer));
    expect(row.row_hash).not.toBe(payloadHash(CONNECTION_MAPPING, customer));
    expect(mapIspcubeCustomer({ ...customer, debt: '1234.51' }).row_hash).not.toBe(row.row_hash);
    // A credential that changes changes the payload, so the row is compared again (and stored without it).
    expect(mapIspcubeCustomer({ ...customer, password: 'a' }).row_hash).not.toBe(
      mapIspcubeCustomer({ ...customer, password: 'b' }).row_hash,
    );
  });

  it('gives a mapping a new version when what it makes of the fixtures changes', () => {
    const base = mappingVersion('m', [{ a: 1 }, { a: 2 }], (p) => p);
    expect(mappingVersion('m', [{ a: 1 }, { a: 2 }], (p) => p)).toBe(base);
    expect(mappingVersion('m', [{ a: 1 }, { a: 2 }], (p) => ({ ...(p as object), b: null }))).not.toBe(base);
    expect(
      mappingVersion('m', [{ a: 1 }, { a: 2 }], (p) => {
        if ((p as { a: number }).a === 2) throw new Error('refused');
        return p;
      }),
    ).not.toBe(base);
    expect(mappingVersion('n', [{ a: 1 }, { a: 2 }], (p) => p)).not.toBe(base);
  });

  it('reads the external id of a payload as the mappings do', () => {
    expect([{ id: 7 }, { id: ' 7 ' }, { id: '' }, { id: { x: 1 } }, null, 'x', {}].map(payloadId)).toEqual([
      '7',
      '7',
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
