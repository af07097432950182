/**
 * Stock over real PostgreSQL through the GraphQL API: moves are recorded and never
 * overdraw; a visit consumes from the technician's van and installs an ONU they carry
 * (or says why not); concurrent completions cannot drive a van negative or install one
 * unit twice; SmartOLT's later report of that serial links to the connection; a
 * completion sent twice (an offline queue) applies once.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';
import { linkAll } from '../mirror/link.ts';

let api: TestApi;
let support: Caller;
let tech: Caller;
let techId: number;
const gid = (type: string, id: number) => encodeGlobalID(type, String(id));
const one = async <T = any>(sql: string, params: unknown[] = []): Promise<T> => (await api.db.pool.query(sql, params)).rows[0] as T;

beforeAll(async () => {
  api = await createTestApi({ subscribers: 150, seed: 5 });
  support = await api.as('soporte');
  tech = await api.as('tecnico');
  techId = (await one<{ id: number }>(`SELECT id FROM users WHERE username = 'tecnico'`)).id;
});

const material = async (code: string) => (await one<{ id: number }>(`SELECT id FROM materials WHERE code = $1`, [code])).id;
const location = async (name: string) => (await one<{ id: number }>(`SELECT id FROM stock_locations WHERE name = $1`, [name])).id;
const level = async (loc: number, mat: number) =>
  Number(
    (
      await one<{ q: string } | undefined>(`SELECT quantity::text AS q FROM stock_levels WHERE location_id = $1 AND material_id = $2`, [
        loc,
        mat,
      ])
    )?.q ?? 0,
  );

let ticketCursor = 0;
/** A new work order for tecnico on a fresh open ticket, started. Returns its global id and connection. */
async function startedVisit(): Promise<{ id: string; number: number; connectionId: number }> {
  const t = await one<{ id: number; connection_id: number }>(
    `INSERT INTO tickets (subject, type, status, priority, customer_id, connection_id, creator_id, updated_at)
     SELECT 'Visita de prueba', 'TECHNICAL', 'OPEN', 'MEDIUM', c.customer_id, c.id, u.id, now()
       FROM connections c, users u WHERE u.username = 'soporte' ORDER BY c.id OFFSET $1 LIMIT 1 RETURNING id, connection_id`,
    [ticketCursor++],
  );
  const created = await support.query<{ createWorkOrder: any }>(
    `mutation($input: CreateWorkOrderInput!) { createWorkOrder(input: $input) { ... on CreateWorkOrderSuccess { workOrder { id number } } ... on Error { message } } }`,
    {
      input: {
        ticketId: gid('Ticket', t.id),
        type: 'INSTALL',
        technicianId: gid('User', techId),
        scheduledStart: new Date().toISOString(),
      },
    },
  );
  const wo = created.data!.createWorkOrder.workOrder;
  expect(wo, JSON.stringify(created)).toBeTruthy();
  const started = await tech.query<{ startWorkOrder: { __typename: string } }>(
    `mutation { startWorkOrder(id: "${wo.id}") { __typename } }`,
  );
  expect(started.data!.startWorkOrder.__typename).toBe('StartWorkOrderSuccess');
  return { id: wo.id, number: wo.number, connectionId: t.connection_id };
}

const COMPLETE = `mutation($input: CompleteWorkOrderInput!) { completeWorkOrder(input: $input) {
  __typename ... on CompleteWorkOrderSuccess { workOrder { status installedOnuSerial stockOverrideReason } }
  ... on StockError { code field available message } ... on ValidationError { code field } } }`;

