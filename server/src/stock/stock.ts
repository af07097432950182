/**
 * Stock: materials counted by quantity per location (warehouse or van) and serialised units
 * (ONUs by serial, routers by MAC) one by one. Every change is a StockMove (who, when, why)
 * written in the same transaction as the change; quantities never go negative — a
 * decrement is one conditional UPDATE, so concurrent completions cannot overdraw a van
 * (and a CHECK constraint backs it up); a serialised unit moves by one conditional UPDATE
 * on its current place, so two visits can never install the same ONU.
 */
import type { Prisma } from '../generated/prisma/client.ts';
import { relinkOnuSerial } from '../mirror/link.ts';

type Tx = Prisma.TransactionClient;

export type StockErrorCode =
  | 'INSUFFICIENT_STOCK'
  | 'NOT_IN_VAN'
  | 'NOT_AVAILABLE'
  | 'UNKNOWN_SERIAL'
  | 'DUPLICATE_SERIAL'
  | 'SERIALISED'
  | 'NOT_SERIALISED'
  | 'SAME_LOCATION'
  | 'INACTIVE_LOCATION'
  | 'NO_VAN'
  | 'INVALID';

/** An expected stock failure: nothing was changed. */
export class StockError extends Error {
  override readonly name = 'StockError';
  constructor(
    readonly code: StockErrorCode,
    message: string,
    readonly field: string | null = null,
    /** For INSUFFICIENT_STOCK: how much there is. */
    readonly available: number | null = null,
  ) {
    super(message);
  }
}

/** Serials are compared upper case without spaces; MACs as lower-case aa:bb:cc:dd:ee:ff. */
export function normaliseSerial(raw: string, kind: 'SERIAL' | 'MAC'): string | null {
  const v = raw.trim();
  if (kind === 'MAC') {
    const hex = v.toLowerCase().replace(/[^0-9a-f]/g, '');
    if (hex.length !== 12 || !/^[0-9a-f:.\-\s]+$/i.test(v)) return null;
    return hex.match(/../g)!.join(':');
  }
  const s = v.toUpperCase().replace(/\s+/g, '');
  return /^[A-Z0-9-]{6,32}$/.test(s) ? s : null;
}

interface Actor {
  userId: number | null;
}

async function material(tx: Tx, materialId: number, field: string) {
  const m = await tx.material.findUnique({
    where: { id: materialId },
    select: { id: true, name: true, unit: true, serialKind: true, active: true },
  });
  if (!m) throw new StockError('INVALID', 'No material with that id', field);
  return m;
}

async function location(tx: Tx, id: number, field: string) {
  const l = await tx.stockLocation.findUnique({ where: { id } });
  if (!l) throw new StockError('INVALID', 'No stock location with that id', field);
  if (!l.active) throw new StockError('INACTIVE_LOCATION', `${l.name} is closed`, field);
  return l;
}

/** Add `quantity` at a location (creating the level). */
async function increment(tx: Tx, locationId: number, materialId: number, quantity: number): Promise<void> {
  await tx.stockLevel.upsert({
    where: { locationId_materialId: { locationId, materialId } },
    create: { locationId, materialId, quantity },
    update: { quantity: { increment: quantity } },
  });
}

/** Take `quantity` from a location, or StockError INSUFFICIENT_STOCK (nothing taken). */
async function decrement(tx: Tx, locationId: number, materialId: number, quantity: number, field: string): Promise<void> {
  const res = await tx.stockLevel.updateMany({
    where: { locationId, materialId, quantity: { gte: quantity } },
    data: { quantity: { decrement: quantity } },
  });
  if (res.count === 1) return;
  const [level, m, l] = await Promise.all([
    tx.stockLevel.findUnique({ where: { locationId_materialId: { locationId, materialId } }, select: { quantity: true } }),
    tx.material.findUnique({ where: { id: materialId }, select: { name: true, unit: true } }),
    tx.stockLocation.findUnique({ where: { id: locationId }, select: { name: true } }),
  ]);
  const available = Number(level?.quantity ?? 0);
  throw new StockError(
    'INSUFFICIENT_STOCK',
    `${l?.name ?? 'That location'} has ${available} ${m?.unit ?? ''} of ${m?.name ?? 'that material'}, not ${quantity}`.replace(
      /\s+/g,
      ' ',
    ),
    field,
    available,
  );
}

export interface MoveInput {
  materialId: number;
  /** For materials counted by quantity. */
  quantity?: number | null;
  /** For serialised materials. */
  serials?: readonly string[] | null;
  reason: string;
}

