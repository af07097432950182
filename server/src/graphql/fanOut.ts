/**
 * Topic-level fan-out of subscription events. Subscribers whose results must be identical
 * (same document, variables and access: `operationKey`) to a stream that carries changes
 * only (its root field is marked `extensions.fanOut`: no per-subscriber first event) form
 * one group. The group has one event-bus mailbox, executes each batch once, serialises the
 * result once, and writes the same frame to each member's socket with only the id spliced
 * in: per subscriber, a change costs one string concatenation and one socket write.
 * Neither graphql-ws' per-message pipeline (hooks, message validation, stringify, a
 * promise per send) nor a mailbox and iterator per subscriber stand between a change and
 * the NOC's screens. graphql-ws still owns each subscription's life: it holds a member
 * (an iterator that ends with the group, or is ended by the client's `complete` or by the
 * socket closing), and sends `complete`/`error` as for any other stream.
 *
 * A slow reader cannot grow the server's memory: a member whose socket holds more than
 * `maxBufferedBytes` not yet written skips messages, and once it has drained gets one
 * message with `resync: true` (the documented "you fell behind: refetch").
 */
import { type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import type { WebSocket } from 'ws';

/** Where one subscription's frames go: its graphql-ws id on its socket. */
export interface Outlet {
  id: string;
  socket: WebSocket;
  /** The fan-out registry of the socket's server (groups never span servers). */
  fanOut: FanOut;
}

export interface FanOutOptions {
  /** Bytes a socket may hold unwritten before its subscriptions skip messages (and later resync). */
  maxBufferedBytes?: number;
  /** How often sockets that fell behind are checked for having drained. */
  drainCheckMs?: number;
  /** Told each time a subscription falls behind (metrics). */
  onFallBehind?: () => void;
}

/** Large enough for a storm's worth of batches to a live screen, small against the server's memory. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

const OPEN = 1; // WebSocket.OPEN
const CLOSED = 3; // WebSocket.CLOSED
const DONE = { value: undefined, done: true } as const;

class Member {
  /** The frame up to the payload: `{"id":…,"type":"next","payload":`. */
  readonly prefix: string;
  behind = false;
  private ended = false;
  private settle!: { resolve: (r: IteratorResult<ExecutionResult>) => void; reject: (e: unknown) => void };
  private readonly end: Promise<IteratorResult<ExecutionResult>>;

  constructor(
    private readonly group: Group,
    readonly socket: WebSocket,
    id: string,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    this.end = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // graphql-ws may stop waiting on a failed member without reading its failure.
    this.end.catch(() => {});
  }

  write(payload: string): void {
    this.socket.send(`${this.prefix}${payload}}`);
  }

  /** The group ended (its stream finished or failed). */
  finish(failure: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (failure === undefined) this.settle.resolve(DONE);
    else this.settle.reject(failure);
  }

  /** Frames are written by the group; graphql-ws' read of this iterator ends with it. */
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.end;
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.group.leave(this);
    this.finish(undefined);
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.group.leave(this);
    this.finish(undefined);
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class Group {
  readonly members = new Set<Member>();
  private readonly behind = new Set<Member>();
  private drainTimer: NodeJS.Timeout | null = null;
  private resyncPayload: Promise<string> | null = null;
  private closed = false;

  constructor(
    readonly key: string,
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly owner: FanOut,
    private readonly options: Required<Omit<FanOutOptions, 'onFallBehind'>> & Pick<FanOutOptions, 'onFallBehind'>,
  ) {
    void this.pump();
  }

  private async payload(rootValue: unknown): Promise<string> {
    // GraphQLError has toJSON: errors serialise as graphql-ws would send them.
    return JSON.stringify(await execute({ ...this.args, rootValue }));
  }

  private async pump(): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        const step = await this.source.next();
        if (step.done || this.closed) break;
        const payload = await this.payload(step.value);
        for (const member of this.members) this.deliver(member, payload);
      }
    } catch (error) {
      failure = error ?? new Error('subscription stream failed');
    } finally {
      this.close();
      for (const member of this.members) member.finish(failure);
      this.members.clear();
    }
  }

  private deliver(member: Member, payload: string): void {
    const socket = member.socket;
    if (socket.readyState === CLOSED) {
      // Closed while it was being subscribed, so graphql-ws never ended it: it ends here.
      this.leave(member);
      member.finish(undefined);
      return;
    }
    if (socket.readyState !== OPEN || member.behind) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      member.behind = true;
      this.behind.add(member);
      this.options.onFallBehind?.();
      this.drainTimer ??= setInterval(() => this.checkDrained(), this.options.drainCheckMs);
      return;
    }
    member.write(payload);
  }

  /** Members that skipped messages and whose socket has drained get a resync. */
  private checkDrained(): void {
    for (const member of this.behind) {
      if (member.socket.readyState !== OPEN) this.behind.delete(member);
      else if (member.socket.bufferedAmount <= this.options.maxBufferedBytes / 2) {
        this.behind.delete(member);
        this.resyncPayload ??= this.payload({ items: [], resync: true });
        void this.resyncPayload.then(
          (payload) => {
            if (!member.behind) return;
            member.behind = false;
            if (member.socket.readyState === OPEN) member.write(payload);
          },
          () => {
            // A resync that cannot execute cannot be told: close the member's stream instead.
            member.finish(new Error('could not resynchronise this subscription'));
          },
        );
      }
    }
    if (this.behind.size === 0 && this.drainTimer) {
      clearInterval(this.drainTimer);
      this.drainTimer = null;
    }
  }

  leave(member: Member): void {
    this.members.delete(member);
    this.behind.delete(member);
    if (this.members.size === 0) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.forget(this);
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
    void this.source.return?.();
  }
}

