/** Events announced from resolvers' Prisma transactions (delivered if and only if they commit). */
import { EVENTS_CHANNEL, type EmeraldEvent } from '../events/topics.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { authChanged } from '../auth/actorCache.ts';

export async function notifyIn(tx: Prisma.TransactionClient, event: EmeraldEvent): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)})`;
  // This process forgets the user's cached access now; others when the bus delivers the event.
  if (event.t === 'auth') authChanged(event.userId);
}
