/**
 * One subscription stream's queue of changes (over WebSocket, identical subscribers share
 * one stream and so one mailbox: graphql/fanOut.ts): keyed, so a thing that changes ten
 * times before the subscriber reads it is delivered once with its latest state; bounded, so a storm or a
 * slow client cannot grow memory (past `capacity` the mailbox drops its contents and tells
 * the subscriber to resynchronise); paced, so a client gets at most one message every
 * `minIntervalMs` however fast changes arrive (on the interval's ticks). A change that finds
 * the mailbox quiet for a whole interval goes out at once.
 */
export interface MailboxBatch<V> {
  items: V[];
  /** Changes were dropped (overflow, or the event stream was interrupted): refetch. */
  resync: boolean;
}

export interface MailboxOptions {
  capacity: number;
  minIntervalMs: number;
  onClose?: () => void;
}

export class Mailbox<K, V> implements AsyncIterableIterator<MailboxBatch<V>> {
  private pending = new Map<K, V>();
  private resync = false;
  private waiter: ((result: IteratorResult<MailboxBatch<V>>) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastDelivery = 0;
  private closed = false;
  private wakeQueued = false;
  /** Batches handed out and items dropped by overflow (for tests and stats). */
  delivered = 0;
  dropped = 0;

  constructor(private readonly options: MailboxOptions) {}

  get size(): number {
    return this.pending.size;
  }

  put(key: K, value: V): void {
    if (this.closed) return;
    this.pending.delete(key); // re-insert: the latest change goes last
    this.pending.set(key, value);
    if (this.pending.size > this.options.capacity) {
      this.dropped += this.pending.size;
      this.pending.clear();
      this.resync = true;
    }
    this.wakeSoon();
  }

  /** Wake after the current synchronous run: a batch of puts goes out as one message. */
  private wakeSoon(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      this.wake();
    });
  }

  /** Something was missed: the subscriber must refetch. */
  markResync(): void {
    if (this.closed) return;
    this.pending.clear();
    this.resync = true;
    this.wakeSoon();
  }

  private ready(): boolean {
    return this.pending.size > 0 || this.resync;
  }

  private take(): MailboxBatch<V> {
    const batch = { items: [...this.pending.values()], resync: this.resync };
    this.pending.clear();
    this.resync = false;
    this.lastDelivery = Date.now();
    this.delivered++;
    return batch;
  }

  private wake(): void {
    if (!this.waiter || this.timer || !this.ready()) return;
    // A mailbox quiet for a whole interval delivers at once. One that must wait is woken on
    // the next multiple of the interval, so during a storm every subscriber of a topic is
    // woken on the same ticks with the same batch (and shares its execution: shared.ts).
    const min = this.options.minIntervalMs;
    const now = Date.now();
    const wait =
      min > 0 && this.lastDelivery > 0 && now < this.lastDelivery + min ? Math.ceil((this.lastDelivery + min) / min) * min - now : 0;
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake();
      }, wait);
      return;
    }
    const resolve = this.waiter;
    this.waiter = null;
    resolve({ value: this.take(), done: false });
  }

  next(): Promise<IteratorResult<MailboxBatch<V>>> {
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.wake();
    });
  }

  return(): Promise<IteratorResult<MailboxBatch<V>>> {
    if (!this.closed) {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.pending.clear();
      this.waiter?.({ value: undefined, done: true });
      this.waiter = null;
      this.options.onClose?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<MailboxBatch<V>>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