function checkAmount(m: { serialKind: 'SERIAL' | 'MAC' | null; name: string }, input: MoveInput): string[] | number {
  if (m.serialKind) {
    if (input.quantity != null) throw new StockError('SERIALISED', `${m.name} is tracked by serial: give the serials`, 'input.quantity');
    if (!input.serials?.length) throw new StockError('SERIALISED', `Give the serials of the ${m.name} units`, 'input.serials');
    const out: string[] = [];
    for (const [i, raw] of input.serials.entries()) {
      const s = normaliseSerial(raw, m.serialKind);
      if (!s)
        throw new StockError(
          'INVALID',
          `"${raw}" is not a valid ${m.serialKind === 'MAC' ? 'MAC address' : 'serial'}`,
          `input.serials.${i}`,
        );
      if (out.includes(s)) throw new StockError('DUPLICATE_SERIAL', `${s} is listed twice`, `input.serials.${i}`);
      out.push(s);
    }
    return out;
  }
  if (input.serials?.length) throw new StockError('NOT_SERIALISED', `${m.name} is counted by quantity, not by serial`, 'input.serials');
  const q = input.quantity;
  if (q == null || !Number.isFinite(q) || q <= 0 || q > 1_000_000)
    throw new StockError('INVALID', 'Quantity must be more than 0', 'input.quantity');
  return Math.round(q * 100) / 100;
}

/** Goods arrive at a location (a purchase, a delivery): new serials, or more of a material. */
export async function receive(tx: Tx, actor: Actor, locationId: number, input: MoveInput): Promise<number> {
  const [m] = await Promise.all([material(tx, input.materialId, 'input.materialId'), location(tx, locationId, 'input.locationId')]);
  const amount = checkAmount(m, input);
  if (typeof amount === 'number') {
    await increment(tx, locationId, m.id, amount);
    await tx.stockMove.create({
      data: { kind: 'RECEIVE', materialId: m.id, quantity: amount, toLocationId: locationId, actorId: actor.userId, reason: input.reason },
    });
    return amount;
  }
  const existing = await tx.stockItem.findMany({ where: { serial: { in: amount } }, select: { serial: true } });
  if (existing.length) {
    const i = amount.indexOf(existing[0]!.serial);
    throw new StockError('DUPLICATE_SERIAL', `${existing[0]!.serial} is already in stock records`, `input.serials.${i}`);
  }
  for (const serial of amount) {
    const item = await tx.stockItem.create({ data: { materialId: m.id, serial, locationId, status: 'IN_STOCK' } });
    await tx.stockMove.create({
      data: {
        kind: 'RECEIVE',
        materialId: m.id,
        quantity: 1,
        toLocationId: locationId,
        itemId: item.id,
        actorId: actor.userId,
        reason: input.reason,
      },
    });
  }
  return amount.length;
}

/** From one location to another (warehouse → van, van → warehouse, van → van). */
export async function transfer(tx: Tx, actor: Actor, fromId: number, toId: number, input: MoveInput): Promise<number> {
  if (fromId === toId) throw new StockError('SAME_LOCATION', 'From and to are the same place', 'input.toLocationId');
  const [m] = await Promise.all([
    material(tx, input.materialId, 'input.materialId'),
    location(tx, fromId, 'input.fromLocationId'),
    location(tx, toId, 'input.toLocationId'),
  ]);
  const amount = checkAmount(m, input);
  if (typeof amount === 'number') {
    // Both levels locked in location order first: two opposite transfers queue, never deadlock.
    await tx.$executeRaw`SELECT 1 FROM stock_levels WHERE material_id = ${m.id} AND location_id IN (${fromId}, ${toId}) ORDER BY location_id FOR UPDATE`;
    await decrement(tx, fromId, m.id, amount, 'input.quantity');
    await increment(tx, toId, m.id, amount);
    await tx.stockMove.create({
      data: {
        kind: 'TRANSFER',
        materialId: m.id,
        quantity: amount,
        fromLocationId: fromId,
        toLocationId: toId,
        actorId: actor.userId,
        reason: input.reason,
      },
    });
    return amount;
  }
  for (const [i, serial] of amount.entries()) {
    const moved = await tx.stockItem.updateMany({
      where: { serial, materialId: m.id, locationId: fromId, status: 'IN_STOCK' },
      data: { locationId: toId },
    });
    if (moved.count !== 1) throw new StockError('NOT_AVAILABLE', `${serial} is not in stock at the origin`, `input.serials.${i}`);
    const item = await tx.stockItem.findUniqueOrThrow({ where: { serial }, select: { id: true } });
    await tx.stockMove.create({
      data: {
        kind: 'TRANSFER',
        materialId: m.id,
        quantity: 1,
        fromLocationId: fromId,
        toLocationId: toId,
        itemId: item.id,
        actorId: actor.userId,
        reason: input.reason,
      },
    });
  }
  return amount.length;
}

