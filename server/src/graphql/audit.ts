/** Every mutation records who did what, with values before and after, in its own transaction. */
import { AUDIT_SQL, auditParams, type AuditInput } from '../db/audit.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

export type { AuditInput };

export async function audit(tx: Prisma.TransactionClient, ctx: Context, entry: AuditInput): Promise<void> {
  await tx.$executeRawUnsafe(AUDIT_SQL, ...auditParams({ actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId }, entry));
}
