/**
 * Reference data an ISP sets up once and then tends: field teams (a leader and members),
 * ticket categories and their reasons (Spanish name, optional English name), ticket tags
 * and the material catalogue. Admins create, rename and deactivate; nothing is deleted,
 * because tickets and work orders keep pointing at what they used. Every change is audited.
 */
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { audit } from '../audit.ts';
import type { Context } from '../context.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { TicketTypeEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';

// ───────────────────────────── types ─────────────────────────────

export const TeamRef = builder.prismaNode('Team', {
  id: { field: 'id' },
  description: 'A field team: a leader and the technicians who do its work orders.',
  authScopes: { authenticated: true },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name.' }),
    active: t.exposeBoolean('active', { description: 'Deactivated teams get no new work orders.' }),
    leader: t.relation('leader', { nullable: true, description: 'Who answers for the team.' }),
    members: t.relation('members', { description: 'Active members.', query: { where: { active: true }, orderBy: { name: 'asc' } } }),
  }),
});

builder.prismaObject('TicketCategory', {
  description: 'A ticket category, grouping reasons.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Category id (numeric).' }),
    name: t.exposeString('name', { description: 'Name (Spanish, the default).' }),
    nameEn: t.exposeString('nameEn', { nullable: true, description: 'English name, when given.' }),
    type: t.field({ type: TicketTypeEnum, description: 'Ticket type it belongs to.', resolve: (c) => c.type }),
    active: t.exposeBoolean('active', { description: 'Deactivated categories are not offered for new tickets.' }),
    reasons: t.relation('reasons', {
      description: 'Reasons, active ones unless asked.',
      args: { includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated reasons.' }) },
      query: (args) => ({ where: args.includeInactive ? {} : { active: true }, orderBy: { name: 'asc' } }),
    }),
  }),
});

builder.prismaObject('TicketReason', {
  description: 'A reason within a ticket category.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Reason id (numeric).' }),
    name: t.exposeString('name', { description: 'Name (Spanish, the default).' }),
    nameEn: t.exposeString('nameEn', { nullable: true, description: 'English name, when given.' }),
    active: t.exposeBoolean('active', { description: 'Deactivated reasons are not offered for new tickets.' }),
  }),
});

builder.prismaObject('Tag', {
  description: 'A label for tickets.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Tag id (numeric).' }),
    name: t.exposeString('name', { description: 'Name (lower case).' }),
    active: t.exposeBoolean('active', { description: 'Deactivated tags cannot be put on tickets any more.' }),
    ticketCount: t.relationCount('tickets', { description: 'Tickets that carry it.' }),
  }),
});

builder.prismaObject('Material', {
  description: 'A catalogue item for work orders.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Material id (numeric).' }),
    code: t.exposeString('code', { description: 'Code (fixed once created).' }),
    name: t.exposeString('name', { description: 'Name.' }),
    unit: t.exposeString('unit', { description: 'Unit (m, u …).' }),
    active: t.exposeBoolean('active', { description: 'Deactivated materials cannot be recorded on new visits.' }),
  }),
});

// ───────────────────────────── queries ─────────────────────────────

const activeUnless = (includeInactive: boolean | null | undefined) => (includeInactive ? {} : { active: true });

