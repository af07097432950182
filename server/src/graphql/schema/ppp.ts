/** PPPoE: secrets (accounts on routers), live sessions and the history of ended sessions. */
import type { Prisma } from '../../generated/prisma/client.ts';
import { storablePayload } from '../../mirror/common.ts';
import { builder } from '../builder.ts';
import { NETWORK_READERS, readAs, rowScopes } from '../access.ts';
import { optionalIdOf } from '../ids.ts';
import { withFreshness, latest } from '../freshness.ts';
import { SourceEnum } from './enums.ts';

export const PppSecretRef = builder.prismaNode('PppSecret', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked);
  // the connection decides who may see the row.
  select: { id: true, connectionId: true },
  id: { field: 'id' },
  description: 'A PPPoE account on a router (`/ppp/secret`). Its password is never stored or shown.',
  authScopes: rowScopes(
    NETWORK_READERS,
    (s: { connectionId: number | null }, scope) => s.connectionId !== null && scope.connectionIds.has(s.connectionId),
  ),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'PPPoE username.' }),
    linked: t.boolean({
      description: 'Whether an ISPCube connection has this username. Unlinked secrets are tests, leftovers or provisioning errors.',
      select: { connectionId: true },
      resolve: (s) => s.connectionId !== null,
    }),
    profile: t.exposeString('profile', {
      nullable: true,
      description: 'RouterOS PPP profile (usually the speed plan, or a debt profile).',
    }),
    service: t.exposeString('service', { nullable: true, description: 'Service the secret is for (pppoe, any …).' }),
    remoteAddress: t.exposeString('remoteAddress', { nullable: true, description: 'Fixed IP assigned on login, if any.' }),
    disabled: t.exposeBoolean('disabled', { description: 'Disabled on the router: logins are refused.' }),
    comment: t.exposeString('comment', { nullable: true, description: 'Router comment.' }),
    lastLoggedOut: t.expose('lastLoggedOut', {
      type: 'DateTime',
      nullable: true,
      description: 'When the last session ended (router clock).',
    }),
    lastCallerId: t.exposeString('lastCallerId', { nullable: true, description: 'MAC of the last client that logged in.' }),
    lastDisconnectReason: t.exposeString('lastDisconnectReason', {
      nullable: true,
      description: 'Why the last session ended (peer-not-responding, hung-up …).',
    }),
    goneAt: t.expose('goneAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it disappeared from the router (kept for history).',
    }),
    observedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: "When the router's secrets were last synced.",
      select: { routerId: true },
      resolve: (s, _a, ctx) => withFreshness(ctx, (f) => f.lastSuccess('ROUTEROS', 'INVENTORY', `router:${s.routerId}`)),
    }),
    source: t.field({ type: SourceEnum, description: 'Always ROUTEROS.', resolve: () => 'ROUTEROS' as const }),
    vendorPayload: t.field({
      select: { raw: true },
      // Stored payloads are already stripped of credentials; rows stored before that was so are stripped here.
      resolve: (row) => storablePayload(row.raw) as never,
      type: 'JSON',
      description: 'The secret as the router printed it, without the password.',
    }),
    router: t.relation('router', { description: 'Router holding the secret.' }),
    connection: t.relation('connection', { nullable: true, description: 'The ISPCube connection with this username, if any.' }),
  }),
});

