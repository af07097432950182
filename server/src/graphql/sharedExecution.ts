/**
 * Subscription events executed once, not once per subscriber. A thousand NOC screens with
 * the same subscription document receive the same batch (the bus hands every mailbox the
 * same row objects, and paced mailboxes deliver on the same ticks); executing the selection
 * for each of them is the dominant cost of a change reaching a thousand clients. Results
 * are shared between subscribers with the same document, variables and access (role and
 * API-key scopes; per user for technicians, and for documents that reach viewer-dependent
 * fields), for the same batch content, for a moment.
 */
import {
  BREAK,
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getNamedType,
  getOperationAST,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
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

/**
 * Whether a document reaches anything whose visibility or value depends on who asks
 * (fields and types marked `extensions.viewerDependent` in the schema: a user's e-mail,
 * `me`, work orders visible to their technician…). Such results are shared per user only.
 */
const viewerDependence = new WeakMap<object, boolean>();
function dependsOnViewer(args: ExecutionArgs): boolean {
  const known = viewerDependence.get(args.document);
  if (known !== undefined) return known;
  let found = false;
  const typeInfo = new TypeInfo(args.schema);
  visit(
    args.document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const named = typeInfo.getType() ? getNamedType(typeInfo.getType()!) : null;
        if (field?.extensions?.viewerDependent || named?.extensions?.viewerDependent) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  viewerDependence.set(args.document, found);
  return found;
}

const documentKeys = new WeakMap<object, string>();
function operationKey(args: ExecutionArgs): string {
  let doc = documentKeys.get(args.document);
  if (doc === undefined) documentKeys.set(args.document, (doc = print(args.document)));
  const ctx = args.contextValue as Context | undefined;
  const actor = ctx?.actor;
  // Technicians see rows by who they are; anyone's view of viewer-dependent fields too.
  const perUser = actor && (actor.role === 'TECHNICIAN' || dependsOnViewer(args));
  const who = actor
    ? `${actor.role}:${actor.scopes.read ? 'r' : ''}${actor.scopes.write ? 'w' : ''}${perUser ? `:${actor.userId}` : ''}`
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

/**
 * Each event of `source` executed — once per batch for identical subscribers. A plain
 * iterator rather than an async generator: a generator's `return()` waits behind a pending
 * `next()`, so a subscriber that went away would stay registered until its topic's next
 * event; here `return()` ends the source at once.
 */
function mapEvents(source: AsyncIterator<unknown>, args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
  const op = operationKey(args);
  const run = (payload: unknown): Promise<ExecutionResult> => {
    const batch = batchKey(payload);
    if (batch === null) return Promise.resolve(execute({ ...args, rootValue: payload }));
    const key = `${op}|${batch}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = { at: Date.now(), result: Promise.resolve(execute({ ...args, rootValue: payload })) };
      cache.set(key, hit);
      sweeper ??= setInterval(sweep, SHARE_MS);
      sweeper.unref();
    }
    return hit.result;
  };
  const done = { value: undefined, done: true } as const;
  const iterator = {
    async next() {
      const step = await source.next();
      if (step.done) return done;
      return { value: await run(step.value), done: false };
    },
    async return() {
      await source.return?.();
      return done;
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  } as AsyncGenerator<ExecutionResult>;
  return iterator;
}

/** Whether the operation's root field streams changes only, so its subscribers can share one stream (fanOut.ts). */
const fanOutDocuments = new WeakMap<object, boolean>();
function fansOut(args: ExecutionArgs): boolean {
  const known = fanOutDocuments.get(args.document);
  if (known !== undefined) return known;
  const operation = getOperationAST(args.document, args.operationName);
  const first = operation?.operation === 'subscription' ? operation.selectionSet.selections[0] : undefined;
  const field = first?.kind === 'Field' ? args.schema.getSubscriptionType()?.getFields()[first.name.value] : undefined;
  const answer = field?.extensions?.fanOut === true;
  fanOutDocuments.set(args.document, answer);
  return answer;
}

/**
 * graphql's `subscribe`, with each event's execution shared between identical subscribers.
 * Over WebSocket (the context has an `outlet`), subscribers of change streams join their
 * group's fan-out instead (fanOut.ts): one mailbox, execution and serialisation per group.
 * Every subscriber's own stream is still created first, so each is authorised on its own.
 */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in (source as object))) return source as ExecutionResult;
  const outlet = (args.contextValue as Partial<Context> | undefined)?.outlet;
  if (!outlet) return mapEvents(source as AsyncIterator<unknown>, args);
  if (fansOut(args)) return outlet.fanOut.join(operationKey(args), source as AsyncIterator<unknown>, args, outlet);
  return outlet.fanOut.track(mapEvents(source as AsyncIterator<unknown>, args));
}
