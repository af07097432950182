/**
 * Stock in GraphQL: warehouses and vans, levels with low-stock thresholds, serialised
 * units with their history, and the moves between them. Support and admins run the
 * stock; technicians see their own van (theirs or their team's). Every change is a move
 * (who, when, why) and is audited.
 */
import { z } from 'zod';
import type { Prisma, StockLocation } from '../../generated/prisma/client.ts';
import { adjust, markFaulty, receive, returnItem, StockError, transfer, normaliseSerial, type StockErrorCode } from '../../stock/stock.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { audit } from '../audit.ts';
import type { Context } from '../context.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { NotFoundError, parseInput, ValidationError } from '../userErrors.ts';
import { ErrorInterface, mutationErrors, mutationResult } from './errorTypes.ts';

export const STOCK_READERS = ['ADMIN', 'SUPPORT', 'NOC'] as const;
const STOCK_KEEPERS = ['ADMIN', 'SUPPORT'] as const;

/** Which stock locations the caller may see: all for staff, their own and their team's vans for technicians. */
async function visibleLocations(ctx: Context): Promise<Prisma.StockLocationWhereInput> {
  if (ctx.actor?.role !== 'TECHNICIAN') return {};
  const team = ctx.actor.teamId;
  return { kind: 'VAN', OR: [{ technicianId: ctx.actor.userId }, ...(team ? [{ teamId: team }] : [])] };
}

async function mayView(l: Pick<StockLocation, 'kind' | 'technicianId' | 'teamId'>, ctx: Context) {
  if (ctx.actor?.role !== 'TECHNICIAN') return readAs(...STOCK_READERS);
  if (!ctx.actor.scopes.read || l.kind !== 'VAN') return false;
  return l.technicianId === ctx.actor.userId || (l.teamId !== null && l.teamId === ctx.actor.teamId);
}

builder.objectType(StockError, {
  name: 'StockError',
  description: 'The stock does not allow it (not enough, not in the van, already installed …). Nothing changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The input field at fault.' }),
    available: t.exposeFloat('available', { nullable: true, description: 'For INSUFFICIENT_STOCK: how much there is.' }),
  }),
});

const StockLocationKindEnum = builder.enumType('StockLocationKind', {
  description: 'A warehouse, or a van.',
  values: { WAREHOUSE: { description: 'A warehouse.' }, VAN: { description: 'A van, of a technician or a team.' } } as const,
});
const StockItemStatusEnum = builder.enumType('StockItemStatus', {
  description: 'Where a serialised unit stands.',
  values: {
    IN_STOCK: { description: 'At a warehouse or in a van.' },
    INSTALLED: { description: 'At a customer’s connection.' },
    FAULTY: { description: 'Broken (waiting for RMA or disposal).' },
    RETIRED: { description: 'Out of the stock for good.' },
  } as const,
});
const StockMoveKindEnum = builder.enumType('StockMoveKind', {
  description: 'What a stock move was.',
  values: {
    RECEIVE: { description: 'Goods arrived.' },
    TRANSFER: { description: 'Between locations.' },
    CONSUME: { description: 'Used on a visit.' },
    INSTALL: { description: 'A unit installed at a connection.' },
    RETURN: { description: 'An installed unit came back.' },
    FAULTY: { description: 'A unit found broken.' },
    ADJUST: { description: 'An inventory count corrected the level.' },
  } as const,
});
const SerialKindEnum = builder.enumType('SerialKind', {
  description: 'How a serialised material is identified.',
  values: { SERIAL: { description: 'By serial number (ONUs).' }, MAC: { description: 'By MAC address (routers).' } } as const,
});

builder.prismaObjectFields('Material', (t) => ({
  serialKind: t.field({
    type: SerialKindEnum,
    nullable: true,
    description: 'Tracked one by one (by serial or MAC); null: counted by quantity.',
    resolve: (m) => m.serialKind,
  }),
}));

