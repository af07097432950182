/**
 * Subscriptions over graphql-ws (same /graphql endpoint). Each message is a batch: the
 * latest state of everything that changed since the previous message to this client, so a
 * storm of 500 ONUs going LOS arrives as a handful of messages, not 500. `resync: true`
 * means changes were dropped (the client fell behind, or the server lost its event stream):
 * refetch the queries this subscription keeps fresh. A client should also refetch when it
 * reconnects, since changes made while it was away are not replayed.
 */
import { GraphQLError } from 'graphql';
import type { Connection, Incident, Onu, SyncRun } from '../../generated/prisma/client.ts';
import type { SessionChangeRecord } from '../../realtime/bus.ts';
import type { MailboxBatch } from '../../realtime/mailbox.ts';
import { builder } from '../builder.ts';
import { CUSTOMER_READERS, NETWORK_READERS, readAs, technicianScope } from '../access.ts';
import type { Context } from '../context.ts';
import { idOf } from '../ids.ts';
import { OnuStatusEnum } from './enums.ts';
import { computeNetworkSummary, NetworkSummaryRef, type Summary } from './network.ts';
import { ConnectionRef } from './connection.ts';
import { IncidentRef } from './incident.ts';
import { usePortCounts } from './olt.ts';
import { OnuRef } from './onu.ts';
import { PppSessionRef } from './ppp.ts';
import { SyncRunRef } from './sync.ts';

function busOf(ctx: Context) {
  if (!ctx.bus)
    throw new GraphQLError('Subscriptions are served over WebSocket by the API process', {
      extensions: { code: 'SUBSCRIPTIONS_UNAVAILABLE' },
    });
  return ctx.bus;
}

const resyncDescription = 'Changes were dropped (this client fell behind, or the server lost its event stream): refetch.';

const OnuStatusBatchRef = builder.objectRef<MailboxBatch<Onu>>('OnuStatusBatch').implement({
  description: 'ONUs whose status or signal changed since the previous message, with their current state.',
  fields: (t) => ({
    onus: t.field({ type: [OnuRef], description: 'The ONUs, as they are now.', resolve: (b) => b.items }),
    resync: t.exposeBoolean('resync', { description: resyncDescription }),
  }),
});

const PppSessionChangeRef = builder.objectRef<SessionChangeRecord>('PppSessionChange').implement({
  description: 'A PPPoE session that started or ended.',
  fields: (t) => ({
    router: t.prismaField({
      type: 'Router',
      description: 'Router (NAS) of the session.',
      resolve: (query, c, _a, ctx) => ctx.db.prisma.router.findUniqueOrThrow({ ...query, where: { id: c.routerId } }),
    }),
    username: t.exposeString('username', { description: 'PPPoE username.' }),
    up: t.boolean({ description: 'Whether the session is up now.', resolve: (c) => c.session !== null }),
    session: t.field({
      type: PppSessionRef,
      nullable: true,
      description: 'The live session; null when it ended.',
      resolve: (c) => c.session,
    }),
    connection: t.prismaField({
      type: 'Connection',
      nullable: true,
      description: 'The connection of this username, if linked.',
      resolve: (query, c, _a, ctx) =>
        c.connectionId === null ? null : ctx.db.prisma.connection.findUnique({ ...query, where: { id: c.connectionId } }),
    }),
    observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When Emerald saw the change.' }),
  }),
});

const PppSessionBatchRef = builder.objectRef<MailboxBatch<SessionChangeRecord>>('PppSessionBatch').implement({
  description: 'PPPoE sessions that started or ended since the previous message.',
  fields: (t) => ({
    changes: t.field({ type: [PppSessionChangeRef], description: 'The changes, latest per session.', resolve: (b) => b.items }),
    resync: t.exposeBoolean('resync', { description: resyncDescription }),
  }),
});

const ConnectionUpdateRef = builder.objectRef<MailboxBatch<Connection>>('ConnectionUpdate').implement({
  description: 'Something the customer view shows changed: the connection, its ONU or its PPPoE session. Select what the view needs.',
  fields: (t) => ({
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      description: 'The connection now (null on a resync message).',
      resolve: (b) => b.items.at(-1) ?? null,
    }),
    resync: t.exposeBoolean('resync', { description: resyncDescription }),
  }),
});

const IncidentBatchRef = builder.objectRef<MailboxBatch<Incident>>('IncidentBatch').implement({
  description: 'Incidents opened, updated or cleared since the previous message.',
  fields: (t) => ({
    incidents: t.field({ type: [IncidentRef], description: 'The incidents, as they are now.', resolve: (b) => b.items }),
    resync: t.exposeBoolean('resync', { description: resyncDescription }),
  }),
});

const SyncRunBatchRef = builder.objectRef<MailboxBatch<SyncRun>>('SyncRunBatch').implement({
  description: 'Sync runs that were queued, progressed or finished since the previous message.',
  fields: (t) => ({
    runs: t.field({ type: [SyncRunRef], description: 'The runs, as they are now.', resolve: (b) => b.items }),
    resync: t.exposeBoolean('resync', { description: resyncDescription }),
  }),
});

