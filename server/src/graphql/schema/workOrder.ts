/** Work orders: field visits, planned by support and done by technicians. */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import { workOrderRefusal, WORK_ORDER_TARGET, isTicketOpen, type WorkOrderAction } from '../../domain/workflow.ts';
import { builder } from '../builder.ts';
import { readAs, rowScopes, writeAs } from '../access.ts';
import { audit, lockForUpdate } from '../audit.ts';
import type { Context } from '../context.ts';
import { InvalidTransitionError, NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { ResolutionTypeEnum, WorkOrderStatusEnum, WorkOrderTypeEnum } from './enums.ts';
import { mutationErrors, mutationResult } from './errorTypes.ts';
import { consumeForWorkOrder, StockError } from '../../stock/stock.ts';

export const WorkOrderRef = builder.prismaNode('WorkOrder', {
  id: { field: 'id' },
  description: 'A field visit, child of a ticket.',
  // Visible to its own technician: who asks changes what they see.
  extensions: { viewerDependent: true },
  authScopes: rowScopes(['ADMIN', 'SUPPORT'], (w: { technicianId: number | null }, _scope, ctx) => w.technicianId === ctx.actor?.userId),
  fields: (t) => ({
    number: t.exposeInt('id', { description: 'Work order number.' }),
    type: t.field({ type: WorkOrderTypeEnum, description: 'Kind of visit.', resolve: (w) => w.type }),
    status: t.field({ type: WorkOrderStatusEnum, description: 'Status.', resolve: (w) => w.status }),
    ticket: t.relation('ticket', { description: 'The ticket it serves.' }),
    team: t.relation('team', { nullable: true, description: 'Team it is planned for.' }),
    technician: t.relation('technician', { nullable: true, description: 'Technician doing it.' }),
    scheduledStart: t.expose('scheduledStart', { type: 'DateTime', nullable: true, description: 'Planned start.' }),
    durationMinutes: t.exposeInt('durationMinutes', { nullable: true, description: 'Planned duration.' }),
    scheduledEnd: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Planned end (start + duration).',
      select: { scheduledStart: true, durationMinutes: true },
      resolve: (w) => (w.scheduledStart && w.durationMinutes ? new Date(w.scheduledStart.getTime() + w.durationMinutes * 60_000) : null),
    }),
    notes: t.exposeString('notes', { description: 'Instructions for the visit.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When the technician started.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it was completed.' }),
    failedAt: t.expose('failedAt', { type: 'DateTime', nullable: true, description: 'When it failed.' }),
    failureReason: t.exposeString('failureReason', { nullable: true, description: 'Why it failed.' }),
    resolutionType: t.field({
      type: ResolutionTypeEnum,
      nullable: true,
      description: 'How it was resolved.',
      resolve: (w) => w.resolutionType,
    }),
    resolutionNotes: t.exposeString('resolutionNotes', { nullable: true, description: "Technician's notes." }),
    measuredRxPower: t.exposeFloat('measuredRxPower', { nullable: true, description: 'Optical power measured at the ONU, dBm.' }),
    installedOnuSerial: t.exposeString('installedOnuSerial', { nullable: true, description: 'Serial of the ONU installed.' }),
    signedBy: t.exposeString('signedBy', { nullable: true, description: 'Who signed for the visit.' }),
    stockOverrideReason: t.exposeString('stockOverrideReason', {
      nullable: true,
      description: 'Why the ONU installed was not one from the technician’s van.',
    }),
    materials: t.relation('materials', { description: 'Materials used.' }),
    createdBy: t.relation('createdBy', { description: 'Who created it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'Created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

builder.prismaObject('WorkOrderMaterial', {
  description: 'Material used on a work order.',
  fields: (t) => ({
    material: t.relation('material', { description: 'Catalogue item.' }),
    quantity: t.float({ description: 'Quantity, in the material unit.', resolve: (m) => Number(m.quantity) }),
  }),
});

const WorkOrderFilter = builder.inputType('WorkOrderFilter', {
  description: 'Which work orders to list. Technicians always see only their own.',
  fields: (t) => ({
    status: t.field({ type: [WorkOrderStatusEnum], required: false, description: 'Only these statuses.' }),
    teamId: t.id({ required: false, description: 'Only this team.' }),
    technicianId: t.id({ required: false, description: 'Only this technician.' }),
    mine: t.boolean({ required: false, description: 'Only work orders assigned to me.' }),
    from: t.field({ type: 'DateTime', required: false, description: 'Scheduled to start at or after.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Scheduled to start before.' }),
    unscheduled: t.boolean({ required: false, description: 'Only work orders without a start time.' }),
    ticketId: t.id({ required: false, description: 'Only of this ticket.' }),
  }),
});

interface WorkOrderFilterShape {
  status?: ('PENDING_PLANNING' | 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED')[] | null;
  teamId?: string | number | null;
  technicianId?: string | number | null;
  mine?: boolean | null;
  from?: Date | null;
  to?: Date | null;
  unscheduled?: boolean | null;
  ticketId?: string | number | null;
}

function workOrderWhere(filter: WorkOrderFilterShape | null | undefined, ctx: Context): Prisma.WorkOrderWhereInput {
  const f = filter ?? {};
  const and: Prisma.WorkOrderWhereInput[] = [];
  if (f.status?.length) and.push({ status: { in: f.status } });
  if (f.teamId) and.push({ teamId: idOf(String(f.teamId), 'Team', 'filter.teamId') });
  if (f.technicianId) and.push({ technicianId: idOf(String(f.technicianId), 'User', 'filter.technicianId') });
  if (f.mine || ctx.actor?.role === 'TECHNICIAN') and.push({ technicianId: ctx.actor!.userId });
  if (f.from) and.push({ scheduledStart: { gte: f.from } });
  if (f.to) and.push({ scheduledStart: { lt: f.to } });
  if (f.unscheduled) and.push({ scheduledStart: null });
  if (f.ticketId) and.push({ ticketId: idOf(String(f.ticketId), 'Ticket', 'filter.ticketId') });
  return { AND: and };
}

builder.queryFields((t) => ({
  workOrders: t.prismaConnection({
    type: 'WorkOrder',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.workOrder.count({ where: workOrderWhere(args.filter, ctx) }),
    description: 'Work orders by planned start (unscheduled last).',
    authScopes: readAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    args: { filter: t.arg({ type: WorkOrderFilter, required: false, description: 'Conditions.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.workOrder.findMany({
        ...query,
        where: workOrderWhere(args.filter, ctx),
        orderBy: [{ scheduledStart: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
      }),
  }),
  workOrder: t.prismaField({
    type: 'WorkOrder',
    nullable: true,
    description: 'One work order by id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Work order id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.workOrder.findUnique({ ...query, where: { id: idOf(String(args.id), 'WorkOrder', 'id') } }),
  }),
}));

// ───────────────────────────── mutations ─────────────────────────────

const schedule = z
  .object({
    scheduledStart: z.date(),
    durationMinutes: z
      .number()
      .int()
      .min(15, 'At least 15 minutes')
      .max(8 * 60, 'At most 8 hours'),
  })
  .partial();

async function checkAssignment(
  tx: Prisma.TransactionClient,
  teamId: number | null,
  technicianId: number | null,
  currentTeamId: number | null = null,
): Promise<void> {
  if (teamId !== null) {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { active: true } });
    if (!team) throw new NotFoundError('input.teamId', 'No team with that id');
    // A deactivated team gets no new work; what it already has can still be re-planned.
    if (!team.active && teamId !== currentTeamId)
      throw ValidationError.single('input.teamId', 'INACTIVE', 'That team is deactivated: choose another');
  }
  if (technicianId !== null) {
    const tech = await tx.user.findUnique({ where: { id: technicianId }, select: { role: true, active: true } });
    if (!tech?.active) throw new NotFoundError('input.technicianId', 'No active user with that id');
    if (tech.role !== 'TECHNICIAN') throw ValidationError.single('input.technicianId', 'NOT_A_TECHNICIAN', 'Work orders go to technicians');
  }
}

function woSnapshot(w: {
  status: string;
  technicianId: number | null;
  teamId: number | null;
  scheduledStart: Date | null;
  durationMinutes: number | null;
}) {
  return {
    status: w.status,
    technicianId: w.technicianId,
    teamId: w.teamId,
    scheduledStart: w.scheduledStart,
    durationMinutes: w.durationMinutes,
  };
}

const CreateWorkOrderInput = builder.inputType('CreateWorkOrderInput', {
  description: 'A field visit for a ticket. With a start time and a technician or team it is SCHEDULED, else PENDING_PLANNING.',
  fields: (t) => ({
    ticketId: t.id({ required: true, description: 'Ticket it serves (must be open).' }),
    type: t.field({ type: WorkOrderTypeEnum, required: true, description: 'Kind of visit.' }),
    notes: t.string({ required: false, description: 'Instructions (up to 2,000 characters).' }),
    teamId: t.id({ required: false, description: 'Team.' }),
    technicianId: t.id({ required: false, description: 'Technician.' }),
    scheduledStart: t.field({ type: 'DateTime', required: false, description: 'Planned start.' }),
    durationMinutes: t.int({ required: false, description: 'Planned duration (15–480 minutes, default 60).' }),
  }),
});

builder.mutationField('createWorkOrder', (t) =>
  t.field({
    type: WorkOrderRef,
    description: 'Create a work order for an open ticket.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('CreateWorkOrder', 'workOrder'),
    args: { input: t.arg({ type: CreateWorkOrderInput, required: true, description: 'The work order.' }) },
    resolve: async (_root, { input }, ctx) => {
      const ticketId = idOf(String(input.ticketId), 'Ticket', 'input.ticketId');
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      const technicianId = optionalIdOf(input.technicianId ? String(input.technicianId) : null, 'User', 'input.technicianId');
      const plan = parseInput(schedule, {
        scheduledStart: input.scheduledStart ?? undefined,
        durationMinutes: input.durationMinutes ?? undefined,
      });
      const notes = parseInput(z.string().trim().max(2000, 'Notes must have at most 2,000 characters'), input.notes ?? '', 'input.notes');
      return ctx.db.prisma.$transaction(async (tx) => {
        await lockForUpdate(tx, 'tickets', ticketId);
        const ticket = await tx.ticket.findUnique({ where: { id: ticketId }, select: { status: true } });
        if (!ticket) throw new NotFoundError('input.ticketId', 'No ticket with that id');
        if (!isTicketOpen(ticket.status)) {
          throw new InvalidTransitionError(
            `The ticket is ${ticket.status.toLowerCase()}: reopen it first`,
            ticket.status,
            'WORK_ORDER',
            'input.ticketId',
          );
        }
        await checkAssignment(tx, teamId, technicianId);
        const scheduled = plan.scheduledStart && (teamId !== null || technicianId !== null);
        const wo = await tx.workOrder.create({
          data: {
            ticketId,
            type: input.type,
            status: scheduled ? 'SCHEDULED' : 'PENDING_PLANNING',
            teamId,
            technicianId,
            scheduledStart: plan.scheduledStart ?? null,
            durationMinutes: plan.scheduledStart ? (plan.durationMinutes ?? 60) : (plan.durationMinutes ?? null),
            notes,
            createdById: ctx.actor!.userId,
          },
        });
        await tx.ticketEvent.create({
          data: {
            ticketId,
            kind: 'WORK_ORDER',
            authorId: ctx.actor!.userId,
            body: `Orden de trabajo #${wo.id} creada`,
            data: { workOrderId: wo.id, action: 'created', status: wo.status },
          },
        });
        await audit(tx, ctx, {
          action: 'workOrder.create',
          entityType: 'WorkOrder',
          entityId: wo.id,
          after: { ...woSnapshot(wo), ticketId, type: wo.type },
        });
        return wo;
      });
    },
  }),
);

/** Load a work order for an action, check who may act and whether the state allows it. */
async function forAction(tx: Prisma.TransactionClient, ctx: Context, id: number, action: WorkOrderAction, field = 'input.id') {
  await lockForUpdate(tx, 'work_orders', id);
  const wo = await tx.workOrder.findUnique({ where: { id }, include: { ticket: { select: { status: true } } } });
  if (!wo) throw new NotFoundError(field, 'No work order with that id');
  if (ctx.actor?.role === 'TECHNICIAN' && wo.technicianId !== ctx.actor.userId) {
    // Not theirs: indistinguishable from not existing.
    throw new NotFoundError(field, 'No work order with that id');
  }
  const refusal = workOrderRefusal(action, wo.status, wo.ticket.status);
  if (refusal) throw new InvalidTransitionError(refusal, wo.status, WORK_ORDER_TARGET[action], field);
  return wo;
}

const ScheduleWorkOrderInput = builder.inputType('ScheduleWorkOrderInput', {
  description: 'When and by whom a work order is done. Give a team, a technician or both.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Work order id.' }),
    teamId: t.id({ required: false, description: 'Team.' }),
    technicianId: t.id({ required: false, description: 'Technician.' }),
    scheduledStart: t.field({ type: 'DateTime', required: true, description: 'Planned start.' }),
    durationMinutes: t.int({ required: false, defaultValue: 60, description: 'Planned duration (15–480 minutes).' }),
  }),
});

builder.mutationField('scheduleWorkOrder', (t) =>
  t.field({
    type: WorkOrderRef,
    description: 'Plan (or re-plan) a work order.',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('ScheduleWorkOrder', 'workOrder'),
    args: { input: t.arg({ type: ScheduleWorkOrderInput, required: true, description: 'The plan.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.id), 'WorkOrder', 'input.id');
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      const technicianId = optionalIdOf(input.technicianId ? String(input.technicianId) : null, 'User', 'input.technicianId');
      if (teamId === null && technicianId === null)
        throw ValidationError.single('input.technicianId', 'REQUIRED', 'Say which team or technician does it');
      const plan = parseInput(schedule.required(), { scheduledStart: input.scheduledStart, durationMinutes: input.durationMinutes ?? 60 });
      return ctx.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
        const before = await forAction(tx, ctx, id, 'schedule');
        return applySchedule(tx, ctx, before, teamId, technicianId, plan);
      });
    },
  }),
);

/** Plan one work order (already locked and checked by forAction): update, timeline entry, audit. */
async function applySchedule(
  tx: Prisma.TransactionClient,
  ctx: Context,
  before: Awaited<ReturnType<typeof forAction>>,
  teamId: number | null,
  technicianId: number | null,
  plan: { scheduledStart: Date; durationMinutes: number },
) {
  const id = before.id;
  await checkAssignment(tx, teamId, technicianId, before.teamId);
  const after = await tx.workOrder.update({
    where: { id },
    data: { status: 'SCHEDULED', teamId, technicianId, scheduledStart: plan.scheduledStart, durationMinutes: plan.durationMinutes },
  });
  await tx.ticketEvent.create({
    data: {
      ticketId: before.ticketId,
      kind: 'WORK_ORDER',
      authorId: ctx.actor!.userId,
      body: `Orden de trabajo #${id} programada`,
      data: { workOrderId: id, action: 'scheduled', scheduledStart: plan.scheduledStart.toISOString(), technicianId, teamId },
    },
  });
  await audit(tx, ctx, {
    action: 'workOrder.schedule',
    entityType: 'WorkOrder',
    entityId: id,
    before: woSnapshot(before),
    after: woSnapshot(after),
  });
  return after;
}

const BulkScheduleWorkOrdersInput = builder.inputType('BulkScheduleWorkOrdersInput', {
  description:
    'Re-plan several work orders at once (a technician off sick, a day lost to rain): another technician and/or team, and/or moved by whole days keeping each one’s time and duration. All of them change, or none does.',
  fields: (t) => ({
    ids: t.idList({ required: true, description: 'The work orders (1–200).' }),
    technicianId: t.id({ required: false, description: 'New technician (else each keeps its own).' }),
    teamId: t.id({ required: false, description: 'New team (else each keeps its own).' }),
    shiftDays: t.int({
      required: false,
      description: 'Move each by this many days (−60…60); unplanned ones need a technician and a start of their own first.',
    }),
  }),
});

builder.mutationField('bulkScheduleWorkOrders', (t) =>
  t.field({
    type: [WorkOrderRef],
    description:
      'Re-plan several work orders in one transaction: if one cannot be re-planned (done, cancelled, unplanned and nothing to plan it with), nothing changes and the error names it (`input.ids.<n>`).',
    authScopes: writeAs('ADMIN', 'SUPPORT'),
    errors: mutationResult('BulkScheduleWorkOrders', 'workOrders'),
    args: { input: t.arg({ type: BulkScheduleWorkOrdersInput, required: true, description: 'Which work orders and the change.' }) },
    resolve: async (_root, { input }, ctx) => {
      if (input.ids.length === 0 || input.ids.length > 200)
        throw ValidationError.single('input.ids', 'INVALID', 'Give 1 to 200 work orders');
      const ids = input.ids.map((g, i) => idOf(String(g), 'WorkOrder', `input.ids.${i}`));
      if (new Set(ids).size !== ids.length) throw ValidationError.single('input.ids', 'DUPLICATE', 'A work order is listed twice');
      const teamId = optionalIdOf(input.teamId ? String(input.teamId) : null, 'Team', 'input.teamId');
      const technicianId = optionalIdOf(input.technicianId ? String(input.technicianId) : null, 'User', 'input.technicianId');
      const shift = input.shiftDays ?? 0;
      if (!Number.isInteger(shift) || Math.abs(shift) > 60)
        throw ValidationError.single('input.shiftDays', 'INVALID', 'Move by −60 to 60 days');
      if (teamId === null && technicianId === null && shift === 0)
        throw ValidationError.single('input.technicianId', 'REQUIRED', 'Say what to change: a technician, a team or a number of days');
      return ctx.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
        const order = ids.map((id, i) => ({ id, i })).sort((a, b) => a.id - b.id);
        const done = new Map<number, Awaited<ReturnType<typeof applySchedule>>>();
        for (const { id, i } of order) {
          const field = `input.ids.${i}`;
          const before = await forAction(tx, ctx, id, 'schedule', field);
          if (!before.scheduledStart)
            throw new InvalidTransitionError(
              'An unplanned work order needs a start of its own: plan it first',
              before.status,
              'SCHEDULED',
              field,
            );
          const plan = parseInput(
            schedule.required(),
            {
              scheduledStart: new Date(before.scheduledStart.getTime() + shift * 86_400_000),
              durationMinutes: before.durationMinutes ?? 60,
            },
            field,
          );
          done.set(i, await applySchedule(tx, ctx, before, teamId ?? before.teamId, technicianId ?? before.technicianId, plan));
        }
        return ids.map((_, i) => done.get(i)!);
      });
    },
  }),
);

builder.mutationField('startWorkOrder', (t) =>
  t.field({
    type: WorkOrderRef,
    description: 'The technician starts a scheduled visit.',
    authScopes: writeAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    errors: mutationResult('StartWorkOrder', 'workOrder'),
    args: { id: t.arg.id({ required: true, description: 'Work order id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'WorkOrder', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await forAction(tx, ctx, id, 'start');
        const after = await tx.workOrder.update({ where: { id }, data: { status: 'IN_PROGRESS', startedAt: new Date() } });
        await tx.ticketEvent.create({
          data: {
            ticketId: before.ticketId,
            kind: 'WORK_ORDER',
            authorId: ctx.actor!.userId,
            body: `Orden de trabajo #${id} iniciada`,
            data: { workOrderId: id, action: 'started' },
          },
        });
        await audit(tx, ctx, {
          action: 'workOrder.start',
          entityType: 'WorkOrder',
          entityId: id,
          before: woSnapshot(before),
          after: woSnapshot(after),
        });
        return after;
      });
    },
  }),
);

const MaterialUseInput = builder.inputType('MaterialUseInput', {
  description: 'Material used on a visit.',
  fields: (t) => ({
    materialId: t.id({ required: true, description: 'Material id (numeric, see materials).' }),
    quantity: t.float({ required: true, description: 'Quantity (> 0).' }),
  }),
});

const CompleteWorkOrderInput = builder.inputType('CompleteWorkOrderInput', {
  description: 'How a visit ended well.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Work order id.' }),
    resolutionType: t.field({ type: ResolutionTypeEnum, required: true, description: 'What fixed it.' }),
    resolutionNotes: t.string({ required: false, description: 'Notes (up to 2,000 characters).' }),
    measuredRxPower: t.float({ required: false, description: 'Optical power measured at the ONU, dBm (−40 to 0).' }),
    installedOnuSerial: t.string({
      required: false,
      description: 'Serial of the ONU installed (required when the ONU was replaced or installed).',
    }),
    materials: t.field({ type: [MaterialUseInput], required: false, description: 'Materials used (taken from the technician’s van).' }),
    stockOverrideReason: t.string({
      required: false,
      description: 'Why the ONU installed is not one from the technician’s van (3–300 characters): allows it anyway, recorded.',
    }),
    signedBy: t.string({ required: false, description: 'Name of the person who signed for the visit (up to 120 characters).' }),
    completionKey: t.string({
      required: false,
      description:
        'A key the client chooses once per completion (8–100 characters, e.g. a UUID): sent again after a lost answer or from an offline queue, the same completion is returned and nothing is applied twice.',
    }),
  }),
});