/** An inventory count: the level becomes `quantity`, the difference recorded. */
export async function adjust(
  tx: Tx,
  actor: Actor,
  locationId: number,
  materialId: number,
  quantity: number,
  reason: string,
): Promise<number> {
  const [m] = await Promise.all([material(tx, materialId, 'input.materialId'), location(tx, locationId, 'input.locationId')]);
  if (m.serialKind) throw new StockError('SERIALISED', `${m.name} is tracked by serial: move or retire units instead`, 'input.materialId');
  if (!Number.isFinite(quantity) || quantity < 0) throw new StockError('INVALID', 'A count cannot be negative', 'input.quantity');
  const q = Math.round(quantity * 100) / 100;
  const before = await tx.$queryRaw<{ quantity: string }[]>`
    SELECT quantity::text FROM stock_levels WHERE location_id = ${locationId} AND material_id = ${materialId} FOR UPDATE`;
  const was = Number(before[0]?.quantity ?? 0);
  await tx.stockLevel.upsert({
    where: { locationId_materialId: { locationId, materialId } },
    create: { locationId, materialId, quantity: q },
    update: { quantity: q },
  });
  if (q !== was) {
    await tx.stockMove.create({
      data: {
        kind: 'ADJUST',
        materialId,
        quantity: Math.round((q - was) * 100) / 100,
        toLocationId: locationId,
        actorId: actor.userId,
        reason,
      },
    });
  }
  return q - was;
}

/** A unit found broken (in a van or warehouse, or taken out of a customer's home). */
export async function markFaulty(tx: Tx, actor: Actor, rawSerial: string, reason: string, toLocationId: number | null): Promise<void> {
  const item = await findItem(tx, rawSerial);
  if (item.status === 'FAULTY' || item.status === 'RETIRED')
    throw new StockError('NOT_AVAILABLE', `${item.serial} is already ${item.status.toLowerCase()}`, 'input.serial');
  if (toLocationId !== null) await location(tx, toLocationId, 'input.locationId');
  const target = toLocationId ?? item.locationId;
  const moved = await tx.stockItem.updateMany({
    where: { id: item.id, status: item.status, updatedAt: item.updatedAt },
    data: { status: 'FAULTY', locationId: target, connectionId: null },
  });
  if (moved.count !== 1) throw new StockError('NOT_AVAILABLE', `${item.serial} changed meanwhile: try again`, 'input.serial');
  if (item.status === 'INSTALLED') await relinkOnuSerial(tx, item.serial);
  await tx.stockMove.create({
    data: {
      kind: 'FAULTY',
      materialId: item.materialId,
      quantity: 1,
      fromLocationId: item.locationId,
      toLocationId: target,
      itemId: item.id,
      connectionId: item.connectionId,
      actorId: actor.userId,
      reason,
    },
  });
}

/** An installed unit comes back (picked up at a withdrawal): in stock again at `toLocationId`. */
export async function returnItem(
  tx: Tx,
  actor: Actor,
  rawSerial: string,
  toLocationId: number,
  reason: string,
  workOrderId: number | null = null,
): Promise<void> {
  const item = await findItem(tx, rawSerial);
  await location(tx, toLocationId, 'input.locationId');
  const moved = await tx.stockItem.updateMany({
    where: { id: item.id, status: 'INSTALLED' },
    data: { status: 'IN_STOCK', locationId: toLocationId, connectionId: null, workOrderId },
  });
  if (moved.count !== 1) throw new StockError('NOT_AVAILABLE', `${item.serial} is not installed anywhere`, 'input.serial');
  await relinkOnuSerial(tx, item.serial);
  await tx.stockMove.create({
    data: {
      kind: 'RETURN',
      materialId: item.materialId,
      quantity: 1,
      toLocationId,
      itemId: item.id,
      connectionId: item.connectionId,
      workOrderId,
      actorId: actor.userId,
      reason,
    },
  });
}

