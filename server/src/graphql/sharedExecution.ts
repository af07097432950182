/**
 * Subscription events executed once, not once per subscriber. A thousand NOC screens with
 * the same subscription document receive the same batch (the bus hands every mailbox the
 * same row objects, and paced mailboxes deliver on the same ticks); executing the selection
 * for each of them is the dominant cost of a change reaching a thousand clients. Results
 * are shared between subscribers with the same document, variables and access (role and
 * API-key scopes; technicians, whose visibility depends on who they are, per user), for
 * the same batch content, for a moment.
 */
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, print } from 'graphql';
import type { Context } from './context.ts';
import type { MailboxBatch } from '../realtime/mailbox.ts';

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
const idOf = (o: unknown): string => {
  if (typeof o !== 'object' || o === null) return String(o);
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return `#${id}`;
};

/** What makes two event executions give the same result. */
function batchKey(payload: unknown): string | null {
  const batch = payload as Partial<MailboxBatch<unknown>> | null;
  if (!batch || !Array.isArray(batch.items)) return null;
  return `${batch.resync ? 'R' : ''}${batch.items.map(idOf).join(',')}`;
}

const documentKeys = new WeakMap<object, string>();
function operationKey(args: ExecutionArgs): string {
  let doc = documentKeys.get(args.document);
  if (doc === undefined) documentKeys.set(args.document, (doc = print(args.document)));
  const ctx = args.contextValue as Context | undefined;
  const actor = ctx?.actor;
  const who = actor
    ? `${actor.role}:${actor.scopes.read ? 'r' : ''}${actor.scopes.write ? 'w' : ''}${actor.role === 'TECHNICIAN' ? `:${actor.userId}` : ''}`
    : 'anon';
  return `${who}|${args.operationName ?? ''}|${JSON.stringify(args.variableValues ?? {})}|${doc}`;
}

const SHARE_MS = 2000;
const cache = new Map<string, { at: number; result: Promise<ExecutionResult> }>();
let sweeper: NodeJS.Timeout | null = null;
const sweep = (): void => {
  const now = Date.now();
  for (const [k, v] of cache) if (now - v.at > SHARE_MS) cache.delete(k);
  if (cache.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
};

export function sharedExecutions(): number {
  return cache.size;
}

async function* mapEvents(source: AsyncIterable<unknown> & AsyncIterator<unknown>, args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
  const op = operationKey(args);
  try {
    for await (const payload of source) {
      const batch = batchKey(payload);
      if (batch === null) {
        yield await execute({ ...args, rootValue: payload });
        continue;
      }
      const key = `${op}|${batch}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = { at: Date.now(), result: Promise.resolve(execute({ ...args, rootValue: payload })) };
        cache.set(key, hit);
        sweeper ??= setInterval(sweep, SHARE_MS);
        sweeper.unref();
      }
      yield await hit.result;
    }
  } finally {
    await source.return?.();
  }
}

/** graphql's `subscribe`, with each event's execution shared between identical subscribers. */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in (source as object))) return source as ExecutionResult;
  return mapEvents(source as AsyncIterable<unknown> & AsyncIterator<unknown>, args);
}