const completion = z
  .object({
    resolutionType: z.string(),
    resolutionNotes: z.string().trim().max(2000, 'Notes must have at most 2,000 characters').optional(),
    measuredRxPower: z
      .number()
      .min(-40, 'Measured power must be between −40 and 0 dBm')
      .max(0, 'Measured power must be between −40 and 0 dBm')
      .optional(),
    installedOnuSerial: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{8,16}$/, 'An ONU serial has 8–16 letters and digits (e.g. HWTC1A2B3C4D)')
      .optional(),
    materials: z
      .array(
        z.object({
          materialId: z.coerce.number().int().positive(),
          quantity: z.number().positive('Quantity must be more than 0').max(10_000),
        }),
      )
      .max(50)
      .optional(),
    stockOverrideReason: z.string().trim().min(3, 'Say why (at least 3 characters)').max(300, 'At most 300 characters').optional(),
    signedBy: z.string().trim().min(2, 'Give the name of who signed').max(120, 'At most 120 characters').optional(),
    completionKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,100}$/, 'A completion key has 8–100 letters, digits, - or _')
      .optional(),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<number>();
    for (const [i, m] of (v.materials ?? []).entries()) {
      if (seen.has(m.materialId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['materials', i, 'materialId'],
          message: 'That material is listed twice',
          params: { code: 'DUPLICATE' },
        });
      }
      seen.add(m.materialId);
    }
    if ((v.resolutionType === 'ONU_REPLACED' || v.resolutionType === 'INSTALLED') && !v.installedOnuSerial) {
      ctx.addIssue({
        code: 'custom',
        path: ['installedOnuSerial'],
        message: 'Give the serial of the ONU installed',
        params: { code: 'REQUIRED' },
      });
    }
  });

