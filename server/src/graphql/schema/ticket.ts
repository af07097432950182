/** Tickets: support cases with a timeline of notes, changes and system evidence. */
import { z } from 'zod';
import { GraphQLError } from 'graphql';
import type { Prisma } from '../../generated/prisma/client.ts';
import { OPEN_TICKET_STATUSES, canChangeTicketStatus, type TicketStatus } from '../../domain/workflow.ts';
import { linkTicketToActiveIncidents } from '../incidentTickets.ts';
import { builder } from '../builder.ts';
import { TICKET_READERS, readAs, rowScopes, writeAs } from '../access.ts';
import { audit, lockForUpdate } from '../audit.ts';
import type { Context } from '../context.ts';
import { InvalidTransitionError, NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { SortDirectionEnum, TicketEventKindEnum, TicketPriorityEnum, TicketStatusEnum, TicketTypeEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';

export const TicketRef = builder.prismaNode('Ticket', {
  // Select mode: only the columns the query asks for are loaded (never the long description
  // or the search text of a ticket listed by number and subject).
  select: { id: true },
  id: { field: 'id' },
  description: 'A support case about a customer or connection.',
  authScopes: rowScopes(TICKET_READERS, (tk: { id: number }, scope) => scope.ticketIds.has(tk.id)),
  fields: (t) => ({
    number: t.exposeInt('id', { description: 'Ticket number (what people quote on the phone).' }),
    subject: t.exposeString('subject', { description: 'Short summary.' }),
    description: t.exposeString('description', { description: 'Details.' }),
    type: t.field({ type: TicketTypeEnum, description: 'Kind of ticket.', select: { type: true }, resolve: (tk) => tk.type }),
    status: t.field({ type: TicketStatusEnum, description: 'Status.', select: { status: true }, resolve: (tk) => tk.status }),
    priority: t.field({ type: TicketPriorityEnum, description: 'Priority.', select: { priority: true }, resolve: (tk) => tk.priority }),
    category: t.relation('category', { nullable: true, description: 'Category.' }),
    reason: t.relation('reason', { nullable: true, description: 'Reason within the category.' }),
    customer: t.relation('customer', { nullable: true, description: 'Customer.' }),
    connection: t.relation('connection', { nullable: true, description: 'Connection.' }),
    creator: t.relation('creator', { description: 'Who opened it.' }),
    assignee: t.relation('assignee', { nullable: true, description: 'Who is working on it.' }),
    tags: t.stringList({
      description: 'Labels.',
      select: { tags: { select: { tag: { select: { name: true } } } } },
      resolve: (tk) => tk.tags.map((x) => x.tag.name).sort(),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'Opened.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'Resolved.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'Closed.' }),
    timeline: t.relatedConnection('events', {
      cursor: 'id',
      totalCount: true,
      description: 'Timeline, oldest first: creation, notes, changes, evidence.',
      query: () => ({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
    workOrders: t.relation('workOrders', { description: 'Field visits for this ticket.', query: { orderBy: { id: 'asc' } } }),
  }),
});

builder.prismaObject('TicketEvent', {
  description: 'An entry of a ticket timeline.',
  fields: (t) => ({
    kind: t.field({ type: TicketEventKindEnum, description: 'What it records.', resolve: (e) => e.kind }),
    body: t.exposeString('body', { description: 'Text (note body, evidence summary).' }),
    data: t.expose('data', { type: 'JSON', nullable: true, description: 'Structured details: {from, to} of a change, evidence checks.' }),
    author: t.relation('author', { nullable: true, description: 'Who wrote it (null for Emerald itself).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When.' }),
  }),
});

const TicketOrderField = builder.enumType('TicketOrderField', {
  description: 'What to sort tickets by.',
  values: {
    CREATED_AT: { description: 'Opening time.' },
    UPDATED_AT: { description: 'Last change.' },
    PRIORITY: { description: 'Priority, then age.' },
  } as const,
});

const TicketFilter = builder.inputType('TicketFilter', {
  description: 'Which tickets to list. All conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: [TicketStatusEnum], required: false, description: 'Only these statuses.' }),
    open: t.boolean({ required: false, description: 'Only open tickets (before RESOLVED).' }),
    priority: t.field({ type: [TicketPriorityEnum], required: false, description: 'Only these priorities.' }),
    type: t.field({ type: [TicketTypeEnum], required: false, description: 'Only these types.' }),
    assigneeId: t.id({ required: false, description: 'Only assigned to this user.' }),
    unassigned: t.boolean({ required: false, description: 'Only tickets nobody is assigned to.' }),
    connectionId: t.id({ required: false, description: 'Only about this connection.' }),
    customerId: t.id({ required: false, description: 'Only about this customer.' }),
    text: t.string({ required: false, description: 'Words in the subject or description (accent-insensitive), or a ticket number.' }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Opened after.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Opened before.' }),
  }),
});

type TicketFilterShape = {
  status?: TicketStatus[] | null;
  open?: boolean | null;
  priority?: ('LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL')[] | null;
  type?: ('TECHNICAL' | 'INSTALLATION' | 'WITHDRAWAL' | 'RELOCATION' | 'ADMINISTRATIVE')[] | null;
  assigneeId?: string | number | null;
  unassigned?: boolean | null;
  connectionId?: string | number | null;
  customerId?: string | number | null;
  text?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
};

async function ticketWhere(f: TicketFilterShape, ctx: Context): Promise<Prisma.TicketWhereInput> {
  const and: Prisma.TicketWhereInput[] = [];
  if (f.open) and.push({ status: { in: [...OPEN_TICKET_STATUSES] } });
  if (f.status?.length) and.push({ status: { in: f.status } });
  if (f.priority?.length) and.push({ priority: { in: f.priority } });
  if (f.type?.length) and.push({ type: { in: f.type } });
  if (f.assigneeId) and.push({ assigneeId: idOf(String(f.assigneeId), 'User', 'filter.assigneeId') });
  if (f.unassigned) and.push({ assigneeId: null });
  if (f.connectionId) and.push({ connectionId: idOf(String(f.connectionId), 'Connection', 'filter.connectionId') });
  if (f.customerId) and.push({ customerId: idOf(String(f.customerId), 'Customer', 'filter.customerId') });
  if (f.createdAfter) and.push({ createdAt: { gte: f.createdAfter } });
  if (f.createdBefore) and.push({ createdAt: { lt: f.createdBefore } });
  const text = f.text?.trim();
  if (text && text.length > 200)
    throw new GraphQLError('Search ticket text with at most 200 characters', {
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.text' },
    });
  if (text) {
    const number = /^#?(\d+)$/.exec(text)?.[1];
    if (number) and.push({ id: Number(number) });
    else {
      // search_text holds emerald_normalize(subject, description): match every word.
      const ids = await ctx.db.pool.query<{ id: number }>(
        `SELECT id FROM tickets WHERE search_text LIKE ALL (
           SELECT '%' || replace(replace(replace(w, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
           FROM unnest(string_to_array(emerald_normalize($1), ' ')) AS w WHERE w <> '') LIMIT 5000`,
        [text],
      );
      and.push({ id: { in: ids.rows.map((r) => r.id) } });
    }
  }
  if (ctx.actor?.role === 'TECHNICIAN') and.push({ workOrders: { some: { technicianId: ctx.actor.userId } } });
  return { AND: and };
}

builder.queryFields((t) => ({
  tickets: t.prismaConnection({
    type: 'Ticket',
    cursor: 'id',
    totalCount: async (_c, args, ctx) => ctx.db.prisma.ticket.count({ where: await ticketWhere(args.filter ?? {}, ctx) }),
    description: 'Tickets, filtered and sorted (default: newest first). Technicians see the tickets of their work orders.',
    authScopes: readAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    args: {
      filter: t.arg({ type: TicketFilter, required: false, description: 'Conditions.' }),
      orderBy: t.arg({ type: TicketOrderField, required: false, defaultValue: 'CREATED_AT', description: 'Sort key.' }),
      direction: t.arg({ type: SortDirectionEnum, required: false, defaultValue: 'DESC', description: 'Sort direction.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const dir = args.direction === 'ASC' ? 'asc' : 'desc';
      const orderBy: Prisma.TicketOrderByWithRelationInput[] =
        args.orderBy === 'PRIORITY'
          ? // enum order is LOW < MEDIUM < HIGH < CRITICAL: DESC = most urgent first
            [{ priority: dir }, { createdAt: 'asc' }, { id: 'asc' }]
          : args.orderBy === 'UPDATED_AT'
            ? [{ updatedAt: dir }, { id: dir }]
            : [{ createdAt: dir }, { id: dir }];
      return ctx.db.prisma.ticket.findMany({ ...query, where: await ticketWhere(args.filter ?? {}, ctx), orderBy });
    },
  }),
  ticket: t.prismaField({
    type: 'Ticket',
    nullable: true,
    description: 'One ticket by id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Ticket id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.ticket.findUnique({ ...query, where: { id: idOf(String(args.id), 'Ticket', 'id') } }),
  }),
}));

// ───────────────────────────── mutations ─────────────────────────────

const CreateTicketInput = builder.inputType('CreateTicketInput', {
  description: 'A new ticket. Give the connection (preferred) or the customer.',
  fields: (t) => ({
    subject: t.string({ required: true, description: 'Short summary (3–200 characters).' }),
    description: t.string({ required: false, description: 'Details (up to 5,000 characters).' }),
    type: t.field({ type: TicketTypeEnum, required: true, description: 'Kind of ticket.' }),
    priority: t.field({ type: TicketPriorityEnum, required: false, defaultValue: 'MEDIUM', description: 'Priority.' }),
    connectionId: t.id({ required: false, description: 'The connection it is about.' }),
    customerId: t.id({ required: false, description: 'The customer it is about (when no connection applies).' }),
    categoryId: t.id({ required: false, description: 'Category id (numeric, see ticketCategories).' }),
    reasonId: t.id({ required: false, description: 'Reason id (numeric) within the category.' }),
    assigneeId: t.id({ required: false, description: 'Assign to this user.' }),
    tags: t.stringList({ required: false, description: 'Labels (created when new).' }),
  }),
});

const ticketText = z.object({
  subject: z.string().trim().min(3, 'Subject must have at least 3 characters').max(200, 'Subject must have at most 200 characters'),
  description: z.string().trim().max(5000, 'Description must have at most 5,000 characters').optional().nullable(),
  tags: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(10, 'At most 10 tags').optional().nullable(),
});

async function assignableUser(tx: Prisma.TransactionClient, id: number, field: string): Promise<void> {
  const user = await tx.user.findUnique({ where: { id }, select: { active: true, role: true } });
  if (!user?.active) throw new NotFoundError(field, 'No active user with that id');
  if (user.role === 'TECHNICIAN') throw ValidationError.single(field, 'NOT_ASSIGNABLE', 'Technicians get work orders, not tickets');
}

async function setTags(tx: Prisma.TransactionClient, ticketId: number, tags: string[]): Promise<void> {
  for (const name of new Set(tags)) {
    const tag = await tx.tag.upsert({ where: { name }, create: { name }, update: {}, select: { id: true, active: true } });
    if (!tag.active) throw ValidationError.single('input.tags', 'INACTIVE', `The tag "${name}" is deactivated`);
    await tx.ticketTag.upsert({ where: { ticketId_tagId: { ticketId, tagId: tag.id } }, create: { ticketId, tagId: tag.id }, update: {} });
  }
}

export function ticketSnapshot(tk: {
  status: string;
  priority: string;
  assigneeId: number | null;
  subject: string;
}): Record<string, unknown> {
  return { status: tk.status, priority: tk.priority, assigneeId: tk.assigneeId, subject: tk.subject };
}

builder.mutationField('createTicket', (t) =>
  t.field({
    type: TicketRef,
    description: 'Open a ticket. Writes a CREATED timeline entry and an audit entry.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('CreateTicket', 'ticket'),
    args: { input: t.arg({ type: CreateTicketInput, required: true, description: 'The ticket.' }) },
    resolve: async (_root, { input }, ctx) => {
      const text = parseInput(ticketText, input);
      const connectionId = optionalIdOf(input.connectionId ? String(input.connectionId) : null, 'Connection', 'input.connectionId');
      let customerId = optionalIdOf(input.customerId ? String(input.customerId) : null, 'Customer', 'input.customerId');
      const assigneeId = optionalIdOf(input.assigneeId ? String(input.assigneeId) : null, 'User', 'input.assigneeId');
      if (!connectionId && !customerId) {
        throw ValidationError.single('input.connectionId', 'REQUIRED', 'Say which connection or customer the ticket is about');
      }
      return ctx.db.prisma.$transaction(async (tx) => {
        if (connectionId) {
          const conn = await tx.connection.findUnique({ where: { id: connectionId }, select: { customerId: true } });
          if (!conn) throw new NotFoundError('input.connectionId', 'No connection with that id');
          if (customerId && customerId !== conn.customerId) {
            throw ValidationError.single('input.customerId', 'MISMATCH', 'The connection belongs to another customer');
          }
          customerId = conn.customerId;
        } else if (customerId && !(await tx.customer.findUnique({ where: { id: customerId }, select: { id: true } }))) {
          throw new NotFoundError('input.customerId', 'No customer with that id');
        }
        const categoryId = input.categoryId ? Number(input.categoryId) : null;
        const reasonId = input.reasonId ? Number(input.reasonId) : null;
        if (categoryId !== null) {
          const category = await tx.ticketCategory.findUnique({ where: { id: categoryId }, select: { active: true } });
          if (!category) throw new NotFoundError('input.categoryId', 'No category with that id');
          if (!category.active) throw ValidationError.single('input.categoryId', 'INACTIVE', 'That category is deactivated');
        }
        if (reasonId !== null) {
          const reason = await tx.ticketReason.findUnique({ where: { id: reasonId } });
          if (!reason || (categoryId !== null && reason.categoryId !== categoryId))
            throw new NotFoundError('input.reasonId', 'No such reason in that category');
          if (!reason.active) throw ValidationError.single('input.reasonId', 'INACTIVE', 'That reason is deactivated');
        }
        if (assigneeId) await assignableUser(tx, assigneeId, 'input.assigneeId');
        const ticket = await tx.ticket.create({
          data: {
            subject: text.subject,
            description: text.description ?? '',
            type: input.type,
            priority: input.priority ?? 'MEDIUM',
            status: 'OPEN',
            connectionId,
            customerId,
            categoryId,
            reasonId: reasonId ?? null,
            creatorId: ctx.actor!.userId,
            assigneeId,
          },
        });
        if (text.tags?.length) await setTags(tx, ticket.id, text.tags);
        await linkTicketToActiveIncidents(tx, ticket.id, ticket.connectionId, ticket.customerId);
        await tx.ticketEvent.create({ data: { ticketId: ticket.id, kind: 'CREATED', authorId: ctx.actor!.userId, body: ticket.subject } });
        await audit(tx, ctx, {
          action: 'ticket.create',
          entityType: 'Ticket',
          entityId: ticket.id,
          after: { ...ticketSnapshot(ticket), connectionId, customerId, type: ticket.type },
        });
        return ticket;
      });
    },
  }),
);

const UpdateTicketInput = builder.inputType('UpdateTicketInput', {
  description: 'Changes to a ticket; omitted fields stay as they are. Each change is a timeline entry.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Ticket id.' }),
    status: t.field({ type: TicketStatusEnum, required: false, description: 'New status (allowed moves only).' }),
    priority: t.field({ type: TicketPriorityEnum, required: false, description: 'New priority.' }),
    assigneeId: t.id({ required: false, description: 'New assignee.' }),
    unassign: t.boolean({ required: false, description: 'Remove the assignee.' }),
    subject: t.string({ required: false, description: 'New subject.' }),
    note: t.string({ required: false, description: 'A note explaining the change (added to the timeline).' }),
  }),
});

builder.mutationField('updateTicket', (t) =>
  t.field({
    type: TicketRef,
    description: 'Change status, priority, assignee or subject. Forbidden status moves (e.g. out of CLOSED) change nothing.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('UpdateTicket', 'ticket'),
    args: { input: t.arg({ type: UpdateTicketInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.id), 'Ticket', 'input.id');
      const subject =
        input.subject === null || input.subject === undefined
          ? undefined
          : parseInput(ticketText.shape.subject, input.subject, 'input.subject');
      const note = input.note?.trim()
        ? parseInput(z.string().trim().max(5000, 'Note must have at most 5,000 characters'), input.note, 'input.note')
        : null;
      const assigneeId = optionalIdOf(input.assigneeId ? String(input.assigneeId) : null, 'User', 'input.assigneeId');
      return ctx.db.prisma.$transaction((tx: Prisma.TransactionClient) => applyTicketUpdate(tx, ctx, id, input, assigneeId, note, subject));
    },
  }),
);

interface TicketChanges {
  status?: TicketStatus | null;
  priority?: Prisma.TicketUncheckedUpdateInput['priority'] | null;
  unassign?: boolean | null;
  subject?: string | null;
}

/**
 * Apply changes to one ticket inside the caller's transaction (row locked, transition
 * checked, timeline entries, audit). Shared by updateTicket and the bulk update; `field`
 * names the input the errors point at.
 */
async function applyTicketUpdate(
  tx: Prisma.TransactionClient,
  ctx: Context,
  id: number,
  input: TicketChanges,
  assigneeId: number | null,
  note: string | null,
  subject: string | undefined,
  field = 'input',
) {
  await lockForUpdate(tx, 'tickets', id);
  const before = await tx.ticket.findUnique({ where: { id } });
  if (!before) throw new NotFoundError(`${field}.id`, 'No ticket with that id');
  const data: Prisma.TicketUncheckedUpdateInput = {};
  const events: Prisma.TicketEventCreateManyInput[] = [];
  const author = ctx.actor!.userId;
  if (input.status && input.status !== before.status) {
    if (!canChangeTicketStatus(before.status, input.status)) {
      throw new InvalidTransitionError(
        `A ${before.status.toLowerCase()} ticket cannot become ${input.status.toLowerCase()}`,
        before.status,
        input.status,
        `${field}.status`,
      );
    }
    if (input.status === 'CANCELLED' && (await tx.workOrder.count({ where: { ticketId: id, status: 'IN_PROGRESS' } })) > 0) {
      throw new InvalidTransitionError(
        'A technician is working on it: complete or fail the work order first',
        before.status,
        input.status,
        `${field}.status`,
      );
    }
    data.status = input.status;
    if (input.status === 'RESOLVED') data.resolvedAt = new Date();
    if (input.status === 'CLOSED') data.closedAt = new Date();
    if (input.status === 'IN_PROGRESS' && before.status === 'RESOLVED') data.resolvedAt = null;
    events.push({
      ticketId: id,
      kind: 'STATUS_CHANGE',
      authorId: author,
      body: note ?? '',
      data: { from: before.status, to: input.status },
    });
  }
  if (input.priority && input.priority !== before.priority) {
    data.priority = input.priority;
    events.push({
      ticketId: id,
      kind: 'PRIORITY_CHANGE',
      authorId: author,
      body: '',
      data: { from: before.priority, to: input.priority },
    });
  }
  const newAssignee = input.unassign ? null : (assigneeId ?? undefined);
  if (newAssignee !== undefined && newAssignee !== before.assigneeId) {
    if (newAssignee !== null) await assignableUser(tx, newAssignee, `${field}.assigneeId`);
    data.assigneeId = newAssignee;
    events.push({ ticketId: id, kind: 'ASSIGNMENT', authorId: author, body: '', data: { from: before.assigneeId, to: newAssignee } });
  }
  if (subject !== undefined && subject !== before.subject) data.subject = subject;
  if (note && !events.some((e) => e.kind === 'STATUS_CHANGE')) events.push({ ticketId: id, kind: 'NOTE', authorId: author, body: note });
  if (Object.keys(data).length === 0 && events.length === 0) return before;
  const after = await tx.ticket.update({ where: { id }, data });
  if (events.length) await tx.ticketEvent.createMany({ data: events });
  await audit(tx, ctx, {
    action: 'ticket.update',
    entityType: 'Ticket',
    entityId: id,
    before: ticketSnapshot(before),
    after: ticketSnapshot(after),
  });
  return after;
}

builder.mutationField('addTicketNote', (t) =>
  t.field({
    type: TicketRef,
    description: 'Add a note to the timeline of a ticket.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('AddTicketNote', 'ticket'),
    args: {
      ticketId: t.arg.id({ required: true, description: 'Ticket id.' }),
      body: t.arg.string({ required: true, description: 'The note (1–5,000 characters).' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.ticketId), 'Ticket', 'ticketId');
      const body = parseInput(
        z.string().trim().min(1, 'Write something').max(5000, 'Note must have at most 5,000 characters'),
        args.body,
        'body',
      );
      return ctx.db.prisma.$transaction(async (tx) => {
        await lockForUpdate(tx, 'tickets', id);
        const ticket = await tx.ticket.findUnique({ where: { id } });
        if (!ticket) throw new NotFoundError('ticketId', 'No ticket with that id');
        const event = await tx.ticketEvent.create({ data: { ticketId: id, kind: 'NOTE', authorId: ctx.actor!.userId, body } });
        const touched = await tx.ticket.update({ where: { id }, data: { updatedAt: new Date() } });
        await audit(tx, ctx, { action: 'ticket.note', entityType: 'Ticket', entityId: id, after: { eventId: event.id, body } });
        return touched;
      });
    },
  }),
);

const BulkUpdateTicketsInput = builder.inputType('BulkUpdateTicketsInput', {
  description: 'The same change to several tickets at once: all of them change, or none does.',
  fields: (t) => ({
    ids: t.idList({ required: true, description: 'The tickets (1–200).' }),
    status: t.field({ type: TicketStatusEnum, required: false, description: 'New status (e.g. RESOLVED to close them).' }),
    assigneeId: t.id({ required: false, description: 'New assignee.' }),
    unassign: t.boolean({ required: false, description: 'Remove the assignee.' }),
    note: t.string({ required: false, description: 'A note added to each ticket’s timeline.' }),
  }),
});

builder.mutationField('bulkUpdateTickets', (t) =>
  t.field({
    type: [TicketRef],
    description:
      'Assign or close (any allowed status change) several tickets in one transaction: if one of them cannot change (e.g. already closed), nothing changes and the error names it (`field` = `input.ids.<n>`). Each ticket gets its timeline entry and audit entry.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('BulkUpdateTickets', 'tickets'),
    args: { input: t.arg({ type: BulkUpdateTicketsInput, required: true, description: 'Which tickets and the change.' }) },
    resolve: async (_root, { input }, ctx) => {
      if (input.ids.length === 0 || input.ids.length > 200) throw ValidationError.single('input.ids', 'INVALID', 'Give 1 to 200 tickets');
      const ids = input.ids.map((g, i) => idOf(String(g), 'Ticket', `input.ids.${i}`));
      if (new Set(ids).size !== ids.length) throw ValidationError.single('input.ids', 'DUPLICATE', 'A ticket is listed twice');
      if (!input.status && !input.assigneeId && !input.unassign)
        throw ValidationError.single('input.status', 'REQUIRED', 'Say what to change: a status, an assignee or unassign');
      const note = input.note?.trim()
        ? parseInput(z.string().trim().max(5000, 'Note must have at most 5,000 characters'), input.note, 'input.note')
        : null;
      const assigneeId = optionalIdOf(input.assigneeId ? String(input.assigneeId) : null, 'User', 'input.assigneeId');
      return ctx.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
        const out = [];
        // In id order: two bulk updates over overlapping tickets lock them in the same order (no deadlock).
        const order = ids.map((id, i) => ({ id, i })).sort((a, b) => a.id - b.id);
        const byIndex = new Map<number, Awaited<ReturnType<typeof applyTicketUpdate>>>();
        for (const { id, i } of order)
          byIndex.set(i, await applyTicketUpdate(tx, ctx, id, input, assigneeId, note, undefined, `input.ids.${i}`));
        for (let i = 0; i < ids.length; i++) out.push(byIndex.get(i)!);
        return out;
      });
    },
  }),
);
