/**
 * Incidents: many ONUs or sessions that dropped together, explained by one cause — and
 * the work on them: acknowledge, assign, notes, linked tickets, resolve, close the linked
 * tickets in one go; time to acknowledge and to resolve (MTTA/MTTR) by period, OLT, cause.
 */
import type { Prisma } from '../../generated/prisma/client.ts';
import { isTicketOpen, type TicketStatus } from '../../domain/workflow.ts';
import { NETWORK_READERS, readAs, writeAs } from '../access.ts';
import { audit, lockForUpdate } from '../audit.ts';
import { builder } from '../builder.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { notifyIn } from '../notify.ts';
import { InvalidTransitionError, NotFoundError, ValidationError, parseInput } from '../userErrors.ts';
import { z } from 'zod';
import { TicketStatusEnum } from './enums.ts';
import { mutationResult } from './errorTypes.ts';

export const IncidentKindEnum = builder.enumType('IncidentKind', {
  description: 'What an incident is.',
  values: {
    FIBRE_CUT: { description: 'Many ONUs of one PON port lost signal (LOS) together: fibre cut or damaged splitter.' },
    POWER_OUTAGE: { description: 'Many ONUs reported power failure together: mains power cut in an area.' },
    ROUTER_OUTAGE: { description: 'Many PPPoE sessions dropped together with their ONUs online: router, BRAS or authentication side.' },
  } as const,
});

export const IncidentStatusEnum = builder.enumType('IncidentStatus', {
  description: 'Where an incident stands.',
  values: {
    SUSPECTED: {
      description: 'Many PPPoE sessions of one PON port dropped together: opened at once; SmartOLT is being asked to confirm the cause.',
    },
    OPEN: { description: 'Confirmed and going on.' },
    CLEARED: { description: 'Most affected units recovered (or a person resolved it).' },
    WITHDRAWN: { description: 'The confirming read found no outage (e.g. a planned restart): not an incident after all.' },
  } as const,
});

const IncidentEventKindEnum = builder.enumType('IncidentEventKind', {
  description: 'What an incident timeline entry records.',
  values: {
    SUSPECTED: { description: 'Opened as suspected, from PPPoE drops.' },
    CLASSIFIED: { description: 'The cause was confirmed (or corrected) by a targeted reading.' },
    OPENED: { description: 'Opened, confirmed from the start (e.g. by a SmartOLT poll).' },
    WITHDRAWN: { description: 'The reading showed no outage.' },
    GREW: { description: 'Many more units were affected since people were last told.' },
    CLEARED: { description: 'The affected units came back.' },
    REOPENED: { description: 'Down again soon after clearing: the same incident goes on.' },
    EVIDENCE: { description: 'A reading or check, and what it showed.' },
    ACKNOWLEDGED: { description: 'Someone took it.' },
    ASSIGNED: { description: 'Assigned to a person.' },
    NOTE: { description: 'A note.' },
    RESOLVED: { description: 'A person resolved it.' },
    TICKET_LINKED: { description: 'A ticket was linked.' },
    TICKETS_CLOSED: { description: 'Its linked tickets were closed together.' },
    ESCALATED: { description: 'Not acknowledged in time: the next level was told.' },
    PLANNED: { description: 'It falls inside a maintenance window: no alerts.' },
  } as const,
});

