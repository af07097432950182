/**
 * Tickets opened while an outage is going on belong to it: the NOC sees how many customers
 * called, and closes them all with one note when the repair is done.
 */
import type { Prisma } from '../generated/prisma/client.ts';
import { notifyIn } from './notify.ts';

/**
 * Link a new ticket to the incidents going on for its connection (or, without one, any
 * connection of its customer). Called inside the ticket's creating transaction.
 */
export async function linkTicketToActiveIncidents(
  tx: Prisma.TransactionClient,
  ticketId: number,
  connectionId: number | null,
  customerId: number | null,
): Promise<number[]> {
  if (connectionId === null && customerId === null) return [];
  const linked = await tx.$queryRaw<{ incident_id: number }[]>`
    INSERT INTO incident_tickets (incident_id, ticket_id, automatic)
    SELECT DISTINCT ic.incident_id, ${ticketId}::int, true
    FROM incident_connections ic JOIN incidents i ON i.id = ic.incident_id
    WHERE i.status IN ('SUSPECTED', 'OPEN') AND ic.recovered_at IS NULL
      AND (ic.connection_id = ${connectionId}::int
           OR (${connectionId}::int IS NULL AND ic.connection_id IN (SELECT id FROM connections WHERE customer_id = ${customerId}::int)))
    ON CONFLICT DO NOTHING RETURNING incident_id`;
  for (const { incident_id } of linked) {
    await tx.incidentEvent.create({
      data: { incidentId: incident_id, kind: 'TICKET_LINKED', body: `#${ticketId}`, data: { ticketId, automatic: true } },
    });
    await notifyIn(tx, { t: 'incident', id: incident_id });
  }
  return linked.map((l) => l.incident_id);
}
