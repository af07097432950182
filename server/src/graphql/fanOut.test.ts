/**
 * The subscription fan-out over real WebSocket connections on 127.0.0.1: identical
 * subscribers share one event stream and one execution per batch, each gets its frames
 * under its own id, a member's leaving or the stream's end reach exactly the right
 * subscribers, and a client that stops reading skips messages (its server-side buffer stays
 * bounded) and is told to resynchronise once it reads again.
 */
import type { AddressInfo } from 'node:net';
import { type ExecutionResult, parse } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { until } from '../../../test/ws.ts';
import { FanOut } from './fanOut.ts';
import { sharedSubscribe } from './sharedExecution.ts';
import { schema, streams } from './subscriptionTestSchema.ts';

/** An event stream the test drives, as the event bus' mailboxes are driven by changes. */
function channel() {
  const queue: unknown[] = [];
  let waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | null = null;
  let closed = false;
  let failure: unknown = null;
  const stream = {
    returned: false,
    push(value: unknown) {
      if (waiter) {
        waiter.resolve({ value, done: false });
        waiter = null;
      } else queue.push(value);
    },
    fail(error: unknown) {
      failure = error;
      waiter?.reject(error);
      waiter = null;
    },
    end() {
      closed = true;
      waiter?.resolve({ value: undefined, done: true });
      waiter = null;
    },
    iterator: {
      next: (): Promise<IteratorResult<unknown>> => {
        if (failure) return Promise.reject(failure);
        if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
        if (closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiter = { resolve, reject }));
      },
      return: (): Promise<IteratorResult<unknown>> => {
        stream.returned = true;
        stream.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    },
  };
  return stream;
}

let sources: ReturnType<typeof channel>[] = [];
streams.open = () => {
  const c = channel();
  sources.push(c);
  return c.iterator;
};
const actor = { userId: 1, role: 'NOC', scopes: { read: true, write: true } };
const Q = parse('subscription($min: Int) { changes(min: $min) { resync items { n } } }');
const BIG = parse('subscription { changes { resync items { n padding } } }');

let wss: WebSocketServer;
let port: number;
const serverSockets: WebSocket[] = [];
const clients: WebSocket[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => serverSockets.push(socket));
  await new Promise<void>((r) => wss.once('listening', () => r()));
  port = (wss.address() as AddressInfo).port;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.terminate();
  serverSockets.length = 0;
  sources = [];
  streams.executions = 0;
});
afterAll(async () => {
  await new Promise<void>((r) => wss.close(() => r()));
});

interface Peer {
  client: WebSocket;
  socket: WebSocket;
  frames: { id: string; type: string; payload: ExecutionResult<{ changes: { resync: boolean; items: { n: number }[] } }> }[];
}

async function peer(): Promise<Peer> {
  const before = serverSockets.length;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  clients.push(client);
  const frames: Peer['frames'] = [];
  client.on('message', (data) => frames.push(JSON.parse(String(data))));
  await until('connected', () => serverSockets.length > before && client.readyState === WebSocket.OPEN);
  return { client, socket: serverSockets[before]!, frames };
}

async function subscribe(fanOut: FanOut, p: Peer, id: string, variableValues: Record<string, unknown> = {}, document = Q) {
  const stream = await sharedSubscribe({
    schema,
    document,
    variableValues,
    contextValue: { actor, outlet: { id, socket: p.socket, fanOut } },
  });
  if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream));
  // As graphql-ws does: wait on the stream until it ends.
  const ended = stream.next().then(
    (step) => ({ done: step.done, error: null as unknown }),
    (error: unknown) => ({ done: true, error }),
  );
  return { stream, ended };
}