export const IncidentRef = builder.prismaNode('Incident', {
  id: { field: 'id' },
  description: 'An outage affecting many customers at once. The per-ONU changes it explains are attached to it, not raised one by one.',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    number: t.exposeInt('id', { description: 'Incident number.' }),
    kind: t.field({ type: IncidentKindEnum, description: 'Cause (the likely one while SUSPECTED).', resolve: (i) => i.kind }),
    status: t.field({ type: IncidentStatusEnum, description: 'Status.', resolve: (i) => i.status }),
    title: t.exposeString('title', { description: 'Summary, e.g. "Corte de fibra OLT-1 0/3".' }),
    olt: t.relation('olt', { nullable: true, description: 'OLT involved.' }),
    ponPort: t.relation('ponPort', { nullable: true, description: 'PON port involved.' }),
    router: t.relation('router', { nullable: true, description: 'Router involved.' }),
    affectedCount: t.exposeInt('affectedCount', { description: 'Units (ONUs or sessions) affected.' }),
    recoveredCount: t.exposeInt('recoveredCount', { description: 'Of those, recovered.' }),
    openedAt: t.expose('openedAt', { type: 'DateTime', description: 'When it began (first unit down).' }),
    classifiedAt: t.expose('classifiedAt', { type: 'DateTime', nullable: true, description: 'When the cause was confirmed.' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', nullable: true, description: 'When it cleared (or was withdrawn).' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true, description: 'When someone took it.' }),
    acknowledgedBy: t.relation('acknowledgedBy', { nullable: true, description: 'Who took it.' }),
    assignee: t.relation('assignee', { nullable: true, description: 'Who works on it.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When a person resolved it.' }),
    resolvedBy: t.relation('resolvedBy', { nullable: true, description: 'Who resolved it.' }),
    planned: t.exposeBoolean('planned', { description: 'Inside a maintenance window: expected, nobody alerted.' }),
    maintenanceWindow: t.relation('maintenanceWindow', { nullable: true, description: 'The maintenance window it falls in.' }),
    escalatedAt: t.expose('escalatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was escalated for want of acknowledgement.',
    }),
    durationSeconds: t.int({
      description: 'How long it lasted (so far, if going on).',
      select: { openedAt: true, clearedAt: true, durationSeconds: true },
      resolve: (i) => i.durationSeconds ?? Math.round(((i.clearedAt ?? new Date()).getTime() - i.openedAt.getTime()) / 1000),
    }),
    timeToAcknowledgeSeconds: t.int({
      nullable: true,
      description: 'Time from opening to acknowledgement.',
      select: { openedAt: true, acknowledgedAt: true },
      resolve: (i) => (i.acknowledgedAt ? Math.max(0, Math.round((i.acknowledgedAt.getTime() - i.openedAt.getTime()) / 1000)) : null),
    }),
    timeToResolveSeconds: t.int({
      nullable: true,
      description: 'Time from opening to resolution (by a person, else to clearing).',
      select: { openedAt: true, resolvedAt: true, clearedAt: true },
      resolve: (i) => {
        const end = i.resolvedAt ?? i.clearedAt;
        return end ? Math.max(0, Math.round((end.getTime() - i.openedAt.getTime()) / 1000)) : null;
      },
    }),
    details: t.expose('details', { type: 'JSON', nullable: true, description: 'Thresholds and counts that opened it.' }),
    affected: t.relatedConnection('affected', {
      cursor: 'id',
      totalCount: true,
      description: 'Affected connections and ONUs (with the customers to call).',
      query: () => ({ orderBy: [{ affectedAt: 'asc' }, { id: 'asc' }] }),
    }),
    timeline: t.relatedConnection('events', {
      cursor: 'id',
      totalCount: true,
      description: 'What happened, oldest first: detection, readings with when they were observed, people’s actions.',
      query: () => ({ orderBy: { id: 'asc' } }),
    }),
    linkedTickets: t.relation('tickets', {
      description: 'Tickets linked to it (automatically when opened for an affected customer while it was going on).',
      query: { orderBy: { createdAt: 'asc' } },
    }),
  }),
});

builder.prismaObject('IncidentConnection', {
  name: 'AffectedConnection',
  description: 'A connection (and its ONU) affected by an incident.',
  fields: (t) => ({
    connection: t.relation('connection', { nullable: true, description: 'The connection (null for an unlinked ONU or secret).' }),
    onu: t.relation('onu', { nullable: true, description: 'The ONU, for ONU incidents.' }),
    subject: t.exposeString('subject', { description: 'Serial or PPPoE username of the affected unit.' }),
    affectedAt: t.expose('affectedAt', { type: 'DateTime', description: 'When it went down.' }),
    recoveredAt: t.expose('recoveredAt', { type: 'DateTime', nullable: true, description: 'When it came back.' }),
  }),
});