builder.queryFields((t) => ({
  teams: t.prismaField({
    type: ['Team'],
    description: 'Field teams (active ones unless asked).',
    authScopes: readAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    args: { includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated teams.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.team.findMany({ ...query, where: activeUnless(args.includeInactive), orderBy: { name: 'asc' } }),
  }),
  ticketCategories: t.prismaField({
    type: ['TicketCategory'],
    description: 'Ticket categories and their reasons (active ones unless asked).',
    authScopes: readAs('ADMIN', 'SUPPORT'),
    args: { includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated categories.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.ticketCategory.findMany({ ...query, where: activeUnless(args.includeInactive), orderBy: { name: 'asc' } }),
  }),
  tags: t.prismaField({
    type: ['Tag'],
    description: 'Ticket tags (active ones unless asked).',
    authScopes: readAs('ADMIN', 'SUPPORT'),
    args: { includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated tags.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.tag.findMany({ ...query, where: activeUnless(args.includeInactive), orderBy: { name: 'asc' } }),
  }),
  materials: t.prismaField({
    type: ['Material'],
    description: 'Material catalogue (active items unless asked).',
    authScopes: readAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    args: { includeInactive: t.arg.boolean({ required: false, description: 'Include deactivated materials.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.material.findMany({ ...query, where: activeUnless(args.includeInactive), orderBy: { name: 'asc' } }),
  }),
}));

// ───────────────────────────── validation ─────────────────────────────

const label = z.string().trim().min(2, 'A name needs at least 2 characters').max(80, 'A name has at most 80 characters');
const optionalLabel = label.nullish();
const tagName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'A tag needs a name')
  .max(40, 'A tag has at most 40 characters')
  .regex(/^[^\s,]+$/, 'A tag is one word (use - between words)');
const materialCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9._/-]{1,39}$/, 'Code: 2–40 of A-Z, 0-9, dot, dash, slash, underscore');
const unit = z.string().trim().min(1, 'Give the unit (m, u, kg …)').max(10, 'A unit has at most 10 characters');

/** Run a write; a unique-name clash becomes a typed TAKEN error on `field` (changing nothing). */
async function unique<T>(field: string, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
      throw ValidationError.single(field, 'TAKEN', `There is already ${what} with that name`);
    throw error;
  }
}

/** Create a row in a transaction, with its audit entry; a name clash is a typed TAKEN on `field`. */
async function createAudited<R extends { id: number }>(
  ctx: Context,
  spec: {
    entityType: string;
    field: string;
    what: string;
    write: (tx: Prisma.TransactionClient) => Promise<R>;
    snapshot: (row: NoInfer<R>) => Record<string, unknown>;
  },
): Promise<R> {
  const action = `${spec.entityType.charAt(0).toLowerCase()}${spec.entityType.slice(1)}.create`;
  return unique(spec.field, spec.what, () =>
    ctx.db.prisma.$transaction(async (tx) => {
      const row = await spec.write(tx);
      await audit(tx, ctx, { action, entityType: spec.entityType, entityId: row.id, after: spec.snapshot(row) });
      return row;
    }),
  );
}

/** Apply a partial update in a transaction with before/after in the audit log. */
async function updateAudited<R extends { id: number }>(
  ctx: Context,
  spec: {
    entityType: string;
    action: string;
    field: string;
    what: string;
    load: (tx: Prisma.TransactionClient) => Promise<R | null>;
    write: (tx: Prisma.TransactionClient) => Promise<NoInfer<R>>;
    snapshot: (row: NoInfer<R>) => Record<string, unknown>;
  },
): Promise<NoInfer<R>> {
  return unique(spec.field, spec.what, () =>
    ctx.db.prisma.$transaction(async (tx) => {
      const before = await spec.load(tx);
      if (!before) throw new NotFoundError('input.id', `No ${spec.entityType.toLowerCase()} with that id`);
      const after = await spec.write(tx);
      await audit(tx, ctx, {
        action: spec.action,
        entityType: spec.entityType,
        entityId: after.id,
        before: spec.snapshot(before),
        after: spec.snapshot(after),
      });
      return after;
    }),
  );
}

// ───────────────────────────── teams ─────────────────────────────

const TeamInput = builder.inputType('TeamInput', {
  description: 'A team. On update, omitted fields stay.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'Team id (update only).' }),
    name: t.string({ required: false, description: 'Name (2–80 characters; required to create).' }),
    leaderId: t.id({ required: false, description: 'Leader (an active user).' }),
    clearLeader: t.boolean({ required: false, description: 'Leave the team without a leader.' }),
    memberIds: t.idList({
      required: false,
      description: 'The complete member list (active users; someone in another team moves here). Omit to keep it.',
    }),
    active: t.boolean({ required: false, description: 'false deactivates, true reactivates.' }),
  }),
});

interface TeamRow {
  id: number;
  name: string;
  leaderId: number | null;
  active: boolean;
}
const teamSnapshot = (tm: TeamRow & { memberIds?: number[] }) => ({
  name: tm.name,
  leaderId: tm.leaderId,
  active: tm.active,
  ...(tm.memberIds ? { memberIds: tm.memberIds } : {}),
});

async function activeUser(tx: Prisma.TransactionClient, id: number, field: string): Promise<void> {
  const user = await tx.user.findUnique({ where: { id }, select: { active: true } });
  if (!user?.active) throw new NotFoundError(field, 'No active user with that id');
}

/** Make `memberIds` exactly the team's members; returns the sorted ids. */
async function setMembers(tx: Prisma.TransactionClient, teamId: number, memberIds: number[]): Promise<number[]> {
  for (const [i, id] of memberIds.entries()) await activeUser(tx, id, `input.memberIds.${i}`);
  await tx.user.updateMany({ where: { teamId, id: { notIn: memberIds } }, data: { teamId: null } });
  await tx.user.updateMany({ where: { id: { in: memberIds } }, data: { teamId } });
  return [...new Set(memberIds)].sort((a, b) => a - b);
}