describe('subscription fan-out', () => {
  it('gives identical subscribers one stream and one execution per batch, each frame under its own id', async () => {
    const fanOut = new FanOut();
    const [a, b, c] = [await peer(), await peer(), await peer()];
    await subscribe(fanOut, a, 'a1', { min: 1 });
    await subscribe(fanOut, b, 'b1', { min: 1 });
    await subscribe(fanOut, c, 'c1', { min: 2 }); // other variables: another group
    expect(fanOut.stats()).toEqual({ groups: 2, members: 3, streams: 3 });
    // Each subscription opened its own stream (and was authorised by it); the second of a group is closed at once.
    expect(sources.map((s) => s.returned)).toEqual([false, true, false]);

    sources[0]!.push({ resync: false, items: [{ n: 1 }, { n: 2 }] });
    await until('both frames', () => a.frames.length === 1 && b.frames.length === 1);
    expect(streams.executions).toBe(2); // two items, executed once for both subscribers
    expect(a.frames[0]).toEqual({ id: 'a1', type: 'next', payload: { data: { changes: { resync: false, items: [{ n: 1 }, { n: 2 }] } } } });
    expect(b.frames[0]).toEqual({ ...a.frames[0], id: 'b1' });
    expect(c.frames).toEqual([]);
  });

  it('keeps a group going when one member leaves, and closes its stream with the last', async () => {
    const fanOut = new FanOut();
    const [a, b] = [await peer(), await peer()];
    const first = await subscribe(fanOut, a, '1');
    const second = await subscribe(fanOut, b, '2');
    await first.stream.return(undefined);
    expect(await first.ended).toEqual({ done: true, error: null });
    sources[0]!.push({ resync: false, items: [{ n: 7 }] });
    await until('the remaining member', () => b.frames.length === 1);
    expect(a.frames).toEqual([]);
    expect(sources[0]!.returned).toBe(false);
    await second.stream.return(undefined);
    expect(sources[0]!.returned).toBe(true);
    expect(fanOut.stats()).toEqual({ groups: 0, members: 0, streams: 0 });
    // A new subscriber starts a new group on its own stream.
    await subscribe(fanOut, a, '3');
    expect(fanOut.stats().groups).toBe(1);
    expect(sources.at(-1)!.returned).toBe(false);
  });

  it('drops a member whose socket closed without graphql-ws ending it (closed while subscribing)', async () => {
    const fanOut = new FanOut();
    const [a, b] = [await peer(), await peer()];
    await subscribe(fanOut, a, 'a', { min: 5 });
    const gone = await subscribe(fanOut, b, 'b', { min: 5 });
    b.client.terminate();
    await until('the server side closed', () => b.socket.readyState === WebSocket.CLOSED);
    expect(fanOut.stats().members).toBe(2);
    sources[0]!.push({ resync: false, items: [{ n: 6 }] });
    await until('the live member', () => a.frames.length === 1);
    expect(await gone.ended).toEqual({ done: true, error: null });
    expect(fanOut.stats()).toEqual({ groups: 1, members: 1, streams: 1 });
    // The last one gone the same way closes the group's stream.
    a.client.terminate();
    await until('the server side closed', () => a.socket.readyState === WebSocket.CLOSED);
    sources[0]!.push({ resync: false, items: [{ n: 7 }] });
    await until('the stream closed', () => sources[0]!.returned);
    expect(fanOut.stats()).toEqual({ groups: 0, members: 0, streams: 0 });
  });

  it('ends every member when the stream ends, and fails every member when it fails', async () => {
    const fanOut = new FanOut();
    const [a, b] = [await peer(), await peer()];
    const x = await subscribe(fanOut, a, 'x', { min: 1 });
    const y = await subscribe(fanOut, b, 'y', { min: 1 });
    sources[0]!.end();
    expect(await x.ended).toEqual({ done: true, error: null });
    expect(await y.ended).toEqual({ done: true, error: null });
    expect(fanOut.stats().groups).toBe(0);

    const z = await subscribe(fanOut, a, 'z', { min: 2 });
    sources.at(-1)!.fail(new Error('event stream broke'));
    expect(((await z.ended).error as Error).message).toBe('event stream broke');
    expect(fanOut.stats()).toEqual({ groups: 0, members: 0, streams: 0 });
  });

  it('lets a client that stops reading skip messages within a bounded buffer, then tells it to resynchronise', async () => {
    const LIMIT = 64 * 1024;
    const PAD = 256 * 1024;
    let fellBehind = 0;
    const fanOut = new FanOut({ maxBufferedBytes: LIMIT, drainCheckMs: 20, onFallBehind: () => void fellBehind++ });
    const [fast, slow] = [await peer(), await peer()];
    await subscribe(fanOut, fast, 'f', {}, BIG);
    await subscribe(fanOut, slow, 's', {}, BIG);
    // The slow client stops reading its socket: the kernel's buffers fill, then the server's.
    (slow.client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    let peakBuffered = 0;
    const BATCHES = 60; // 15 MB: more than loopback's socket buffers hold
    for (let n = 1; n <= BATCHES; n++) {
      sources[0]!.push({ resync: false, items: [{ n, pad: PAD }] });
      await until(`batch ${n} at the fast client`, () => fast.frames.length === n);
      peakBuffered = Math.max(peakBuffered, slow.socket.bufferedAmount);
    }
    // Never more than the limit plus the one frame that crossed it.
    expect(peakBuffered).toBeGreaterThan(LIMIT);
    expect(peakBuffered).toBeLessThan(LIMIT + PAD + 1024);
    expect(fast.frames.every((f) => f.payload.data!.changes.resync === false)).toBe(true);
    expect(fellBehind).toBe(1); // counted once, however many messages it skipped

    (slow.client as unknown as { _socket: { resume(): void } })._socket.resume();
    await until('the resync', () => slow.frames.some((f) => f.payload.data?.changes.resync === true));
    // What it got: batches 1..k in order, nothing silently missing, then the resync.
    const got = slow.frames.map((f) => (f.payload.data!.changes.resync ? 'resync' : f.payload.data!.changes.items[0]!.n));
    const k = got.indexOf('resync');
    expect(got.slice(0, k)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
    expect(k).toBeLessThan(BATCHES);
    expect(got).toHaveLength(k + 1);
    expect(slow.frames[k]).toMatchObject({ id: 's', payload: { data: { changes: { resync: true, items: [] } } } });
    // And it is back in the stream.
    sources[0]!.push({ resync: false, items: [{ n: 99 }] });
    await until('the next batch', () => slow.frames.length === k + 2);
    expect(slow.frames.at(-1)!.payload.data!.changes.items[0]!.n).toBe(99);
  });
});