builder.mutationField('completeWorkOrder', (t) =>
  t.field({
    type: WorkOrderRef,
    description: 'Record how a visit ended well: resolution, measured signal, ONU installed, materials.',
    authScopes: writeAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    errors: mutationResult('CompleteWorkOrder', 'workOrder', [...mutationErrors, StockError]),
    args: { input: t.arg({ type: CompleteWorkOrderInput, required: true, description: 'The outcome.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.id), 'WorkOrder', 'input.id');
      const v = parseInput(completion, {
        resolutionType: input.resolutionType,
        resolutionNotes: input.resolutionNotes ?? undefined,
        measuredRxPower: input.measuredRxPower ?? undefined,
        installedOnuSerial: input.installedOnuSerial ?? undefined,
        materials: input.materials ?? undefined,
        stockOverrideReason: input.stockOverrideReason ?? undefined,
        signedBy: input.signedBy ?? undefined,
        completionKey: input.completionKey ?? undefined,
      });
      return ctx.db.prisma.$transaction(async (tx) => {
        if (v.completionKey) {
          // The same completion sent again (a lost answer, an offline queue): answer it, apply nothing.
          const done = await tx.workOrder.findUnique({ where: { completionKey: v.completionKey } });
          if (done && done.id === id && (ctx.actor?.role !== 'TECHNICIAN' || done.technicianId === ctx.actor.userId)) return done;
          if (done)
            throw ValidationError.single('input.completionKey', 'KEY_REUSED', 'That completion key was used for another work order');
        }
        const before = await forAction(tx, ctx, id, 'complete');
        for (const [i, m] of (v.materials ?? []).entries()) {
          const material = await tx.material.findUnique({ where: { id: m.materialId }, select: { active: true } });
          if (!material) throw new NotFoundError(`input.materials.${i}.materialId`, 'No material with that id');
          if (!material.active) throw ValidationError.single(`input.materials.${i}.materialId`, 'INACTIVE', 'That material is deactivated');
        }
        // What the visit used comes out of the technician's van; the ONU installed must be one they carry.
        const ticket = await tx.ticket.findUniqueOrThrow({ where: { id: before.ticketId }, select: { connectionId: true } });
        await consumeForWorkOrder(
          tx,
          { userId: ctx.actor!.userId },
          {
            workOrderId: id,
            technicianId: before.technicianId,
            connectionId: ticket.connectionId,
            materials: v.materials ?? [],
            installedSerial: v.installedOnuSerial ?? null,
            overrideReason: v.stockOverrideReason ?? null,
          },
        );
        const now = new Date();
        const after = await tx.workOrder.update({
          where: { id },
          data: {
            status: 'COMPLETED',
            startedAt: before.startedAt ?? now,
            completedAt: now,
            resolutionType: input.resolutionType,
            resolutionNotes: v.resolutionNotes ?? null,
            measuredRxPower: v.measuredRxPower ?? null,
            installedOnuSerial: v.installedOnuSerial ?? null,
            completionKey: v.completionKey ?? null,
            signedBy: v.signedBy ?? null,
            stockOverrideReason: v.installedOnuSerial ? (v.stockOverrideReason ?? null) : null,
          },
        });
        for (const m of v.materials ?? []) {
          await tx.workOrderMaterial.upsert({
            where: { workOrderId_materialId: { workOrderId: id, materialId: m.materialId } },
            create: { workOrderId: id, materialId: m.materialId, quantity: m.quantity },
            update: { quantity: m.quantity },
          });
        }
        const evidence = v.measuredRxPower !== undefined ? ` · señal medida ${v.measuredRxPower.toFixed(2)} dBm` : '';
        await tx.ticketEvent.create({
          data: {
            ticketId: before.ticketId,
            kind: 'WORK_ORDER',
            authorId: ctx.actor!.userId,
            body: `Orden de trabajo #${id} completada${evidence}`,
            data: {
              workOrderId: id,
              action: 'completed',
              resolutionType: input.resolutionType,
              measuredRxPower: v.measuredRxPower ?? null,
              installedOnuSerial: v.installedOnuSerial ?? null,
            },
          },
        });
        await audit(tx, ctx, {
          action: 'workOrder.complete',
          entityType: 'WorkOrder',
          entityId: id,
          before: woSnapshot(before),
          after: {
            ...woSnapshot(after),
            resolutionType: after.resolutionType,
            measuredRxPower: after.measuredRxPower,
            installedOnuSerial: after.installedOnuSerial,
          },
        });
        return after;
      });
    },
  }),
);

const FailWorkOrderInput = builder.inputType('FailWorkOrderInput', {
  description: 'Why a visit could not be done.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Work order id.' }),
    reason: t.string({ required: true, description: 'Why (3–500 characters), e.g. "Cliente ausente".' }),
  }),
});

