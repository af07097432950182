/**
 * The audit log: who did what, with values before and after. One statement, written inside
 * the caller's transaction (through Prisma or plain SQL), so an action and its audit entry
 * commit together or not at all.
 */
import type { Actor } from '../services.ts';
import type { Queryable } from './sql.ts';

export interface AuditInput {
  action: string;
  entityType?: string;
  entityId?: string | number | bigint | null;
  before?: unknown;
  after?: unknown;
}

/** Who acted, and from where. */
export interface AuditWho {
  actor: Actor | null;
  ip: string | null;
  requestId: string | null;
}

export const AUDIT_SQL = `INSERT INTO audit_entries (actor_id, api_key_id, actor_label, action, entity_type, entity_id, before, after, ip, request_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)`;

function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The parameters of AUDIT_SQL for one entry. */
export function auditParams(who: AuditWho, entry: AuditInput): unknown[] {
  const { actor } = who;
  return [
    actor?.userId ?? null,
    actor?.apiKeyId ?? null,
    actor ? `${actor.username}${actor.apiKeyId ? ' (API key)' : ''}` : 'anonymous',
    entry.action,
    entry.entityType ?? null,
    entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
    json(entry.before),
    json(entry.after),
    who.ip,
    who.requestId,
  ];
}

export async function writeAudit(db: Queryable, who: AuditWho, entry: AuditInput): Promise<void> {
  await db.query(AUDIT_SQL, auditParams(who, entry));
}
