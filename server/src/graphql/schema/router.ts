/** Routers (MikroTik PPPoE servers, ISPCube "nodes"). */
import { storablePayload } from '../../mirror/common.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs } from '../access.ts';
import { idOf } from '../ids.ts';
import { withFreshness } from '../freshness.ts';

export const RouterRef = builder.prismaNode('Router', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked).
  select: { id: true },
  id: { field: 'id' },
  description: 'A MikroTik router terminating PPPoE sessions (an ISPCube node). Its API credentials live in configuration only.',
  authScopes: readAs(...NETWORK_READERS),
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'ISPCube node id.' }),
    name: t.exposeString('name', { description: 'Name (the ISPCube node comment).' }),
    host: t.exposeString('host', { description: 'Address of the RouterOS API.' }),
    apiPort: t.exposeInt('apiPort', { description: 'RouterOS API port (8728 plain, 8729 TLS).' }),
    identity: t.exposeString('identity', { nullable: true, description: 'RouterOS `/system/identity`, once contacted.' }),
    version: t.exposeString('version', { nullable: true, description: 'RouterOS version, once contacted.' }),
    reachable: t.exposeBoolean('reachable', { nullable: true, description: 'Whether the last contact succeeded (null: never tried).' }),
    lastContactAt: t.expose('lastContactAt', { type: 'DateTime', nullable: true, description: 'Last successful contact.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Last contact error, if the last contact failed.' }),
    goneAt: t.expose('goneAt', { type: 'DateTime', nullable: true, description: 'When it disappeared from ISPCube (kept for history).' }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'The ISPCube node as last received.',
    }),
    sessionsObservedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the live sessions of this router were last confirmed by a full sweep.',
      resolve: (r, _a, ctx) => withFreshness(ctx, (f) => f.lastSuccess('ROUTEROS', 'SESSIONS', `router:${r.id}`)),
    }),
    activeSessionCount: t.relationCount('sessions', { description: 'PPPoE sessions up right now (per the mirror).' }),
    secretCount: t.relationCount('secrets', { where: { goneAt: null }, description: 'PPP secrets on the router.' }),
    sessions: t.relatedConnection('sessions', {
      cursor: 'id',
      totalCount: true,
      description: 'Live PPPoE sessions, by username.',
      query: () => ({ orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    }),
    secrets: t.relatedConnection('secrets', {
      cursor: 'id',
      totalCount: true,
      description: 'PPP secrets (accounts) on the router, by name.',
      args: {
        linked: t.arg.boolean({ required: false, description: 'Only secrets that match (true) or match no (false) ISPCube connection.' }),
      },
      query: (args) => ({
        where: {
          goneAt: null,
          ...(args.linked === true ? { connectionId: { not: null } } : args.linked === false ? { connectionId: null } : {}),
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
    }),
  }),
});

builder.queryFields((t) => ({
  routers: t.prismaConnection({
    type: 'Router',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.router.count({ where: args.includeGone ? {} : { goneAt: null } }),
    description: 'Routers, by name.',
    authScopes: readAs(...NETWORK_READERS),
    args: { includeGone: t.arg.boolean({ required: false, description: 'Include routers that disappeared from ISPCube.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.router.findMany({
        ...query,
        where: args.includeGone ? {} : { goneAt: null },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
  }),
  router: t.prismaField({
    type: 'Router',
    nullable: true,
    description: 'One router by id.',
    authScopes: readAs(...NETWORK_READERS),
    args: { id: t.arg.id({ required: true, description: 'Router id.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.router.findUnique({ ...query, where: { id: idOf(String(args.id), 'Router', 'id') } }),
  }),
}));