async function currentMembers(tx: Prisma.TransactionClient, teamId: number): Promise<number[]> {
  const rows = await tx.user.findMany({ where: { teamId }, select: { id: true }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.id);
}

function teamFields(input: { name?: string | null; leaderId?: string | number | null; memberIds?: (string | number)[] | null }) {
  const v = parseInput(z.object({ name: optionalLabel }), { name: input.name });
  return {
    name: v.name ?? undefined,
    leaderId: optionalIdOf(input.leaderId ? String(input.leaderId) : null, 'User', 'input.leaderId'),
    memberIds: input.memberIds?.map((id, i) => idOf(String(id), 'User', `input.memberIds.${i}`)),
  };
}

builder.mutationFields((t) => ({
  createTeam: t.field({
    type: TeamRef,
    description: 'Create a field team (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateTeam', 'team'),
    args: { input: t.arg({ type: TeamInput, required: true, description: 'The team.' }) },
    resolve: async (_root, { input }, ctx) => {
      const v = teamFields(input);
      if (!v.name) throw ValidationError.single('input.name', 'REQUIRED', 'Give the team a name');
      return createAudited(ctx, {
        entityType: 'Team',
        field: 'input.name',
        what: 'a team',
        write: async (tx: Prisma.TransactionClient) => {
          if (v.leaderId !== null) await activeUser(tx, v.leaderId, 'input.leaderId');
          const team = await tx.team.create({ data: { name: v.name!, leaderId: v.leaderId } });
          return { ...team, memberIds: v.memberIds ? await setMembers(tx, team.id, v.memberIds) : [] };
        },
        snapshot: teamSnapshot,
      });
    },
  }),
  updateTeam: t.field({
    type: TeamRef,
    description: 'Rename a team, change its leader or members, deactivate or reactivate it (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateTeam', 'team'),
    args: { input: t.arg({ type: TeamInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, ctx) => {
      if (!input.id) throw ValidationError.single('input.id', 'REQUIRED', 'Say which team');
      const id = idOf(String(input.id), 'Team', 'input.id');
      const v = teamFields(input);
      return updateAudited(ctx, {
        entityType: 'Team',
        action: 'team.update',
        field: 'input.name',
        what: 'a team',
        load: async (tx: Prisma.TransactionClient) => {
          const team = await tx.team.findUnique({ where: { id } });
          return team && { ...team, memberIds: await currentMembers(tx, id) };
        },
        write: async (tx) => {
          if (v.leaderId !== null) await activeUser(tx, v.leaderId, 'input.leaderId');
          const team = await tx.team.update({
            where: { id },
            data: {
              name: v.name,
              active: input.active ?? undefined,
              ...(v.leaderId !== null ? { leaderId: v.leaderId } : input.clearLeader ? { leaderId: null } : {}),
            },
          });
          return { ...team, memberIds: v.memberIds ? await setMembers(tx, id, v.memberIds) : await currentMembers(tx, id) };
        },
        snapshot: teamSnapshot,
      });
    },
  }),
}));

// ───────────────────────────── ticket categories and reasons ─────────────────────────────

const CategoryInput = builder.inputType('TicketCategoryInput', {
  description: 'A ticket category. On update, omitted fields stay.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'Category id (update only).' }),
    name: t.string({ required: false, description: 'Name in Spanish (required to create).' }),
    nameEn: t.string({ required: false, description: 'Name in English ("" clears it).' }),
    type: t.field({ type: TicketTypeEnum, required: false, description: 'Ticket type (required to create; fixed afterwards).' }),
    active: t.boolean({ required: false, description: 'false deactivates, true reactivates.' }),
  }),
});

const ReasonInput = builder.inputType('TicketReasonInput', {
  description: 'A reason within a category. On update, omitted fields stay.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'Reason id (update only).' }),
    categoryId: t.id({ required: false, description: 'Category (required to create).' }),
    name: t.string({ required: false, description: 'Name in Spanish (required to create).' }),
    nameEn: t.string({ required: false, description: 'Name in English ("" clears it).' }),
    active: t.boolean({ required: false, description: 'false deactivates, true reactivates.' }),
  }),
});

/** Names of a category or reason: `nameEn` "" clears the English name. */
function names(input: { name?: string | null; nameEn?: string | null }) {
  const v = parseInput(z.object({ name: optionalLabel, nameEn: optionalLabel }), {
    name: input.name,
    nameEn: input.nameEn === '' ? null : input.nameEn,
  });
  return { name: v.name ?? undefined, nameEn: input.nameEn === '' ? null : (v.nameEn ?? undefined) };
}