async function findItem(tx: Tx, raw: string) {
  const candidates = [normaliseSerial(raw, 'SERIAL'), normaliseSerial(raw, 'MAC')].filter((s): s is string => s !== null);
  const item = candidates.length ? await tx.stockItem.findFirst({ where: { serial: { in: candidates } } }) : null;
  if (!item) throw new StockError('UNKNOWN_SERIAL', `No unit with serial ${raw.trim()} in stock records`, 'input.serial');
  return item;
}

/** The van of a technician (theirs first, else their team's), or null when they have none. */
export async function vanOf(tx: Tx, technicianId: number): Promise<{ id: number; name: string } | null> {
  const own = await tx.stockLocation.findFirst({
    where: { kind: 'VAN', active: true, technicianId },
    select: { id: true, name: true },
    orderBy: { id: 'asc' },
  });
  if (own) return own;
  const user = await tx.user.findUnique({ where: { id: technicianId }, select: { teamId: true } });
  if (!user?.teamId) return null;
  return tx.stockLocation.findFirst({
    where: { kind: 'VAN', active: true, teamId: user.teamId, technicianId: null },
    select: { id: true, name: true },
    orderBy: { id: 'asc' },
  });
}

export interface Consumption {
  workOrderId: number;
  technicianId: number | null;
  connectionId: number | null;
  materials: readonly { materialId: number; quantity: number }[];
  /** Normalised serial of the ONU installed, if any. */
  installedSerial: string | null;
  /** Why the installed unit is not from the van (explicit override), if so. */
  overrideReason: string | null;
}

/**
 * What a completed visit takes from the technician's van: the materials used and the ONU
 * installed (which must be one they carry, unless overridden with a reason). The unit is
 * then installed at the connection, so when SmartOLT reports that serial it links there.
 * Technicians without a van (stock not kept for them) consume nothing.
 */
export async function consumeForWorkOrder(tx: Tx, actor: Actor, c: Consumption): Promise<{ van: string | null }> {
  const van = c.technicianId !== null ? await vanOf(tx, c.technicianId) : null;
  const reason = `OT #${c.workOrderId}`;
  if (van) {
    for (const [i, m] of c.materials.entries()) {
      const mat = await material(tx, m.materialId, `input.materials.${i}.materialId`);
      if (mat.serialKind) continue; // serialised units are given by serial, below
      await decrement(tx, van.id, m.materialId, m.quantity, `input.materials.${i}.quantity`);
      await tx.stockMove.create({
        data: {
          kind: 'CONSUME',
          materialId: m.materialId,
          quantity: m.quantity,
          fromLocationId: van.id,
          workOrderId: c.workOrderId,
          connectionId: c.connectionId,
          actorId: actor.userId,
          reason,
        },
      });
    }
  }
  if (!c.installedSerial) return { van: van?.name ?? null };
  const item = await tx.stockItem.findUnique({ where: { serial: c.installedSerial } });
  if (van && !c.overrideReason) {
    if (!item)
      throw new StockError(
        'NOT_IN_VAN',
        `${c.installedSerial} is not in stock records: install one from ${van.name}, or say why not`,
        'input.installedOnuSerial',
      );
    if (item.status !== 'IN_STOCK' || item.locationId !== van.id) {
      throw new StockError('NOT_IN_VAN', `${c.installedSerial} is not in ${van.name}`, 'input.installedOnuSerial');
    }
  }
  if (!item) return { van: van?.name ?? null }; // an override with a unit Emerald never stocked
  if (item.status === 'INSTALLED' && item.connectionId !== c.connectionId) {
    throw new StockError('NOT_AVAILABLE', `${c.installedSerial} is installed at another connection`, 'input.installedOnuSerial');
  }
  const from = item.status === 'IN_STOCK' ? item.locationId : null;
  const moved = await tx.stockItem.updateMany({
    where: { id: item.id, status: item.status, locationId: item.locationId },
    data: { status: 'INSTALLED', locationId: null, connectionId: c.connectionId, workOrderId: c.workOrderId },
  });
  if (moved.count !== 1)
    throw new StockError('NOT_AVAILABLE', `${c.installedSerial} was just taken by another visit`, 'input.installedOnuSerial');
  await relinkOnuSerial(tx, item.serial);
  await tx.stockMove.create({
    data: {
      kind: 'INSTALL',
      materialId: item.materialId,
      quantity: 1,
      fromLocationId: from,
      itemId: item.id,
      workOrderId: c.workOrderId,
      connectionId: c.connectionId,
      actorId: actor.userId,
      reason: c.overrideReason ? `${reason} (fuera de la camioneta: ${c.overrideReason})` : reason,
    },
  });
  return { van: van?.name ?? null };
}
