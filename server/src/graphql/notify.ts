/** Events announced from resolvers' Prisma transactions (delivered if and only if they commit). */
import { EVENTS_CHANNEL, type EmeraldEvent } from '../events/topics.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export async function notifyIn(tx: Prisma.TransactionClient, event: EmeraldEvent): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)})`;
}