function numericId(value: string | number | null | undefined, field: string): number {
  const id = Number(value);
  if (!value || !Number.isSafeInteger(id) || id <= 0) throw ValidationError.single(field, 'INVALID_ID', `${field} is not a valid id`);
  return id;
}

const categorySnapshot = (c: { name: string; nameEn: string | null; type: string; active: boolean }) => ({
  name: c.name,
  nameEn: c.nameEn,
  type: c.type,
  active: c.active,
});
const reasonSnapshot = (r: { categoryId: number; name: string; nameEn: string | null; active: boolean }) => ({
  categoryId: r.categoryId,
  name: r.name,
  nameEn: r.nameEn,
  active: r.active,
});

builder.mutationFields((t) => ({
  createTicketCategory: t.prismaField({
    type: 'TicketCategory',
    description: 'Create a ticket category (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateTicketCategory', 'category'),
    args: { input: t.arg({ type: CategoryInput, required: true, description: 'The category.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const v = names(input);
      if (!v.name) throw ValidationError.single('input.name', 'REQUIRED', 'Give the category a name');
      if (!input.type) throw ValidationError.single('input.type', 'REQUIRED', 'Say which ticket type it is for');
      const type = input.type;
      return createAudited(ctx, {
        entityType: 'TicketCategory',
        field: 'input.name',
        what: 'a category',
        write: (tx: Prisma.TransactionClient) => tx.ticketCategory.create({ data: { name: v.name!, nameEn: v.nameEn ?? null, type } }),
        snapshot: categorySnapshot,
      });
    },
  }),
  updateTicketCategory: t.prismaField({
    type: 'TicketCategory',
    description: 'Rename, deactivate or reactivate a ticket category (admins). Tickets keep the category they have.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateTicketCategory', 'category'),
    args: { input: t.arg({ type: CategoryInput, required: true, description: 'The changes.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const id = numericId(input.id, 'input.id');
      if (input.type) throw ValidationError.single('input.type', 'FIXED', 'A category keeps its ticket type: create a new one');
      const v = names(input);
      return updateAudited(ctx, {
        entityType: 'TicketCategory',
        action: 'ticketCategory.update',
        field: 'input.name',
        what: 'a category',
        load: (tx: Prisma.TransactionClient) => tx.ticketCategory.findUnique({ where: { id } }),
        write: (tx) => tx.ticketCategory.update({ where: { id }, data: { ...v, active: input.active ?? undefined } }),
        snapshot: categorySnapshot,
      });
    },
  }),
  createTicketReason: t.prismaField({
    type: 'TicketReason',
    description: 'Add a reason to a ticket category (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateTicketReason', 'reason'),
    args: { input: t.arg({ type: ReasonInput, required: true, description: 'The reason.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const categoryId = numericId(input.categoryId, 'input.categoryId');
      const v = names(input);
      if (!v.name) throw ValidationError.single('input.name', 'REQUIRED', 'Give the reason a name');
      return createAudited(ctx, {
        entityType: 'TicketReason',
        field: 'input.name',
        what: 'a reason in this category',
        write: async (tx: Prisma.TransactionClient) => {
          if (!(await tx.ticketCategory.findUnique({ where: { id: categoryId }, select: { id: true } })))
            throw new NotFoundError('input.categoryId', 'No category with that id');
          return tx.ticketReason.create({ data: { categoryId, name: v.name!, nameEn: v.nameEn ?? null } });
        },
        snapshot: reasonSnapshot,
      });
    },
  }),
  updateTicketReason: t.prismaField({
    type: 'TicketReason',
    description: 'Rename, deactivate or reactivate a ticket reason (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateTicketReason', 'reason'),
    args: { input: t.arg({ type: ReasonInput, required: true, description: 'The changes.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const id = numericId(input.id, 'input.id');
      if (input.categoryId) throw ValidationError.single('input.categoryId', 'FIXED', 'A reason stays in its category');
      const v = names(input);
      return updateAudited(ctx, {
        entityType: 'TicketReason',
        action: 'ticketReason.update',
        field: 'input.name',
        what: 'a reason in this category',
        load: (tx: Prisma.TransactionClient) => tx.ticketReason.findUnique({ where: { id } }),
        write: (tx) => tx.ticketReason.update({ where: { id }, data: { ...v, active: input.active ?? undefined } }),
        snapshot: reasonSnapshot,
      });
    },
  }),
}));

// ───────────────────────────── tags and materials ─────────────────────────────

const TagInput = builder.inputType('TagInput', {
  description: 'A ticket tag. On update, omitted fields stay.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'Tag id (update only).' }),
    name: t.string({ required: false, description: 'Name: one word, lower case (required to create).' }),
    active: t.boolean({ required: false, description: 'false deactivates, true reactivates.' }),
  }),
});

const MaterialInput = builder.inputType('MaterialInput', {
  description: 'A catalogue item. On update, omitted fields stay; the code is fixed once created.',
  fields: (t) => ({
    id: t.id({ required: false, description: 'Material id (update only).' }),
    code: t.string({ required: false, description: 'Code, e.g. DROP-1F (required to create).' }),
    name: t.string({ required: false, description: 'Name (required to create).' }),
    unit: t.string({ required: false, description: 'Unit: m, u, kg … (required to create).' }),
    active: t.boolean({ required: false, description: 'false deactivates, true reactivates.' }),
  }),
});

const tagSnapshot = (tg: { name: string; active: boolean }) => ({ name: tg.name, active: tg.active });
const materialSnapshot = (m: { code: string; name: string; unit: string; active: boolean }) => ({
  code: m.code,
  name: m.name,
  unit: m.unit,
  active: m.active,
});

builder.mutationFields((t) => ({
  createTag: t.prismaField({
    type: 'Tag',
    description: 'Create a ticket tag (admins; support also creates tags by using a new one on a ticket).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateTag', 'tag'),
    args: { input: t.arg({ type: TagInput, required: true, description: 'The tag.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const v = parseInput(z.object({ name: tagName }), { name: input.name ?? '' });
      return createAudited(ctx, {
        entityType: 'Tag',
        field: 'input.name',
        what: 'a tag',
        write: (tx: Prisma.TransactionClient) => tx.tag.create({ data: { name: v.name } }),
        snapshot: tagSnapshot,
      });
    },
  }),
  updateTag: t.prismaField({
    type: 'Tag',
    description: 'Rename, deactivate or reactivate a tag (admins). Renaming changes it on every ticket that has it.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateTag', 'tag'),
    args: { input: t.arg({ type: TagInput, required: true, description: 'The changes.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const id = numericId(input.id, 'input.id');
      const v = parseInput(z.object({ name: tagName.nullish() }), { name: input.name });
      return updateAudited(ctx, {
        entityType: 'Tag',
        action: 'tag.update',
        field: 'input.name',
        what: 'a tag',
        load: (tx: Prisma.TransactionClient) => tx.tag.findUnique({ where: { id } }),
        write: (tx) => tx.tag.update({ where: { id }, data: { name: v.name ?? undefined, active: input.active ?? undefined } }),
        snapshot: tagSnapshot,
      });
    },
  }),
  createMaterial: t.prismaField({
    type: 'Material',
    description: 'Add an item to the material catalogue (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateMaterial', 'material'),
    args: { input: t.arg({ type: MaterialInput, required: true, description: 'The material.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const v = parseInput(z.object({ code: materialCode, name: label, unit }), {
        code: input.code ?? '',
        name: input.name ?? '',
        unit: input.unit ?? '',
      });
      return createAudited(ctx, {
        entityType: 'Material',
        field: 'input.code',
        what: 'a material',
        write: (tx: Prisma.TransactionClient) => tx.material.create({ data: v }),
        snapshot: materialSnapshot,
      });
    },
  }),
  updateMaterial: t.prismaField({
    type: 'Material',
    description: 'Rename a material, change its unit, deactivate or reactivate it (admins).',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('UpdateMaterial', 'material'),
    args: { input: t.arg({ type: MaterialInput, required: true, description: 'The changes.' }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const id = numericId(input.id, 'input.id');
      if (input.code) throw ValidationError.single('input.code', 'FIXED', 'A material keeps its code: create a new one');
      const v = parseInput(z.object({ name: optionalLabel, unit: unit.nullish() }), { name: input.name, unit: input.unit });
      return updateAudited(ctx, {
        entityType: 'Material',
        action: 'material.update',
        field: 'input.name',
        what: 'a material',
        load: (tx: Prisma.TransactionClient) => tx.material.findUnique({ where: { id } }),
        write: (tx) =>
          tx.material.update({
            where: { id },
            data: { name: v.name ?? undefined, unit: v.unit ?? undefined, active: input.active ?? undefined },
          }),
        snapshot: materialSnapshot,
      });
    },
  }),
}));