describe('stock moves', () => {
  it('receives, transfers and counts, recording each move, and never overdraws', async () => {
    const warehouse = await location('Depósito central');
    const van = await location('Camioneta de Tomás');
    const drop = await material('DROP-1F');
    const [w0, v0] = [await level(warehouse, drop), await level(van, drop)];
    const moves0 = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM stock_moves`)).n;
    const received = await support.query<{ receiveStock: any }>(
      `mutation($input: StockMoveInput!) { receiveStock(input: $input) { __typename ... on ReceiveStockSuccess { result { moved } } } }`,
      {
        input: { materialId: String(drop), quantity: 1000, toLocationId: gid('StockLocation', warehouse), reason: 'Remito 0001-00009999' },
      },
    );
    expect(received.data!.receiveStock.result.moved).toBe(1000);
    const tooMuch = await support.query<{ transferStock: any }>(
      `mutation($input: StockMoveInput!) { transferStock(input: $input) { __typename ... on StockError { code available field } } }`,
      {
        input: {
          materialId: String(drop),
          quantity: w0 + 1000 + 1,
          fromLocationId: gid('StockLocation', warehouse),
          toLocationId: gid('StockLocation', van),
          reason: 'Carga',
        },
      },
    );
    expect(tooMuch.data!.transferStock).toEqual({
      __typename: 'StockError',
      code: 'INSUFFICIENT_STOCK',
      available: w0 + 1000,
      field: 'input.quantity',
    });
    expect(await level(van, drop)).toBe(v0);
    const moved = await support.query<{ transferStock: any }>(
      `mutation($input: StockMoveInput!) { transferStock(input: $input) { __typename } }`,
      {
        input: {
          materialId: String(drop),
          quantity: 250.5,
          fromLocationId: gid('StockLocation', warehouse),
          toLocationId: gid('StockLocation', van),
          reason: 'Carga',
        },
      },
    );
    expect(moved.data!.transferStock.__typename).toBe('TransferStockSuccess');
    expect([await level(warehouse, drop), await level(van, drop)]).toEqual([w0 + 1000 - 250.5, v0 + 250.5]);
    const counted = await support.query<{ adjustStock: any }>(
      `mutation { adjustStock(locationId: "${gid('StockLocation', van)}", materialId: "${drop}", quantity: 100, reason: "Conteo mensual") { __typename ... on AdjustStockSuccess { level { quantity low } } } }`,
    );
    expect(counted.data!.adjustStock.level).toEqual({ quantity: 100, low: false });
    const moves = await api.db.pool.query<{ kind: string; quantity: string; reason: string }>(
      `SELECT kind::text, quantity::text, reason FROM stock_moves ORDER BY id DESC LIMIT 3`,
    );
    expect(moves.rows).toEqual([
      { kind: 'ADJUST', quantity: String((100 - (v0 + 250.5)).toFixed(2)), reason: 'Conteo mensual' },
      { kind: 'TRANSFER', quantity: '250.50', reason: 'Carga' },
      { kind: 'RECEIVE', quantity: '1000.00', reason: 'Remito 0001-00009999' },
    ]);
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM stock_moves`)).n).toBe(moves0 + 3);
    // The database itself refuses a negative level, whatever the code does.
    await expect(
      api.db.pool.query(`UPDATE stock_levels SET quantity = -1 WHERE location_id = $1 AND material_id = $2`, [van, drop]),
    ).rejects.toThrow(/stock_levels_quantity_not_negative/);
  });

  it('lets a technician see their van only, read-only', async () => {
    const res = await tech.query<{ stockLocations: { name: string }[] }>('{ stockLocations { name levels { quantity } } }');
    expect(res.data!.stockLocations.map((l) => l.name)).toEqual(['Camioneta de Tomás']);
    const denied = await tech.query<{ receiveStock: any }>(
      `mutation($input: StockMoveInput!) { receiveStock(input: $input) { __typename } }`,
      {
        input: {
          materialId: String(await material('DROP-1F')),
          quantity: 1,
          toLocationId: gid('StockLocation', await location('Camioneta de Tomás')),
          reason: 'Yo mismo',
        },
      },
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('a visit and the van', () => {
  it('consumes the materials used and installs an ONU from the van, which SmartOLT then links to the customer', async () => {
    const van = await location('Camioneta de Tomás');
    const conn = await material('CONN-SCAPC');
    const before = await level(van, conn);
    const { serial } = await one<{ serial: string }>(
      `SELECT serial FROM stock_items WHERE location_id = $1 AND status = 'IN_STOCK' ORDER BY serial LIMIT 1`,
      [van],
    );
    const visit = await startedVisit();
    // Not one they carry: refused, nothing changed.
    const foreign = await tech.query<{ completeWorkOrder: any }>(COMPLETE, {
      input: {
        id: visit.id,
        resolutionType: 'INSTALLED',
        installedOnuSerial: 'HWTC00000000',
        materials: [{ materialId: String(conn), quantity: 2 }],
      },
    });
    expect(foreign.data!.completeWorkOrder).toMatchObject({
      __typename: 'StockError',
      code: 'NOT_IN_VAN',
      field: 'input.installedOnuSerial',
    });
    expect(await level(van, conn)).toBe(before);
    expect((await one<{ status: string }>(`SELECT status::text FROM work_orders WHERE id = $1`, [visit.number])).status).toBe(
      'IN_PROGRESS',
    );

    const done = await tech.query<{ completeWorkOrder: any }>(COMPLETE, {
      input: {
        id: visit.id,
        resolutionType: 'INSTALLED',
        installedOnuSerial: serial.toLowerCase(),
        materials: [{ materialId: String(conn), quantity: 2 }],
      },
    });
    expect(done.data!.completeWorkOrder).toMatchObject({
      __typename: 'CompleteWorkOrderSuccess',
      workOrder: { status: 'COMPLETED', installedOnuSerial: serial },
    });
    expect(await level(van, conn)).toBe(before - 2);
    expect(await one(`SELECT status::text, location_id, connection_id FROM stock_items WHERE serial = $1`, [serial])).toEqual({
      status: 'INSTALLED',
      location_id: null,
      connection_id: visit.connectionId,
    });
    const history = await support.query<{ stockItem: { moves: { kind: string; reason: string }[] } }>(
      `{ stockItem(serial: "${serial}") { moves { kind reason } } }`,
    );
    expect(history.data!.stockItem.moves.map((m) => m.kind)).toEqual(['INSTALL', 'TRANSFER', 'RECEIVE']);

    // SmartOLT reports that ONU later, named by nobody's username: it links to the connection all the same.
    const olt = await one<{ id: number }>(`SELECT id FROM olts ORDER BY id LIMIT 1`);
    await api.db.pool.query(
      `INSERT INTO onus (serial, olt_id, name, status, raw, updated_at) VALUES ($1, $2, 'nuevo cliente', 'ONLINE', '{}', now())`,
      [serial, olt.id],
    );
    await linkAll(api.db.pool, { oltId: olt.id });
    expect((await one<{ connection_id: number }>(`SELECT connection_id FROM onus WHERE serial = $1`, [serial])).connection_id).toBe(
      visit.connectionId,
    );
  });

  it('links an ONU SmartOLT already reports the moment its serial is installed, and lets it go when it is taken back', async () => {
    const van = await location('Camioneta de Tomás');
    const { serial } = await one<{ serial: string }>(
      `SELECT serial FROM stock_items WHERE location_id = $1 AND status = 'IN_STOCK' ORDER BY serial DESC LIMIT 1`,
      [van],
    );
    const olt = await one<{ id: number }>(`SELECT id FROM olts ORDER BY id LIMIT 1`);
    // Plugged in and reported before the visit was closed, named by nobody's username.
    await api.db.pool.query(
      `INSERT INTO onus (serial, olt_id, name, status, raw, updated_at) VALUES ($1, $2, 'sin nombre', 'ONLINE', '{}', now())`,
      [serial, olt.id],
    );
    const linkedTo = async () =>
      (await one<{ connection_id: number | null }>(`SELECT connection_id FROM onus WHERE serial = $1`, [serial])).connection_id;
    expect(await linkedTo()).toBeNull();
    const visit = await startedVisit();
    const done = await tech.query<{ completeWorkOrder: any }>(COMPLETE, {
      input: { id: visit.id, resolutionType: 'INSTALLED', installedOnuSerial: serial },
    });
    expect(done.data!.completeWorkOrder.__typename).toBe('CompleteWorkOrderSuccess');
    // No sync ran: the install itself linked it.
    expect(await linkedTo()).toBe(visit.connectionId);

    const back = await support.query<{ returnStockItem: { __typename: string } }>(
      `mutation($serial: String!, $to: ID!) { returnStockItem(serial: $serial, locationId: $to, reason: "retiro de equipo") { __typename } }`,
      { serial, to: gid('StockLocation', van) },
    );
    expect(back.data!.returnStockItem.__typename).toBe('ReturnStockItemSuccess');
    expect(await linkedTo()).toBeNull();
  });

  it('installs a unit from elsewhere only with a stated reason, recorded', async () => {
    const visit = await startedVisit();
    const done = await tech.query<{ completeWorkOrder: any }>(COMPLETE, {
      input: {
        id: visit.id,
        resolutionType: 'ONU_REPLACED',
        installedOnuSerial: 'ZTEG0BADC0DE',
        stockOverrideReason: 'ONU prestada por la cuadrilla sur',
      },
    });
    expect(done.data!.completeWorkOrder.workOrder).toEqual({
      status: 'COMPLETED',
      installedOnuSerial: 'ZTEG0BADC0DE',
      stockOverrideReason: 'ONU prestada por la cuadrilla sur',
    });
  });

  it('never takes more than the van holds, whatever completes at once, nor installs one unit twice', async () => {
    const van = await location('Camioneta de Tomás');
    const patch = await material('PATCH-SCAPC');
    const counted = await support.query<{ adjustStock: any }>(
      `mutation { adjustStock(locationId: "${gid('StockLocation', van)}", materialId: "${patch}", quantity: 10, reason: "Conteo") { __typename ... on Error { message } } }`,
    );
    expect(counted.data?.adjustStock.__typename, JSON.stringify(counted)).toBe('AdjustStockSuccess');
    const visits = await Promise.all(Array.from({ length: 6 }, () => startedVisit()));
    const results = await Promise.all(
      visits.map((v) =>
        tech.query<{ completeWorkOrder: any }>(COMPLETE, {
          input: { id: v.id, resolutionType: 'CONNECTOR_CLEANED', materials: [{ materialId: String(patch), quantity: 3 }] },
        }),
      ),
    );
    const kinds = results.map((r) => r.data!.completeWorkOrder.__typename ?? r.errors?.[0]?.message).sort();
    expect(kinds).toEqual([
      'CompleteWorkOrderSuccess',
      'CompleteWorkOrderSuccess',
      'CompleteWorkOrderSuccess',
      'StockError',
      'StockError',
      'StockError',
    ]);
    expect(await level(van, patch)).toBe(1);
    const consumed = await one<{ q: string }>(
      `SELECT sum(quantity)::text AS q FROM stock_moves WHERE kind = 'CONSUME' AND material_id = $1 AND from_location_id = $2`,
      [patch, van],
    );
    expect(Number(consumed.q)).toBe(9);

    // Two visits install the same ONU at the same moment: one does.
    const { serial } = await one<{ serial: string }>(
      `SELECT serial FROM stock_items WHERE location_id = $1 AND status = 'IN_STOCK' ORDER BY serial LIMIT 1`,
      [van],
    );
    const pair = await Promise.all([startedVisit(), startedVisit()]);
    const both = await Promise.all(
      pair.map((v) =>
        tech.query<{ completeWorkOrder: any }>(COMPLETE, { input: { id: v.id, resolutionType: 'INSTALLED', installedOnuSerial: serial } }),
      ),
    );
    expect(both.map((r) => r.data!.completeWorkOrder.__typename).sort()).toEqual(['CompleteWorkOrderSuccess', 'StockError']);
    expect(
      (
        await one<{ n: number }>(
          `SELECT count(*)::int AS n FROM stock_moves m JOIN stock_items i ON i.id = m.item_id WHERE i.serial = $1 AND m.kind = 'INSTALL'`,
          [serial],
        )
      ).n,
    ).toBe(1);
  });

  it('applies a completion sent twice (an offline queue retrying) once', async () => {
    const van = await location('Camioneta de Tomás');
    const conn = await material('CONN-SCAPC');
    const before = await level(van, conn);
    const visit = await startedVisit();
    const input = {
      id: visit.id,
      resolutionType: 'FIBRE_REPAIRED',
      completionKey: 'offline-7f3a9c21',
      materials: [{ materialId: String(conn), quantity: 1 }],
    };
    const [a, b] = [
      await tech.query<{ completeWorkOrder: any }>(COMPLETE, { input }),
      await tech.query<{ completeWorkOrder: any }>(COMPLETE, { input }),
    ];
    expect(a.data!.completeWorkOrder.__typename).toBe('CompleteWorkOrderSuccess');
    expect(b.data!.completeWorkOrder).toEqual(a.data!.completeWorkOrder);
    expect(await level(van, conn)).toBe(before - 1);
    // The same key on another work order is refused.
    const other = await startedVisit();
    const reused = await tech.query<{ completeWorkOrder: any }>(COMPLETE, { input: { ...input, id: other.id } });
    expect(reused.data!.completeWorkOrder).toEqual({ __typename: 'ValidationError', code: 'KEY_REUSED', field: 'input.completionKey' });
  });
});