builder.prismaObject('IncidentEvent', {
  description: 'An entry of an incident timeline.',
  fields: (t) => ({
    kind: t.field({ type: IncidentEventKindEnum, description: 'What it records.', resolve: (e) => e.kind }),
    body: t.exposeString('body', { description: 'What it says (the reasoning of a classification, a note’s text).' }),
    data: t.expose('data', {
      type: 'JSON',
      nullable: true,
      description: 'Structured details: the source and counts of a reading, from/to of a change.',
    }),
    author: t.relation('author', { nullable: true, description: 'Who (null for Emerald itself).' }),
    observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When what it reports was observed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

builder.prismaObject('IncidentTicket', {
  name: 'IncidentTicketLink',
  description: 'A ticket linked to an incident (its number, subject and status are visible to the NOC).',
  fields: (t) => ({
    automatic: t.exposeBoolean('automatic', {
      description: 'Linked by Emerald (opened for an affected customer while the incident went on).',
    }),
    linkedAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was linked.' }),
    number: t.int({ description: 'Ticket number.', select: { ticketId: true }, resolve: (l) => l.ticketId }),
    subject: t.string({
      description: 'Ticket subject.',
      select: { ticket: { select: { subject: true } } },
      resolve: (l) => l.ticket.subject,
    }),
    status: t.field({
      type: TicketStatusEnum,
      description: 'Ticket status.',
      select: { ticket: { select: { status: true } } },
      resolve: (l) => l.ticket.status,
    }),
    ticket: t.relation('ticket', { description: 'The ticket (support staff and admins).' }),
  }),
});

type Kind = 'FIBRE_CUT' | 'POWER_OUTAGE' | 'ROUTER_OUTAGE';
type Status = 'SUSPECTED' | 'OPEN' | 'CLEARED' | 'WITHDRAWN';

function incidentWhere(args: {
  status?: Status | null;
  active?: boolean | null;
  kind?: Kind[] | null;
  oltId?: string | number | null;
}): Prisma.IncidentWhereInput {
  return {
    ...(args.status ? { status: args.status } : {}),
    ...(args.active ? { status: { in: ['SUSPECTED', 'OPEN'] } } : {}),
    ...(args.kind?.length ? { kind: { in: args.kind } } : {}),
    ...(args.oltId ? { oltId: idOf(String(args.oltId), 'Olt', 'oltId') } : {}),
  };
}

const IncidentStatsRef = builder
  .objectRef<{
    count: number;
    acknowledged: number;
    resolved: number;
    mttaSeconds: number | null;
    mttrSeconds: number | null;
    medianTtaSeconds: number | null;
    medianTtrSeconds: number | null;
  }>('IncidentStats')
  .implement({
    description: 'How incidents were handled in a period: counts, mean and median time to acknowledge (MTTA) and to resolve (MTTR).',
    fields: (t) => ({
      count: t.exposeInt('count', { description: 'Incidents opened in the period (withdrawn ones excluded).' }),
      acknowledged: t.exposeInt('acknowledged', { description: 'Of those, acknowledged.' }),
      resolved: t.exposeInt('resolved', { description: 'Of those, resolved or cleared.' }),
      mttaSeconds: t.exposeInt('mttaSeconds', { nullable: true, description: 'Mean time to acknowledge.' }),
      mttrSeconds: t.exposeInt('mttrSeconds', {
        nullable: true,
        description: 'Mean time to resolve (resolution by a person, else clearing).',
      }),
      medianTtaSeconds: t.exposeInt('medianTtaSeconds', { nullable: true, description: 'Median time to acknowledge.' }),
      medianTtrSeconds: t.exposeInt('medianTtrSeconds', { nullable: true, description: 'Median time to resolve.' }),
    }),
  });

builder.queryFields((t) => ({
  incidents: t.prismaConnection({
    type: 'Incident',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.incident.count({ where: incidentWhere(args) }),
    description: 'Incidents, going on first, then newest.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      status: t.arg({ type: IncidentStatusEnum, required: false, description: 'Only this status.' }),
      active: t.arg.boolean({ required: false, description: 'Only SUSPECTED and OPEN ones.' }),
      kind: t.arg({ type: [IncidentKindEnum], required: false, description: 'Only these kinds.' }),
      oltId: t.arg.id({ required: false, description: 'Only incidents of this OLT.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.incident.findMany({
        ...query,
        where: incidentWhere(args),
        orderBy: [{ status: 'asc' }, { openedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  incident: t.prismaField({
    type: 'Incident',
    nullable: true,
    description: 'One incident by id.',
    authScopes: readAs(...NETWORK_READERS),
    args: { id: t.arg.id({ required: true, description: 'Incident id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.incident.findUnique({ ...query, where: { id: idOf(String(args.id), 'Incident', 'id') } }),
  }),
  incidentStats: t.field({
    type: IncidentStatsRef,
    description: 'MTTA and MTTR of the incidents opened in a period, optionally of one OLT or cause.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'Opened at or after.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Opened before.' }),
      oltId: t.arg.id({ required: false, description: 'Only this OLT.' }),
      kind: t.arg({ type: IncidentKindEnum, required: false, description: 'Only this cause.' }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.to <= args.from) throw ValidationError.single('to', 'BEFORE_FROM', '`to` must be after `from`');
      const oltId = optionalIdOf(args.oltId ? String(args.oltId) : null, 'Olt', 'oltId');
      const res = await ctx.db.pool.query<{
        count: number;
        acknowledged: number;
        resolved: number;
        mtta: number | null;
        mttr: number | null;
        median_tta: number | null;
        median_ttr: number | null;
      }>(
        `WITH x AS (
           SELECT extract(epoch FROM acknowledged_at - opened_at) AS tta, extract(epoch FROM coalesce(resolved_at, cleared_at) - opened_at) AS ttr,
                  acknowledged_at IS NOT NULL AS acked, coalesce(resolved_at, cleared_at) IS NOT NULL AS done
           FROM incidents WHERE opened_at >= $1 AND opened_at < $2 AND status <> 'WITHDRAWN'
             AND ($3::int IS NULL OR olt_id = $3) AND ($4::text IS NULL OR kind::text = $4))
         SELECT count(*)::int AS count, count(*) FILTER (WHERE acked)::int AS acknowledged, count(*) FILTER (WHERE done)::int AS resolved,
                round(avg(tta))::int AS mtta, round(avg(ttr))::int AS mttr,
                round(percentile_cont(0.5) WITHIN GROUP (ORDER BY tta))::int AS median_tta,
                round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ttr))::int AS median_ttr
         FROM x`,
        [args.from, args.to, oltId, args.kind ?? null],
      );
      const r = res.rows[0]!;
      return {
        count: r.count,
        acknowledged: r.acknowledged,
        resolved: r.resolved,
        mttaSeconds: r.mtta,
        mttrSeconds: r.mttr,
        medianTtaSeconds: r.median_tta,
        medianTtrSeconds: r.median_ttr,
      };
    },
  }),
}));

const ACTIVE: Status[] = ['SUSPECTED', 'OPEN'];
const note = (field: string, max = 5000) =>
  z.string().trim().min(1, 'Write something').max(max, `At most ${max} characters`).describe(field);

async function loadForUpdate(tx: Prisma.TransactionClient, id: number) {
  await lockForUpdate(tx, 'incidents', id);
  const incident = await tx.incident.findUnique({ where: { id } });
  if (!incident) throw new NotFoundError('id', 'No incident with that id');
  return incident;
}

builder.mutationFields((t) => ({
  acknowledgeIncident: t.field({
    type: IncidentRef,
    description: 'Take an incident: its time to acknowledge stops, escalation will not happen. Optionally with a note.',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('AcknowledgeIncident', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      note: t.arg.string({ required: false, description: 'A note.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const text = args.note?.trim() ? parseInput(note('note'), args.note, 'note') : '';
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await loadForUpdate(tx, id);
        if (before.acknowledgedAt) throw new InvalidTransitionError('Already acknowledged', 'ACKNOWLEDGED', 'ACKNOWLEDGED', 'id');
        if (!ACTIVE.includes(before.status))
          throw new InvalidTransitionError(
            `A ${before.status.toLowerCase()} incident needs no acknowledgement`,
            before.status,
            'ACKNOWLEDGED',
            'id',
          );
        const after = await tx.incident.update({
          where: { id },
          data: {
            acknowledgedAt: new Date(),
            acknowledgedById: ctx.actor!.userId,
            ...(before.assigneeId ? {} : { assigneeId: ctx.actor!.userId }),
          },
        });
        await tx.incidentEvent.create({ data: { incidentId: id, kind: 'ACKNOWLEDGED', authorId: ctx.actor!.userId, body: text } });
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, { action: 'incident.acknowledge', entityType: 'Incident', entityId: id });
        return after;
      });
    },
  }),
  assignIncident: t.field({
    type: IncidentRef,
    description: 'Give an incident to a person (NOC or admin), or take it back (assigneeId null).',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('AssignIncident', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      assigneeId: t.arg.id({ required: false, description: 'User id; null to unassign.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const assigneeId = optionalIdOf(args.assigneeId ? String(args.assigneeId) : null, 'User', 'assigneeId');
      return ctx.db.prisma.$transaction(async (tx) => {
        await loadForUpdate(tx, id);
        let name = '—';
        if (assigneeId !== null) {
          const user = await tx.user.findUnique({ where: { id: assigneeId } });
          if (!user?.active || !['ADMIN', 'NOC'].includes(user.role))
            throw ValidationError.single('assigneeId', 'NOT_NOC', 'Assign incidents to an active NOC operator or admin');
          name = user.name;
        }
        const after = await tx.incident.update({ where: { id }, data: { assigneeId } });
        await tx.incidentEvent.create({
          data: { incidentId: id, kind: 'ASSIGNED', authorId: ctx.actor!.userId, body: name, data: { assigneeId } },
        });
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, { action: 'incident.assign', entityType: 'Incident', entityId: id, after: { assigneeId } });
        return after;
      });
    },
  }),
  addIncidentNote: t.field({
    type: IncidentRef,
    description: 'Add a note to an incident’s timeline.',
    authScopes: writeAs('ADMIN', 'NOC', 'SUPPORT'),
    errors: mutationResult('AddIncidentNote', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      body: t.arg.string({ required: true, description: 'The note.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const body = parseInput(note('body'), args.body, 'body');
      return ctx.db.prisma.$transaction(async (tx) => {
        const incident = await loadForUpdate(tx, id);
        await tx.incidentEvent.create({ data: { incidentId: id, kind: 'NOTE', authorId: ctx.actor!.userId, body } });
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, { action: 'incident.note', entityType: 'Incident', entityId: id });
        return incident;
      });
    },
  }),
  resolveIncident: t.field({
    type: IncidentRef,
    description: 'Resolve an incident (the repair is done), with a note. One still going on clears now.',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('ResolveIncident', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      note: t.arg.string({ required: true, description: 'What was done.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const body = parseInput(note('note'), args.note, 'note');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await loadForUpdate(tx, id);
        if (before.resolvedAt) throw new InvalidTransitionError('Already resolved', 'RESOLVED', 'RESOLVED', 'id');
        if (before.status === 'WITHDRAWN')
          throw new InvalidTransitionError('A withdrawn incident needs no resolution', 'WITHDRAWN', 'RESOLVED', 'id');
        const now = new Date();
        const active = ACTIVE.includes(before.status);
        const after = await tx.incident.update({
          where: { id },
          data: {
            resolvedAt: now,
            resolvedById: ctx.actor!.userId,
            ...(active
              ? {
                  status: 'CLEARED',
                  clearedAt: now,
                  durationSeconds: Math.max(0, Math.round((now.getTime() - before.openedAt.getTime()) / 1000)),
                }
              : {}),
            ...(before.acknowledgedAt ? {} : { acknowledgedAt: now, acknowledgedById: ctx.actor!.userId }),
          },
        });
        await tx.incidentEvent.create({ data: { incidentId: id, kind: 'RESOLVED', authorId: ctx.actor!.userId, body } });
        if (active) {
          await tx.$executeRaw`SELECT graphile_worker.add_job('notify_incident', json_build_object('incidentId', ${id}::int, 'event', 'CLEARED', 'eventKey', 'CLEARED:resolved'),
                                 job_key := ${`notify:${id}:CLEARED:resolved`}, max_attempts := 10)`;
        }
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, {
          action: 'incident.resolve',
          entityType: 'Incident',
          entityId: id,
          before: { status: before.status },
          after: { status: after.status },
        });
        return after;
      });
    },
  }),
  closeIncidentTickets: t.field({
    type: IncidentRef,
    description: 'Close every open ticket linked to an incident, each with the note in its timeline (after the incident cleared).',
    authScopes: writeAs('ADMIN', 'NOC'),
    errors: mutationResult('CloseIncidentTickets', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      note: t.arg.string({ required: true, description: 'What customers are told.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const body = parseInput(note('note'), args.note, 'note');
      return ctx.db.prisma.$transaction(async (tx) => {
        const incident = await loadForUpdate(tx, id);
        if (ACTIVE.includes(incident.status))
          throw new InvalidTransitionError('The incident is still going on: resolve it first', incident.status, 'TICKETS_CLOSED', 'id');
        const links = await tx.incidentTicket.findMany({
          where: { incidentId: id },
          include: { ticket: { select: { id: true, status: true } } },
        });
        const closed: number[] = [];
        const now = new Date();
        for (const link of links) {
          await tx.$executeRaw`SELECT 1 FROM tickets WHERE id = ${link.ticketId} FOR UPDATE`;
          const ticket = await tx.ticket.findUniqueOrThrow({ where: { id: link.ticketId } });
          if (!isTicketOpen(ticket.status as TicketStatus) && ticket.status !== 'RESOLVED') continue;
          await tx.ticket.update({
            where: { id: ticket.id },
            data: { status: 'CLOSED', resolvedAt: ticket.resolvedAt ?? now, closedAt: now },
          });
          await tx.ticketEvent.create({
            data: {
              ticketId: ticket.id,
              kind: 'STATUS_CHANGE',
              authorId: ctx.actor!.userId,
              body,
              data: { from: ticket.status, to: 'CLOSED', incidentId: id },
            },
          });
          closed.push(ticket.id);
        }
        await tx.incidentEvent.create({
          data: { incidentId: id, kind: 'TICKETS_CLOSED', authorId: ctx.actor!.userId, body, data: { tickets: closed } },
        });
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, { action: 'incident.closeTickets', entityType: 'Incident', entityId: id, after: { tickets: closed } });
        return incident;
      });
    },
  }),
  linkTicketToIncident: t.field({
    type: IncidentRef,
    description: 'Link a ticket to an incident by hand.',
    authScopes: writeAs('ADMIN', 'NOC', 'SUPPORT'),
    errors: mutationResult('LinkTicketToIncident', 'incident'),
    args: {
      id: t.arg.id({ required: true, description: 'Incident id.' }),
      ticketId: t.arg.id({ required: true, description: 'Ticket id.' }),
    },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Incident', 'id');
      const ticketId = idOf(String(args.ticketId), 'Ticket', 'ticketId');
      return ctx.db.prisma.$transaction(async (tx) => {
        const incident = await loadForUpdate(tx, id);
        if (!(await tx.ticket.findUnique({ where: { id: ticketId }, select: { id: true } })))
          throw new NotFoundError('ticketId', 'No ticket with that id');
        const existing = await tx.incidentTicket.findUnique({ where: { incidentId_ticketId: { incidentId: id, ticketId } } });
        if (existing) throw new InvalidTransitionError('Already linked', 'LINKED', 'LINKED', 'ticketId');
        await tx.incidentTicket.create({ data: { incidentId: id, ticketId, automatic: false } });
        await tx.incidentEvent.create({
          data: { incidentId: id, kind: 'TICKET_LINKED', authorId: ctx.actor!.userId, body: `#${ticketId}`, data: { ticketId } },
        });
        await notifyIn(tx, { t: 'incident', id });
        await audit(tx, ctx, { action: 'incident.linkTicket', entityType: 'Incident', entityId: id, after: { ticketId } });
        return incident;
      });
    },
  }),
}));