builder.mutationField('failWorkOrder', (t) =>
  t.field({
    type: WorkOrderRef,
    description: 'Record that a visit could not be done.',
    authScopes: writeAs('ADMIN', 'SUPPORT', 'TECHNICIAN'),
    errors: mutationResult('FailWorkOrder', 'workOrder'),
    args: { input: t.arg({ type: FailWorkOrderInput, required: true, description: 'The reason.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = idOf(String(input.id), 'WorkOrder', 'input.id');
      const reason = parseInput(
        z.string().trim().min(3, 'Say why (at least 3 characters)').max(500, 'At most 500 characters'),
        input.reason,
        'input.reason',
      );
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await forAction(tx, ctx, id, 'fail');
        const after = await tx.workOrder.update({ where: { id }, data: { status: 'FAILED', failedAt: new Date(), failureReason: reason } });
        await tx.ticketEvent.create({
          data: {
            ticketId: before.ticketId,
            kind: 'WORK_ORDER',
            authorId: ctx.actor!.userId,
            body: `Orden de trabajo #${id} fallida: ${reason}`,
            data: { workOrderId: id, action: 'failed', reason },
          },
        });
        await audit(tx, ctx, {
          action: 'workOrder.fail',
          entityType: 'WorkOrder',
          entityId: id,
          before: woSnapshot(before),
          after: { ...woSnapshot(after), failureReason: reason },
        });
        return after;
      });
    },
  }),
);