export const StockLocationRef = builder.prismaNode('StockLocation', {
  id: { field: 'id' },
  description: 'A warehouse or a van.',
  extensions: { viewerDependent: true },
  authScopes: (l, ctx) => mayView(l, ctx),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name.' }),
    kind: t.field({ type: StockLocationKindEnum, description: 'Warehouse or van.', resolve: (l) => l.kind }),
    technician: t.relation('technician', { nullable: true, description: 'The technician whose van it is.' }),
    team: t.relation('team', { nullable: true, description: 'The team whose van it is.' }),
    active: t.exposeBoolean('active', { description: 'Closed locations take no moves.' }),
    levels: t.relation('levels', {
      description: 'Materials counted by quantity, by name.',
      query: { orderBy: { material: { name: 'asc' } } },
    }),
    items: t.relation('items', {
      description: 'Serialised units here (in stock or faulty), by serial.',
      query: { where: { status: { in: ['IN_STOCK', 'FAULTY'] } }, orderBy: { serial: 'asc' }, take: 500 },
    }),
    lowCount: t.int({
      description: 'How many of its materials are below their threshold.',
      select: { id: true },
      resolve: async (l, _a, ctx) => {
        const r = await ctx.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM stock_levels WHERE location_id = $1 AND min_quantity IS NOT NULL AND quantity < min_quantity',
          [l.id],
        );
        return r.rows[0]!.n;
      },
    }),
  }),
});

builder.prismaObject('StockLevel', {
  description: 'How much of a material a location holds.',
  fields: (t) => ({
    material: t.relation('material', { description: 'The material.' }),
    location: t.relation('location', { description: 'Where.' }),
    quantity: t.float({ description: 'Quantity, in the material’s unit.', resolve: (l) => Number(l.quantity) }),
    minQuantity: t.float({
      nullable: true,
      description: 'Low-stock threshold.',
      resolve: (l) => (l.minQuantity === null ? null : Number(l.minQuantity)),
    }),
    low: t.boolean({
      description: 'Below its threshold.',
      resolve: (l) => l.minQuantity !== null && Number(l.quantity) < Number(l.minQuantity),
    }),
  }),
});

const vansOf = new WeakMap<Context, Promise<Set<number>>>();
/** The stock locations a technician may see (once per request). */
function myVans(ctx: Context): Promise<Set<number>> {
  let p = vansOf.get(ctx);
  if (!p) {
    p = visibleLocations(ctx).then(
      async (where) => new Set((await ctx.db.prisma.stockLocation.findMany({ where, select: { id: true } })).map((l) => l.id)),
    );
    vansOf.set(ctx, p);
  }
  return p;
}

