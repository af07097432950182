/** Incidents: many ONUs or sessions that dropped together, explained by one cause. */
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import { idOf } from '../ids.ts';

const IncidentKindEnum = builder.enumType('IncidentKind', {
  description: 'What an incident is.',
  values: {
    FIBRE_CUT: { description: 'Many ONUs of one PON port lost signal (LOS) together: fibre cut or damaged splitter.' },
    POWER_OUTAGE: { description: 'Many ONUs reported power failure together: mains power cut in an area.' },
    ROUTER_OUTAGE: { description: 'Many PPPoE sessions of one router dropped together: router or upstream problem.' },
  } as const,
});

const IncidentStatusEnum = builder.enumType('IncidentStatus', {
  description: 'Whether an incident is still going on.',
  values: { OPEN: { description: 'Going on.' }, CLEARED: { description: 'Most affected units recovered.' } } as const,
});

export const IncidentRef = builder.prismaNode('Incident', {
  id: { field: 'id' },
  description: 'An outage affecting many customers at once. The per-ONU changes it explains are attached to it, not raised one by one.',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    kind: t.field({ type: IncidentKindEnum, description: 'Cause.', resolve: (i) => i.kind }),
    status: t.field({ type: IncidentStatusEnum, description: 'Status.', resolve: (i) => i.status }),
    title: t.exposeString('title', { description: 'Summary, e.g. "Corte de fibra OLT-1 0/3".' }),
    olt: t.relation('olt', { nullable: true, description: 'OLT involved.' }),
    ponPort: t.relation('ponPort', { nullable: true, description: 'PON port involved.' }),
    router: t.relation('router', { nullable: true, description: 'Router involved.' }),
    affectedCount: t.exposeInt('affectedCount', { description: 'Units (ONUs or sessions) affected.' }),
    recoveredCount: t.exposeInt('recoveredCount', { description: 'Of those, recovered.' }),
    openedAt: t.expose('openedAt', { type: 'DateTime', description: 'When it began (first unit down).' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', nullable: true, description: 'When it cleared.' }),
    durationSeconds: t.int({
      description: 'How long it lasted (so far, if open).',
      select: { openedAt: true, clearedAt: true, durationSeconds: true },
      resolve: (i) => i.durationSeconds ?? Math.round(((i.clearedAt ?? new Date()).getTime() - i.openedAt.getTime()) / 1000),
    }),
    details: t.expose('details', { type: 'JSON', nullable: true, description: 'Thresholds and counts that opened it.' }),
    affected: t.relatedConnection('affected', {
      cursor: 'id',
      totalCount: true,
      description: 'Affected connections and ONUs.',
      query: () => ({ orderBy: [{ affectedAt: 'asc' }, { id: 'asc' }] }),
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

function incidentWhere(args: {
  status?: 'OPEN' | 'CLEARED' | null;
  kind?: ('FIBRE_CUT' | 'POWER_OUTAGE' | 'ROUTER_OUTAGE')[] | null;
}): Prisma.IncidentWhereInput {
  return { ...(args.status ? { status: args.status } : {}), ...(args.kind?.length ? { kind: { in: args.kind } } : {}) };
}

builder.queryFields((t) => ({
  incidents: t.prismaConnection({
    type: 'Incident',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.incident.count({ where: incidentWhere(args) }),
    description: 'Incidents, open first, then newest.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      status: t.arg({ type: IncidentStatusEnum, required: false, description: 'Only this status.' }),
      kind: t.arg({ type: [IncidentKindEnum], required: false, description: 'Only these kinds.' }),
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
}));