export const PppSessionRef = builder.prismaNode('PppSession', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked);
  // the connection decides who may see the row.
  select: { id: true, connectionId: true },
  id: { field: 'id' },
  description: 'A PPPoE session up right now (`/ppp/active`).',
  authScopes: rowScopes(
    NETWORK_READERS,
    (s: { connectionId: number | null }, scope) => s.connectionId !== null && scope.connectionIds.has(s.connectionId),
  ),
  fields: (t) => ({
    username: t.exposeString('name', { description: 'PPPoE username.' }),
    address: t.exposeString('address', { nullable: true, description: 'IP address assigned to the subscriber.' }),
    callerId: t.exposeString('callerId', { nullable: true, description: "MAC address of the subscriber's router." }),
    service: t.exposeString('service', { nullable: true, description: 'Service (pppoe).' }),
    sessionKey: t.exposeString('sessionKey', { description: 'RouterOS `.id` of the active entry.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'Login time (observation time minus uptime).' }),
    uptimeSeconds: t.int({
      description: 'Seconds since login.',
      select: { startedAt: true },
      resolve: (s) => Math.max(0, Math.floor((Date.now() - s.startedAt.getTime()) / 1000)),
    }),
    observedAt: t.field({
      type: 'DateTime',
      description: 'When the router last confirmed this session.',
      select: { observedAt: true, routerId: true },
      resolve: (s, _a, ctx) =>
        withFreshness(ctx, (f) => latest(s.observedAt, f.lastSuccess('ROUTEROS', 'SESSIONS', `router:${s.routerId}`))!),
    }),
    source: t.field({ type: SourceEnum, description: 'Always ROUTEROS.', resolve: () => 'ROUTEROS' as const }),
    router: t.relation('router', { description: 'Router terminating the session.' }),
    connection: t.relation('connection', { nullable: true, description: 'ISPCube connection of the username, if any.' }),
  }),
});

export const PppSessionHistoryRef = builder.prismaNode('PppSessionHistory', {
  // Select mode: only the columns the query asks for are loaded (never the vendor payload unless asked);
  // the connection decides who may see the row.
  select: { id: true, connectionId: true },
  id: { field: 'id' },
  name: 'PppSessionRecord',
  description: 'A PPPoE session that ended.',
  authScopes: rowScopes(
    NETWORK_READERS,
    (s: { connectionId: number | null }, scope) => s.connectionId !== null && scope.connectionIds.has(s.connectionId),
  ),
  fields: (t) => ({
    username: t.exposeString('name', { description: 'PPPoE username.' }),
    address: t.exposeString('address', { nullable: true, description: 'IP address the session had.' }),
    callerId: t.exposeString('callerId', { nullable: true, description: "MAC of the subscriber's router." }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'Login time.' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', description: 'Logout time.' }),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'Length of the session.' }),
    disconnectReason: t.exposeString('disconnectReason', { nullable: true, description: 'Why it ended, as the router reported.' }),
    router: t.relation('router', { description: 'Router that terminated it.' }),
    connection: t.relation('connection', { nullable: true, description: 'ISPCube connection of the username.' }),
    incident: t.relation('incident', { nullable: true, description: 'The incident this logout was part of, if any.' }),
  }),
});

function sessionWhere(args: { routerId?: string | number | null; username?: string | null }): Prisma.PppSessionWhereInput {
  return {
    ...(args.routerId ? { routerId: optionalIdOf(String(args.routerId), 'Router', 'routerId')! } : {}),
    ...(args.username ? { name: args.username } : {}),
  };
}

function secretWhere(args: {
  routerId?: string | number | null;
  username?: string | null;
  linked?: boolean | null;
}): Prisma.PppSecretWhereInput {
  return {
    goneAt: null,
    ...(args.routerId ? { routerId: optionalIdOf(String(args.routerId), 'Router', 'routerId')! } : {}),
    ...(args.username ? { name: args.username } : {}),
    ...(args.linked === true ? { connectionId: { not: null } } : args.linked === false ? { connectionId: null } : {}),
  };
}

builder.queryFields((t) => ({
  pppSessions: t.prismaConnection({
    type: 'PppSession',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.pppSession.count({ where: sessionWhere(args) }),
    description: 'Live PPPoE sessions, by username.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      routerId: t.arg.id({ required: false, description: 'Only this router.' }),
      username: t.arg.string({ required: false, description: 'Only this username (exact).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.pppSession.findMany({ ...query, where: sessionWhere(args), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
  pppSecrets: t.prismaConnection({
    type: 'PppSecret',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.pppSecret.count({ where: secretWhere(args) }),
    description: 'PPP secrets of all routers, by name.',
    authScopes: readAs(...NETWORK_READERS),
    args: {
      routerId: t.arg.id({ required: false, description: 'Only this router.' }),
      linked: t.arg.boolean({ required: false, description: 'Only linked (true) or unlinked (false) secrets.' }),
      username: t.arg.string({ required: false, description: 'Only this username (exact).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.pppSecret.findMany({ ...query, where: secretWhere(args), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  }),
}));
