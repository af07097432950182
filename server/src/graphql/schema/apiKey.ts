/** API keys for scripts and integrations. The secret is shown once; only its hash is kept. */
import { z } from 'zod';
import { newApiKey } from '../../auth/tokens.ts';
import { builder } from '../builder.ts';
import { readAs, writeAs } from '../access.ts';
import { notifyIn } from '../notify.ts';
import { audit } from '../audit.ts';
import { InvalidTransitionError, NotFoundError, parseInput } from '../userErrors.ts';
import { idOf, optionalIdOf } from '../ids.ts';
import { mutationResult } from './errorTypes.ts';

const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What an API key may do, within its owner role.',
  values: { READ: { description: 'Queries and subscriptions.' }, WRITE: { description: 'Mutations.' } } as const,
});

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  description:
    'A credential for scripts (`Authorization: Bearer emk_…`). It acts as its owner, limited to its scopes. The secret is never readable.',
  authScopes: readAs('ADMIN'),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What it is for.' }),
    prefix: t.string({ description: 'Public start of the key (`emk_<prefix>_…`), to recognise it.', resolve: (k) => `emk_${k.prefix}` }),
    scopes: t.field({ type: [ApiKeyScopeEnum], description: 'Scopes.', resolve: (k) => k.scopes }),
    owner: t.relation('user', { description: 'The user it acts as.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'Expiry (null: never).' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Last use (to the minute).' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'Created.' }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: { id: number }; token: string }>('CreatedApiKey').implement({
  description: 'A new API key and its secret token, shown this once.',
  fields: (t) => ({
    apiKey: t.field({
      type: ApiKeyRef,
      description: 'The key.',
      resolve: (c, _a, ctx) => ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id: c.apiKey.id } }),
    }),
    token: t.exposeString('token', {
      description: 'The full token for `Authorization: Bearer …`. Store it now: it cannot be shown again.',
    }),
  }),
});

builder.queryFields((t) => ({
  apiKeys: t.prismaField({
    type: ['ApiKey'],
    description: 'API keys, newest first (admins).',
    authScopes: readAs('ADMIN'),
    args: { includeRevoked: t.arg.boolean({ required: false, description: 'Include revoked keys.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.apiKey.findMany({
        ...query,
        where: args.includeRevoked ? {} : { revokedAt: null },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What it is for (3–80 characters).' }),
    scopes: t.field({ type: [ApiKeyScopeEnum], required: true, description: 'READ, WRITE or both.' }),
    userId: t.id({ required: false, description: 'The user it acts as (default: you).' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Expiry (must be in the future).' }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    description: 'Create an API key (admins). The token is in the result only.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('CreateApiKey', 'created'),
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key.' }) },
    resolve: async (_root, { input }, ctx) => {
      const v = parseInput(
        z.object({
          name: z.string().trim().min(3, 'Name must have at least 3 characters').max(80, 'Name must have at most 80 characters'),
          scopes: z.array(z.enum(['READ', 'WRITE'])).min(1, 'Give at least one scope'),
          expiresAt: z
            .date()
            .refine((d) => d.getTime() > Date.now(), { message: 'Expiry must be in the future', params: { code: 'IN_THE_PAST' } })
            .nullish(),
        }),
        { name: input.name, scopes: input.scopes, expiresAt: input.expiresAt ?? null },
      );
      const userId = optionalIdOf(input.userId ? String(input.userId) : null, 'User', 'input.userId') ?? ctx.actor!.userId;
      const key = newApiKey();
      return ctx.db.prisma.$transaction(async (tx) => {
        const owner = await tx.user.findUnique({ where: { id: userId } });
        if (!owner?.active) throw new NotFoundError('input.userId', 'No active user with that id');
        const apiKey = await tx.apiKey.create({
          data: {
            name: v.name,
            prefix: key.prefix,
            secretHash: key.secretHash,
            scopes: [...new Set(v.scopes)],
            userId,
            expiresAt: v.expiresAt ?? null,
          },
        });
        await audit(tx, ctx, {
          action: 'apiKey.create',
          entityType: 'ApiKey',
          entityId: apiKey.id,
          after: { name: v.name, prefix: key.prefix, scopes: apiKey.scopes, userId },
        });
        return { apiKey, token: key.token };
      });
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description: 'Revoke an API key (admins). It stops working at once.',
    authScopes: writeAs('ADMIN'),
    errors: mutationResult('RevokeApiKey', 'apiKey'),
    args: { id: t.arg.id({ required: true, description: 'API key id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = idOf(String(args.id), 'ApiKey', 'id');
      return ctx.db.prisma.$transaction(async (tx) => {
        const before = await tx.apiKey.findUnique({ where: { id } });
        if (!before) throw new NotFoundError('id', 'No API key with that id');
        if (before.revokedAt) throw new InvalidTransitionError('The key is already revoked', 'REVOKED', 'REVOKED', 'id');
        const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
        await notifyIn(tx, { t: 'auth', userId: before.userId });
        await audit(tx, ctx, {
          action: 'apiKey.revoke',
          entityType: 'ApiKey',
          entityId: id,
          before: { revokedAt: null },
          after: { revokedAt: after.revokedAt },
        });
        return after;
      });
    },
  }),
);