/** The groups of one WebSocket server. */
export class FanOut {
  private readonly groups = new Map<string, Group>();
  private readonly options: ConstructorParameters<typeof Group>[4];
  private solo = 0;

  constructor(options: FanOutOptions = {}) {
    this.options = {
      maxBufferedBytes: options.maxBufferedBytes ?? MAX_BUFFERED_BYTES,
      drainCheckMs: options.drainCheckMs ?? 100,
      onFallBehind: options.onFallBehind,
    };
  }

  /**
   * This subscription as a member of its group: `source` (its own event stream, already
   * authorised) becomes the group's when it is the first, and is closed otherwise.
   */
  join(
    key: string,
    source: AsyncIterator<unknown>,
    args: ExecutionArgs,
    outlet: Pick<Outlet, 'id' | 'socket'>,
  ): AsyncGenerator<ExecutionResult> {
    let group = this.groups.get(key);
    if (group) void source.return?.();
    else {
      group = new Group(key, source, args, this, this.options);
      this.groups.set(key, group);
    }
    const member = new Member(group, outlet.socket, outlet.id);
    group.members.add(member);
    return member as unknown as AsyncGenerator<ExecutionResult>;
  }

  /** A subscription served on its own (not fanned out), counted until it ends. */
  track(stream: AsyncGenerator<ExecutionResult>): AsyncGenerator<ExecutionResult> {
    this.solo++;
    let counted = true;
    const uncount = (): void => {
      if (counted) this.solo--;
      counted = false;
    };
    const tracked = {
      next: async () => {
        const step = await stream.next().catch((error: unknown) => {
          uncount();
          throw error;
        });
        if (step.done) uncount();
        return step;
      },
      return: async (value?: unknown) => {
        uncount();
        return stream.return(value);
      },
      throw: async (error: unknown) => {
        uncount();
        return stream.throw(error);
      },
      [Symbol.asyncIterator]: () => tracked,
    };
    return tracked as unknown as AsyncGenerator<ExecutionResult>;
  }

  forget(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  /** Groups, their members, and subscription streams open in all (members and the rest). */
  stats(): { groups: number; members: number; streams: number } {
    let members = 0;
    for (const g of this.groups.values()) members += g.members.size;
    return { groups: this.groups.size, members, streams: members + this.solo };
  }
}