/** Change streams (no first event of their own): identical subscribers share one stream (fanOut.ts). */
const CHANGES_ONLY = { fanOut: true };

const optionalId = (value: string | number | null | undefined, typename: string, field: string): number | null =>
  value === null || value === undefined ? null : idOf(String(value), typename, field);

builder.subscriptionType({ description: 'Live changes, pushed over WebSocket (graphql-ws) on /graphql.' });

builder.subscriptionFields((t) => ({
  onuStatusChanged: t.field({
    type: OnuStatusBatchRef,
    description: 'ONUs whose status (or signal) changed, optionally only of one OLT, one PON port, or in some states.',
    extensions: CHANGES_ONLY,
    authScopes: readAs(...NETWORK_READERS),
    args: {
      oltId: t.arg.id({ required: false, description: 'Only ONUs of this OLT.' }),
      ponPortId: t.arg.id({ required: false, description: 'Only ONUs of this PON port.' }),
      status: t.arg({ type: [OnuStatusEnum], required: false, description: 'Only ONUs now in one of these states.' }),
    },
    subscribe: (_root, args, ctx) => {
      const oltId = optionalId(args.oltId, 'Olt', 'oltId');
      const ponPortId = optionalId(args.ponPortId, 'PonPort', 'ponPortId');
      const statuses = args.status?.length ? new Set<string>(args.status) : null;
      return busOf(ctx).onus(
        (o) =>
          (oltId === null || o.oltId === oltId) &&
          (ponPortId === null || o.ponPortId === ponPortId) &&
          (statuses === null || statuses.has(o.status)),
      );
    },
    resolve: (batch) => batch,
  }),

  pppSessionChanged: t.field({
    type: PppSessionBatchRef,
    description: 'PPPoE sessions that started or ended, optionally only on one router or for one username.',
    extensions: CHANGES_ONLY,
    authScopes: readAs(...NETWORK_READERS),
    args: {
      routerId: t.arg.id({ required: false, description: 'Only sessions of this router.' }),
      username: t.arg.string({ required: false, description: 'Only this PPPoE username (case-insensitive).' }),
    },
    subscribe: (_root, args, ctx) => {
      const routerId = optionalId(args.routerId, 'Router', 'routerId');
      const username = args.username?.trim().toLowerCase() || null;
      return busOf(ctx).sessions(
        (c) => (routerId === null || c.routerId === routerId) && (username === null || c.username.toLowerCase() === username),
      );
    },
    resolve: (batch) => batch,
  }),

  connectionChanged: t.field({
    type: ConnectionUpdateRef,
    description: 'One connection: fires when it, its ONU (status, signal) or its PPPoE session changes.',
    extensions: CHANGES_ONLY,
    authScopes: readAs(...CUSTOMER_READERS, 'TECHNICIAN'),
    args: { id: t.arg.id({ required: true, description: 'Connection id.' }) },
    subscribe: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'Connection', 'id');
      // Technicians follow only the connections of their work orders.
      if (ctx.actor?.role === 'TECHNICIAN' && !(await technicianScope(ctx)).connectionIds.has(id)) {
        throw new GraphQLError('Not authorized to follow this connection', { extensions: { code: 'FORBIDDEN' } });
      }
      const exists = await ctx.db.prisma.connection.count({ where: { id } });
      if (!exists) throw new GraphQLError(`No connection ${args.id}`, { extensions: { code: 'NOT_FOUND' } });
      return busOf(ctx).connection(id);
    },
    resolve: (batch) => batch,
  }),

  networkSummary: t.field({
    type: NetworkSummaryRef,
    description: 'The NOC summary: sent at once, then again when the network changes (at most once a second).',
    authScopes: readAs(...NETWORK_READERS),
    subscribe: (_root, _args, ctx) => busOf(ctx).summaries(() => computeNetworkSummary(ctx.db, ctx.config.thresholds)),
    resolve: (batch: MailboxBatch<Summary>, _args, ctx) => {
      const summary = batch.items.at(-1);
      if (!summary) throw new GraphQLError('The network summary is being recomputed', { extensions: { code: 'RESYNC' } });
      usePortCounts(ctx, summary.counts);
      return summary;
    },
  }),

  incidentChanged: t.field({
    type: IncidentBatchRef,
    description: 'Incidents opened, growing, recovering or cleared.',
    extensions: CHANGES_ONLY,
    authScopes: readAs(...NETWORK_READERS),
    subscribe: (_root, _args, ctx) => busOf(ctx).incidents(),
    resolve: (batch) => batch,
  }),

  syncRunChanged: t.field({
    type: SyncRunBatchRef,
    description: 'Sync runs queued, progressing and finished.',
    extensions: CHANGES_ONLY,
    authScopes: readAs('ADMIN', 'NOC'),
    subscribe: (_root, _args, ctx) => busOf(ctx).syncRuns(),
    resolve: (batch) => batch,
  }),
}));