export const StockItemRef = builder.prismaNode('StockItem', {
  id: { field: 'id' },
  description: 'One serialised unit (an ONU by serial, a router by MAC).',
  extensions: { viewerDependent: true },
  authScopes: async (i, ctx) => {
    if (ctx.actor?.role !== 'TECHNICIAN') return readAs(...STOCK_READERS);
    return ctx.actor.scopes.read && i.locationId !== null && (await myVans(ctx)).has(i.locationId);
  },
  fields: (t) => ({
    serial: t.exposeString('serial', { description: 'Serial (upper case) or MAC.' }),
    status: t.field({ type: StockItemStatusEnum, description: 'Where it stands.', resolve: (i) => i.status }),
    material: t.relation('material', { description: 'What it is.' }),
    location: t.relation('location', { nullable: true, description: 'Where it is, while not installed.' }),
    connection: t.relation('connection', { nullable: true, description: 'Where it is installed.' }),
    workOrder: t.relation('workOrder', { nullable: true, description: 'The visit that installed or returned it.' }),
    moves: t.relation('moves', {
      description: 'Its history, newest first.',
      query: { orderBy: [{ at: 'desc' }, { id: 'desc' }], take: 100 },
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

builder.prismaObject('StockMove', {
  description: 'A change of stock: who, when, why.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Move id (numeric).' }),
    kind: t.field({ type: StockMoveKindEnum, description: 'What it was.', resolve: (m) => m.kind }),
    material: t.relation('material', { description: 'What moved.' }),
    quantity: t.float({ description: 'How much (1 for a unit; signed for ADJUST).', resolve: (m) => Number(m.quantity) }),
    from: t.relation('from', { nullable: true, description: 'From where.' }),
    to: t.relation('to', { nullable: true, description: 'To where.' }),
    item: t.relation('item', { nullable: true, description: 'The unit, if serialised.' }),
    workOrder: t.relation('workOrder', { nullable: true, description: 'The visit.' }),
    connection: t.relation('connection', { nullable: true, description: 'The connection (installs, returns).' }),
    actor: t.relation('actor', { nullable: true, description: 'Who.' }),
    reason: t.exposeString('reason', { description: 'Why.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When.' }),
  }),
});

const StockItemFilter = builder.inputType('StockItemFilter', {
  description: 'Which units to list.',
  fields: (t) => ({
    serial: t.string({ required: false, description: 'Serial or MAC contains this.' }),
    status: t.field({ type: [StockItemStatusEnum], required: false, description: 'Only these statuses.' }),
    locationId: t.id({ required: false, description: 'Only at this location.' }),
    materialId: t.id({ required: false, description: 'Only of this material (numeric id).' }),
  }),
});

async function itemWhere(
  f:
    | {
        serial?: string | null;
        status?: ('IN_STOCK' | 'INSTALLED' | 'FAULTY' | 'RETIRED')[] | null;
        locationId?: string | number | null;
        materialId?: string | number | null;
      }
    | null
    | undefined,
  ctx: Context,
): Promise<Prisma.StockItemWhereInput> {
  const where: Prisma.StockItemWhereInput = {};
  if (f?.serial?.trim())
    where.serial = {
      contains: f.serial
        .trim()
        .toUpperCase()
        .replace(/[^A-Z0-9:-]/g, ''),
    };
  if (f?.status?.length) where.status = { in: f.status };
  const loc = optionalIdOf(f?.locationId ? String(f.locationId) : null, 'StockLocation', 'filter.locationId');
  if (loc !== null) where.locationId = loc;
  if (f?.materialId) where.materialId = Number(f.materialId);
  if (ctx.actor?.role === 'TECHNICIAN') where.location = await visibleLocations(ctx);
  return where;
}

const MoveFilter = builder.inputType('StockMoveFilter', {
  description: 'Which moves to list.',
  fields: (t) => ({
    locationId: t.id({ required: false, description: 'In or out of this location.' }),
    serial: t.string({ required: false, description: 'Of this unit.' }),
    workOrderId: t.id({ required: false, description: 'Of this work order.' }),
  }),
});

builder.queryFields((t) => ({
  stockLocations: t.prismaField({
    type: ['StockLocation'],
    description: 'Warehouses first, then vans, by name. Technicians get their own and their team’s vans.',
    authScopes: readAs(...STOCK_READERS, 'TECHNICIAN'),
    args: { includeInactive: t.arg.boolean({ required: false, description: 'Include closed locations.' }) },
    resolve: async (query, _root, args, ctx) =>
      ctx.db.prisma.stockLocation.findMany({
        ...query,
        where: { ...(await visibleLocations(ctx)), ...(args.includeInactive ? {} : { active: true }) },
        orderBy: [{ kind: 'asc' }, { name: 'asc' }],
      }),
  }),
  stockItems: t.prismaConnection({
    type: 'StockItem',
    cursor: 'id',
    totalCount: async (_c, args, ctx) => ctx.db.prisma.stockItem.count({ where: await itemWhere(args.filter, ctx) }),
    description: 'Serialised units, by serial.',
    authScopes: readAs(...STOCK_READERS, 'TECHNICIAN'),
    args: { filter: t.arg({ type: StockItemFilter, required: false, description: 'Conditions.' }) },
    resolve: async (query, _root, args, ctx) =>
      ctx.db.prisma.stockItem.findMany({ ...query, where: await itemWhere(args.filter, ctx), orderBy: [{ serial: 'asc' }, { id: 'asc' }] }),
  }),
  stockItem: t.prismaField({
    type: 'StockItem',
    nullable: true,
    description: 'One unit by serial or MAC (any spelling).',
    authScopes: readAs(...STOCK_READERS),
    args: { serial: t.arg.string({ required: true, description: 'Serial or MAC.' }) },
    resolve: (query, _root, args, ctx) => {
      const candidates = [normaliseSerial(args.serial, 'SERIAL'), normaliseSerial(args.serial, 'MAC')].filter((s): s is string => !!s);
      return ctx.db.prisma.stockItem.findFirst({ ...query, where: { serial: { in: candidates } } });
    },
  }),
  stockMoves: t.prismaConnection({
    type: 'StockMove',
    cursor: 'id',
    description: 'Stock moves, newest first.',
    authScopes: readAs(...STOCK_READERS),
    args: { filter: t.arg({ type: MoveFilter, required: false, description: 'Conditions.' }) },
    resolve: (query, _root, args, ctx) => {
      const loc = optionalIdOf(args.filter?.locationId ? String(args.filter.locationId) : null, 'StockLocation', 'filter.locationId');
      const wo = optionalIdOf(args.filter?.workOrderId ? String(args.filter.workOrderId) : null, 'WorkOrder', 'filter.workOrderId');
      const serial = args.filter?.serial?.trim();
      return ctx.db.prisma.stockMove.findMany({
        ...query,
        where: {
          ...(loc !== null ? { OR: [{ fromLocationId: loc }, { toLocationId: loc }] } : {}),
          ...(wo !== null ? { workOrderId: wo } : {}),
          ...(serial
            ? {
                item: {
                  serial: { in: [normaliseSerial(serial, 'SERIAL'), normaliseSerial(serial, 'MAC')].filter((s): s is string => !!s) },
                },
              }
            : {}),
        },
        orderBy: [{ id: 'desc' }],
      });
    },
  }),
  lowStock: t.prismaField({
    type: ['StockLevel'],
    description: 'Every material below its threshold, at every location the caller may see.',
    authScopes: readAs(...STOCK_READERS, 'TECHNICIAN'),
    resolve: async (query, _root, _args, ctx) => {
      const rows = await ctx.db.pool.query<{ location_id: number; material_id: number }>(
        'SELECT location_id, material_id FROM stock_levels WHERE min_quantity IS NOT NULL AND quantity < min_quantity ORDER BY location_id, material_id',
      );
      if (!rows.rows.length) return [];
      return ctx.db.prisma.stockLevel.findMany({
        ...query,
        where: {
          OR: rows.rows.map((r) => ({ locationId: r.location_id, materialId: r.material_id })),
          location: await visibleLocations(ctx),
        },
      });
    },
  }),
}));

// ───────────────────────────── mutations ─────────────────────────────

/**
 * A Prisma query for a mutation's result object, never with an empty `select` (a caller who
 * asks only `__typename` of the result would otherwise make Prisma refuse the read).
 */
function nonEmpty<Q extends object>(query: Q, key: string): Q {
  const q = query as { select?: Record<string, unknown> };
  return q.select && Object.keys(q.select).length === 0 ? ({ ...query, select: { [key]: true } } as Q) : query;
}

const reason = z.string().trim().min(3, 'Say why (at least 3 characters)').max(300, 'At most 300 characters');
const stockErrors = [...mutationErrors, StockError];

async function stockChange<T>(
  ctx: Context,
  action: string,
  after: Record<string, unknown>,
  run: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return ctx.db.prisma.$transaction(async (tx) => {
    const result = await run(tx);
    await audit(tx, ctx, { action, entityType: 'Stock', after });
    return result;
  });
}

const LocationInput = builder.inputType('StockLocationInput', {
  description: 'A warehouse or van to create, or changes to one.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'The location to change (omit to create).' }),
    kind: t.field({ type: StockLocationKindEnum, required: false, description: 'Warehouse or van (on create).' }),
    name: t.string({ required: false, description: 'Name (2–80 characters).' }),
    technicianId: t.id({ required: false, description: 'Van of this technician.' }),
    teamId: t.id({ required: false, description: 'Van of this team.' }),
    active: t.boolean({ required: false, description: 'Close (false) or reopen (true).' }),
  }),
});

