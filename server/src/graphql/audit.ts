/** Every mutation records who did what, with values before and after, in its own transaction. */
import type { Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

export interface AuditInput {
  action: string;
  entityType?: string;
  entityId?: string | number | bigint | null;
  before?: unknown;
  after?: unknown;
}

function json(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Prisma.InputJsonValue;
}

export async function audit(tx: Prisma.TransactionClient, ctx: Context, entry: AuditInput): Promise<void> {
  await tx.auditEntry.create({
    data: {
      actorId: ctx.actor?.userId ?? null,
      apiKeyId: ctx.actor?.apiKeyId ?? null,
      actorLabel: ctx.actor ? `${ctx.actor.username}${ctx.actor.apiKeyId ? ' (API key)' : ''}` : 'anonymous',
      action: entry.action,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      before: json(entry.before),
      after: json(entry.after),
      ip: ctx.ip,
      requestId: ctx.requestId,
    },
  });
}
