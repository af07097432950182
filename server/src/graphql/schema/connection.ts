/** Connections: the service a customer buys, joined to its router secret, live session and ONU. */
import { storablePayload } from '../../mirror/common.ts';
import { builder } from '../builder.ts';
import { CUSTOMER_READERS, readAs, rowScopes } from '../access.ts';
import { idOf } from '../ids.ts';
import { withFreshness } from '../freshness.ts';
import { SourceEnum, TicketStatusEnum } from './enums.ts';
import { OnuRef } from './onu.ts';
import { PppSecretRef, PppSessionRef } from './ppp.ts';
import { OPEN_TICKET_STATUSES } from '../../domain/workflow.ts';

export const ConnectionRef = builder.prismaNode('Connection', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description:
    'A service a customer buys (ISPCube connection). Its PPPoE username joins it to the router secret, the live session and the ONU.',
  authScopes: rowScopes(CUSTOMER_READERS, (c: { id: number }, scope) => scope.connectionIds.has(c.id)),
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'ISPCube connection id.' }),
    pppoeUsername: t.exposeString('pppoeUsername', { nullable: true, description: 'PPPoE username.' }),
    connType: t.exposeString('connType', { nullable: true, description: 'Connection type in ISPCube (pppoe …).' }),
    address: t.exposeString('address', { nullable: true, description: 'Service address.' }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: 'Fixed IP, if the plan has one.' }),
    latitude: t.exposeFloat('latitude', { nullable: true, description: 'Latitude.' }),
    longitude: t.exposeFloat('longitude', { nullable: true, description: 'Longitude.' }),
    goneAt: t.expose('goneAt', { type: 'DateTime', nullable: true, description: 'When it disappeared from ISPCube.' }),
    openIncident: t.prismaField({
      type: 'Incident',
      nullable: true,
      description: 'The outage this connection is part of right now (fibre cut, power cut, router outage), if any.',
      resolve: (query, c, _a, ctx) =>
        ctx.db.prisma.incident.findFirst({
          ...query,
          where: { status: { in: ['SUSPECTED', 'OPEN'] }, affected: { some: { connectionId: c.id, recoveredAt: null } } },
          orderBy: { openedAt: 'desc' },
        }),
    }),
    observedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When ISPCube data was last synced.',
      resolve: (_c, _a, ctx) => withFreshness(ctx, (f) => f.lastSuccess('ISPCUBE', 'INVENTORY', 'all')),
    }),
    source: t.field({ type: SourceEnum, description: 'Always ISPCUBE.', resolve: () => 'ISPCUBE' as const }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'The connection as ISPCube last sent it.',
    }),
    customer: t.relation('customer', { description: 'Who buys it.' }),
    plan: t.relation('plan', { nullable: true, description: 'Plan.' }),
    router: t.relation('router', { nullable: true, description: 'Router ISPCube says serves it (its node).' }),
    pppSecret: t.field({
      type: PppSecretRef,
      nullable: true,
      description: "The PPP secret with this username: on the connection's router if there is one there, else on any router.",
      select: (_args, _ctx, nested) => ({
        routerId: true,
        pppSecrets: nested({ where: { goneAt: null }, orderBy: { id: 'asc' } }),
      }),
      resolve: (c) => c.pppSecrets.find((s) => s.routerId === c.routerId) ?? c.pppSecrets[0] ?? null,
    }),
    session: t.field({
      type: PppSessionRef,
      nullable: true,
      description: 'The PPPoE session up right now, if any (the newest, if several).',
      select: (_args, _ctx, nested) => ({ pppSessions: nested({ orderBy: { startedAt: 'desc' }, take: 1 }) }),
      resolve: (c) => c.pppSessions[0] ?? null,
    }),
    onu: t.field({
      type: OnuRef,
      nullable: true,
      description: 'The ONU serving it (fibre connections).',
      select: (_args, _ctx, nested) => ({ onus: nested({ where: { goneAt: null }, orderBy: { id: 'asc' }, take: 1 }) }),
      resolve: (c) => c.onus[0] ?? null,
    }),
    sessionHistory: t.relatedConnection('sessionHistory', {
      cursor: 'id',
      description: 'Ended PPPoE sessions, newest first.',
      query: () => ({ orderBy: [{ endedAt: 'desc' }, { id: 'desc' }] }),
    }),
    tickets: t.relatedConnection('tickets', {
      cursor: 'id',
      totalCount: true,
      description: 'Tickets about this connection, newest first.',
      args: {
        status: t.arg({ type: [TicketStatusEnum], required: false, description: 'Only these statuses.' }),
        open: t.arg.boolean({ required: false, description: 'Only open tickets (any status before RESOLVED).' }),
      },
      query: (args) => ({
        where: args.open ? { status: { in: [...OPEN_TICKET_STATUSES] } } : args.status?.length ? { status: { in: args.status } } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
    openTicketCount: t.relationCount('tickets', {
      where: { status: { in: [...OPEN_TICKET_STATUSES] } },
      description: 'Open tickets about this connection.',
    }),
    workOrders: t.prismaField({
      type: ['WorkOrder'],
      description: "Work orders of this connection's tickets, newest first.",
      resolve: (query, c, _args, ctx) =>
        ctx.db.prisma.workOrder.findMany({
          ...query,
          where: { ticket: { connectionId: c.id } },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 50,
        }),
    }),
    incidents: t.prismaField({
      type: ['Incident'],
      description: 'Incidents that affected this connection, newest first (open ones first).',
      args: { openOnly: t.arg.boolean({ required: false, description: 'Only open incidents.' }) },
      resolve: (query, c, args, ctx) =>
        ctx.db.prisma.incident.findMany({
          ...query,
          where: { affected: { some: { connectionId: c.id } }, ...(args.openOnly ? { status: { in: ['SUSPECTED', 'OPEN'] } } : {}) },
          orderBy: [{ status: 'asc' }, { openedAt: 'desc' }],
          take: 20,
        }),
    }),
  }),
});

builder.queryFields((t) => ({
  connection: t.prismaField({
    type: 'Connection',
    nullable: true,
    description: 'One connection by id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Connection id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.connection.findUnique({ ...query, where: { id: idOf(String(args.id), 'Connection', 'id') } }),
  }),
  connectionByUsername: t.prismaField({
    type: 'Connection',
    nullable: true,
    description: 'The connection with this PPPoE username (case-insensitive).',
    authScopes: readAs(...CUSTOMER_READERS),
    args: { username: t.arg.string({ required: true, description: 'PPPoE username.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.connection.findFirst({
        ...query,
        where: { usernameKey: args.username.trim().toLowerCase(), goneAt: null },
        orderBy: { id: 'asc' },
      }),
  }),
}));
