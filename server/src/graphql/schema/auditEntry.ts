/** The audit log: who did what, with values before and after. Admins only. */
import type { Prisma } from '../../generated/prisma/client.ts';
import { likeEscape } from '../../db/sql.ts';
import { builder } from '../builder.ts';
import { readAs } from '../access.ts';

export const AuditEntryRef = builder.prismaNode('AuditEntry', {
  id: { field: 'id' },
  description: 'Something a person or key did: sign-ins, every mutation, with values before and after.',
  authScopes: readAs('ADMIN'),
  fields: (t) => ({
    action: t.exposeString('action', { description: 'What, e.g. ticket.update, auth.login, sync.request.' }),
    actor: t.relation('actor', { nullable: true, description: 'Who (null for the system or a deleted user).' }),
    actorLabel: t.exposeString('actorLabel', { description: 'Who, as text (kept if the user is deleted).' }),
    apiKey: t.relation('apiKey', { nullable: true, description: 'The API key used, if any.' }),
    entityType: t.exposeString('entityType', { nullable: true, description: 'Type of the object changed.' }),
    entityId: t.exposeString('entityId', { nullable: true, description: 'Database id of the object changed.' }),
    before: t.expose('before', { type: 'JSON', nullable: true, description: 'Values before.' }),
    after: t.expose('after', { type: 'JSON', nullable: true, description: 'Values after.' }),
    ip: t.exposeString('ip', { nullable: true, description: 'Client address.' }),
    requestId: t.exposeString('requestId', { nullable: true, description: 'Request id (matches the server log).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When.' }),
  }),
});

function auditWhere(args: { action?: string | null; entityType?: string | null; entityId?: string | null }): Prisma.AuditEntryWhereInput {
  return {
    ...(args.action ? { action: { startsWith: likeEscape(args.action) } } : {}),
    ...(args.entityType ? { entityType: args.entityType } : {}),
    ...(args.entityId ? { entityId: args.entityId } : {}),
  };
}

builder.queryFields((t) => ({
  auditEntries: t.prismaConnection({
    type: 'AuditEntry',
    cursor: 'id',
    totalCount: (_c, args, ctx) => ctx.db.prisma.auditEntry.count({ where: auditWhere(args) }),
    description: 'Audit log, newest first.',
    authScopes: readAs('ADMIN'),
    args: {
      action: t.arg.string({ required: false, description: 'Actions starting with this (e.g. `ticket.`).' }),
      entityType: t.arg.string({ required: false, description: 'Only this object type.' }),
      entityId: t.arg.string({ required: false, description: 'Only this object (database id).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.auditEntry.findMany({ ...query, where: auditWhere(args), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));