builder.mutationField('saveStockLocation', (t) =>
  t.prismaField({
    type: 'StockLocation',
    description: 'Create a warehouse or van, or rename, reassign, close or reopen one.',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('SaveStockLocation', 'location', stockErrors),
    args: { input: t.arg({ type: LocationInput, required: true, description: 'The location.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const id = optionalIdOf(input.id ? String(input.id) : null, 'StockLocation', 'input.id');
      const name = input.name == null ? undefined : parseInput(z.string().trim().min(2).max(80), input.name, 'input.name');
      const technicianId = optionalIdOf(input.technicianId ? String(input.technicianId) : null, 'User', 'input.technicianId');
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      const kind = input.kind ?? (id === null ? null : undefined);
      if (kind === null) throw ValidationError.single('input.kind', 'REQUIRED', 'Say whether it is a warehouse or a van');
      if (id === null && !name) throw ValidationError.single('input.name', 'REQUIRED', 'Give it a name');
      if (kind === 'WAREHOUSE' && (technicianId || teamId))
        throw ValidationError.single('input.technicianId', 'INVALID', 'A warehouse belongs to nobody');
      if (technicianId) {
        const u = await ctx.db.prisma.user.findUnique({ where: { id: technicianId }, select: { role: true } });
        if (u?.role !== 'TECHNICIAN') throw new NotFoundError('input.technicianId', 'No technician with that id');
      }
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = id === null ? null : await tx.stockLocation.findUnique({ where: { id } });
        if (id !== null && !before) throw new NotFoundError('input.id', 'No stock location with that id');
        const clash = name ? await tx.stockLocation.findFirst({ where: { name, ...(id ? { NOT: { id } } : {}) } }) : null;
        if (clash) throw ValidationError.single('input.name', 'TAKEN', 'Another location has that name');
        const data = {
          ...(name ? { name } : {}),
          ...(input.technicianId !== undefined ? { technicianId } : {}),
          ...(input.teamId !== undefined ? { teamId } : {}),
          ...(input.active != null ? { active: input.active } : {}),
        };
        const after =
          id === null
            ? await tx.stockLocation.create({ ...nonEmpty(query, 'id'), data: { kind: kind!, name: name!, ...data } })
            : await tx.stockLocation.update({ ...nonEmpty(query, 'id'), where: { id }, data });
        await audit(tx, ctx, {
          action: id === null ? 'stock.location.create' : 'stock.location.update',
          entityType: 'StockLocation',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
    },
  }),
);

const MoveInputRef = builder.inputType('StockMoveInput', {
  description: 'Goods to receive or move: a quantity (materials counted by quantity) or serials (serialised ones).',
  fields: (t) => ({
    materialId: t.id({ required: true, description: 'Material id (numeric).' }),
    quantity: t.float({ required: false, description: 'How much (> 0), for materials counted by quantity.' }),
    serials: t.stringList({ required: false, description: 'Serials or MACs (at most 500), for serialised materials.' }),
    fromLocationId: t.id({ required: false, description: 'From (transfers).' }),
    toLocationId: t.id({ required: false, description: 'To (receipts and transfers).' }),
    reason: t.string({ required: true, description: 'Why (3–300 characters), e.g. "Remito 0001-00012345".' }),
  }),
});

function moveArgs(input: { materialId: string | number; quantity?: number | null; serials?: string[] | null; reason: string }) {
  if ((input.serials?.length ?? 0) > 500) throw ValidationError.single('input.serials', 'TOO_MANY', 'At most 500 serials at once');
  const materialId = Number(input.materialId);
  if (!Number.isSafeInteger(materialId) || materialId <= 0)
    throw ValidationError.single('input.materialId', 'INVALID_ID', 'Not a material id');
  return {
    materialId,
    quantity: input.quantity ?? null,
    serials: input.serials ?? null,
    reason: parseInput(reason, input.reason, 'input.reason'),
  };
}

const MovedRef = builder.objectRef<{ moved: number }>('StockMoved').implement({
  description: 'What a receipt or transfer moved.',
  fields: (t) => ({ moved: t.exposeFloat('moved', { description: 'Units moved.' }) }),
});

builder.mutationFields((t) => ({
  receiveStock: t.field({
    type: MovedRef,
    description: 'Goods arrive at a location: a quantity of a material, or new serialised units.',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('ReceiveStock', 'result', stockErrors),
    args: { input: t.arg({ type: MoveInputRef, required: true, description: 'What arrives, where.' }) },
    resolve: async (_root, { input }, ctx) => {
      const to = idOf(String(input.toLocationId ?? ''), 'StockLocation', 'input.toLocationId');
      const a = moveArgs(input);
      const moved = await stockChange(ctx, 'stock.receive', { to, ...a }, (tx) => receive(tx, { userId: ctx.actor!.userId }, to, a));
      return { moved };
    },
  }),
  transferStock: t.field({
    type: MovedRef,
    description: 'Move goods between locations (warehouse → van, van → warehouse, van → van).',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('TransferStock', 'result', stockErrors),
    args: { input: t.arg({ type: MoveInputRef, required: true, description: 'What moves, from where to where.' }) },
    resolve: async (_root, { input }, ctx) => {
      const from = idOf(String(input.fromLocationId ?? ''), 'StockLocation', 'input.fromLocationId');
      const to = idOf(String(input.toLocationId ?? ''), 'StockLocation', 'input.toLocationId');
      const a = moveArgs(input);
      const moved = await stockChange(ctx, 'stock.transfer', { from, to, ...a }, (tx) =>
        transfer(tx, { userId: ctx.actor!.userId }, from, to, a),
      );
      return { moved };
    },
  }),
  adjustStock: t.prismaField({
    type: 'StockLevel',
    description: 'An inventory count: set how much of a material a location holds; the difference is recorded.',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('AdjustStock', 'level', stockErrors),
    args: {
      locationId: t.arg.id({ required: true, description: 'Where.' }),
      materialId: t.arg.id({ required: true, description: 'Material id (numeric).' }),
      quantity: t.arg.float({ required: true, description: 'The counted quantity (≥ 0).' }),
      reason: t.arg.string({ required: true, description: 'Why (3–300 characters).' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const locationId = idOf(String(args.locationId), 'StockLocation', 'locationId');
      const materialId = Number(args.materialId);
      const why = parseInput(reason, args.reason, 'reason');
      return stockChange(ctx, 'stock.adjust', { locationId, materialId, quantity: args.quantity, reason: why }, async (tx) => {
        await adjust(tx, { userId: ctx.actor!.userId }, locationId, materialId, args.quantity, why);
        return tx.stockLevel.findUniqueOrThrow({
          ...nonEmpty(query, 'locationId'),
          where: { locationId_materialId: { locationId, materialId } },
        });
      });
    },
  }),
  setStockThreshold: t.prismaField({
    type: 'StockLevel',
    description: 'Set (or clear, with null) the low-stock threshold of a material at a location.',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('SetStockThreshold', 'level', stockErrors),
    args: {
      locationId: t.arg.id({ required: true, description: 'Where.' }),
      materialId: t.arg.id({ required: true, description: 'Material id (numeric).' }),
      minQuantity: t.arg.float({ required: false, description: 'Below this it is low; null clears it.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const locationId = idOf(String(args.locationId), 'StockLocation', 'locationId');
      const materialId = Number(args.materialId);
      const min = args.minQuantity ?? null;
      if (min !== null && (!Number.isFinite(min) || min < 0))
        throw ValidationError.single('minQuantity', 'INVALID', 'A threshold cannot be negative');
      return stockChange(ctx, 'stock.threshold', { locationId, materialId, minQuantity: min }, async (tx) => {
        const m = await tx.material.findUnique({ where: { id: materialId }, select: { serialKind: true } });
        if (!m) throw new NotFoundError('materialId', 'No material with that id');
        if (!(await tx.stockLocation.findUnique({ where: { id: locationId } })))
          throw new NotFoundError('locationId', 'No stock location with that id');
        return tx.stockLevel.upsert({
          ...nonEmpty(query, 'locationId'),
          where: { locationId_materialId: { locationId, materialId } },
          create: { locationId, materialId, quantity: 0, minQuantity: min },
          update: { minQuantity: min },
        });
      });
    },
  }),
  markStockItemFaulty: t.prismaField({
    type: 'StockItem',
    description: 'A unit is broken: it leaves the usable stock (optionally brought to a location).',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('MarkStockItemFaulty', 'item', stockErrors),
    args: {
      serial: t.arg.string({ required: true, description: 'Serial or MAC.' }),
      reason: t.arg.string({ required: true, description: 'What is wrong (3–300 characters).' }),
      locationId: t.arg.id({ required: false, description: 'Where it is taken to.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const to = optionalIdOf(args.locationId ? String(args.locationId) : null, 'StockLocation', 'locationId');
      const why = parseInput(reason, args.reason, 'reason');
      return stockChange(ctx, 'stock.faulty', { serial: args.serial, reason: why, to }, async (tx) => {
        await markFaulty(tx, { userId: ctx.actor!.userId }, args.serial, why, to);
        const candidates = [normaliseSerial(args.serial, 'SERIAL'), normaliseSerial(args.serial, 'MAC')].filter((s): s is string => !!s);
        return tx.stockItem.findFirstOrThrow({ ...nonEmpty(query, 'id'), where: { serial: { in: candidates } } });
      });
    },
  }),
  returnStockItem: t.prismaField({
    type: 'StockItem',
    description: 'An installed unit came back (equipment picked up): in stock again at a location.',
    authScopes: writeAs(...STOCK_KEEPERS),
    errors: mutationResult('ReturnStockItem', 'item', stockErrors),
    args: {
      serial: t.arg.string({ required: true, description: 'Serial or MAC.' }),
      locationId: t.arg.id({ required: true, description: 'Where it goes.' }),
      reason: t.arg.string({ required: true, description: 'Why (3–300 characters).' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const to = idOf(String(args.locationId), 'StockLocation', 'locationId');
      const why = parseInput(reason, args.reason, 'reason');
      return stockChange(ctx, 'stock.return', { serial: args.serial, reason: why, to }, async (tx) => {
        await returnItem(tx, { userId: ctx.actor!.userId }, args.serial, to, why);
        const candidates = [normaliseSerial(args.serial, 'SERIAL'), normaliseSerial(args.serial, 'MAC')].filter((s): s is string => !!s);
        return tx.stockItem.findFirstOrThrow({ ...nonEmpty(query, 'id'), where: { serial: { in: candidates } } });
      });
    },
  }),
}));

export type { StockErrorCode };
