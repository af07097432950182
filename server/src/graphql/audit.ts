/** Every mutation records who did what, with values before and after, in its own transaction. */
import { AUDIT_SQL, auditParams, type AuditInput } from '../db/audit.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Context } from './context.ts';

export type { AuditInput };

export async function audit(tx: Prisma.TransactionClient, ctx: Context, entry: AuditInput): Promise<void> {
  await tx.$executeRawUnsafe(AUDIT_SQL, ...auditParams({ actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId }, entry));
}

/**
 * Lock a row for the rest of the transaction before reading it for a state change: two
 * simultaneous transitions (a "complete" and a "fail") then run one after the other, and
 * the second sees the first's result and is refused — never both committed.
 */
export async function lockForUpdate(
  tx: Prisma.TransactionClient,
  table: 'tickets' | 'work_orders' | 'incidents',
  id: number,
): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, id);
}
