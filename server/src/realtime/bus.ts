/**
 * Change events for subscribers of this API process. One PostgreSQL connection LISTENs on
 * `emerald_events` (so changes written by any worker or API process arrive here); events
 * carry ids, and the bus loads what changed once per batch — one query per topic however
 * many subscribers there are — then fans the rows out to the subscription streams' mailboxes
 * (bounded, coalescing, paced: see mailbox.ts; one per group of identical WebSocket
 * subscribers, see graphql/fanOut.ts). While a batch loads, further events
 * accumulate and load together next, so a storm becomes a few large batches.
 *
 * When the LISTEN connection drops, events may have been missed: every subscriber is told
 * to resynchronise, and the bus reconnects with backoff.
 */
import pg from 'pg';
import type { Db } from '../db/client.ts';
import type { Connection, Incident, Onu, PppSession, SyncRun } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import { EVENTS_CHANNEL, TOPICS, type EmeraldEvent, type SessionKey, type Topic } from '../events/topics.ts';
import { Mailbox, type MailboxBatch } from './mailbox.ts';

export interface SessionChangeRecord {
  routerId: number;
  username: string;
  connectionId: number | null;
  /** The live session, or null when it ended. */
  session: PppSession | null;
  observedAt: Date;
}

export interface BusOptions {
  /** Most changes a mailbox holds before it drops them and asks for a resync. */
  capacity?: number;
  /** Least time between two messages to one subscriber. */
  minIntervalMs?: number;
  /** Least time between two network summaries. */
  summaryIntervalMs?: number;
  /** Told, per delivered batch, the seconds from its first notification received to delivery (metrics). */
  onBatch?: (seconds: number) => void;
}

/** Topics whose changes are loaded and delivered to subscribers (the summary is recomputed instead). */
type LoadedTopic = Exclude<Topic, 'summary' | 'auth'>;

interface Subscriber<V> {
  box: Mailbox<string | number, V>;
  accepts: (value: V) => boolean;
}

export interface EventBus {
  onus(accepts: (onu: Onu) => boolean): Mailbox<string | number, Onu>;
  sessions(accepts: (change: SessionChangeRecord) => boolean): Mailbox<string | number, SessionChangeRecord>;
  connection(id: number): Mailbox<string | number, Connection>;
  incidents(): Mailbox<string | number, Incident>;
  syncRuns(): Mailbox<string | number, SyncRun>;
  /** Network summaries, computed at most every summaryIntervalMs; the first one at once. */
  summaries<S>(compute: () => Promise<S>): Mailbox<string | number, S>;
  /**
   * Called with a user id when that user's access changed, and with null when events may
   * have been missed (every user must be re-checked). Returns the unsubscribe function.
   */
  onAuthChange(listener: (userId: number | null) => void): () => void;
  /**
   * Called on every event of a topic, and with null when events may have been missed.
   * For caches that must follow the database (e.g. freshness). Returns the unsubscribe function.
   */
  onTopic(topic: Topic, listener: (event: EmeraldEvent | null) => void): () => void;
  /** Subscribers now, and events received (for tests and benchmarks). */
  stats(): { subscribers: number; events: number; batches: number };
  /** Resolves once the LISTEN connection is up. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

export function createEventBus(db: Db, databaseUrl: string, log: Logger, options: BusOptions = {}): EventBus {
  const capacity = options.capacity ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 200;
  const summaryIntervalMs = options.summaryIntervalMs ?? 1000;
  const subscribers = Object.fromEntries(
    (Object.keys(TOPICS) as Topic[])
      .filter((t): t is LoadedTopic => t !== 'summary' && t !== 'auth')
      .map((t) => [t, new Set<Subscriber<unknown>>()]),
  ) as Record<LoadedTopic, Set<Subscriber<unknown>>>;
  const summarySubs = new Set<{ box: Mailbox<string | number, unknown>; compute: () => Promise<unknown> }>();
  const byConnection = new Map<number, Set<Mailbox<string | number, Connection>>>();
  /** What changed since the last load, per topic, keyed so repeats collapse. */
  interface Pending {
    onu: Set<number>;
    session: Map<string, SessionKey>;
    connection: Set<number>;
    incident: Set<number>;
    sync_run: Set<number>;
  }
  const emptyPending = (): Pending => ({
    onu: new Set(),
    session: new Map(),
    connection: new Set(),
    incident: new Set(),
    sync_run: new Set(),
  });
  let pending = emptyPending();
  /** When the first notification of what is pending arrived (performance.now()), for the lag metric. */
  let pendingSince: number | null = null;
  /** How each topic's event adds to what is pending. */
  const collect: { [T in LoadedTopic]: (event: Extract<EmeraldEvent, { t: T }>) => void } = {
    onu: (e) => {
      for (const id of e.ids) pending.onu.add(id);
    },
    session: (e) => {
      for (const key of e.s ?? []) pending.session.set(`${key[0]}/${key[1]}`, key);
      for (const id of e.ids) pending.connection.add(id);
    },
    connection: (e) => {
      for (const id of e.ids) pending.connection.add(id);
    },
    incident: (e) => void pending.incident.add(e.id),
    sync_run: (e) => void pending.sync_run.add(e.id),
  };
  let events = 0;
  let batches = 0;
  let loading = false;
  let again = false;
  let stopped = false;
  let client: pg.Client | null = null;
  let readyResolve: () => void = () => {};
  let readyPromise = new Promise<void>((r) => (readyResolve = r));

  const subscribe = <V>(topic: LoadedTopic, accepts: (v: V) => boolean, onClose?: () => void): Mailbox<string | number, V> => {
    const entry: Subscriber<V> = {
      box: new Mailbox<string | number, V>({
        capacity,
        minIntervalMs,
        onClose: () => {
          subscribers[topic].delete(entry as Subscriber<unknown>);
          onClose?.();
        },
      }),
      accepts,
    };
    subscribers[topic].add(entry as Subscriber<unknown>);
    return entry.box;
  };

  const deliver = <V>(topic: LoadedTopic, key: (v: V) => string | number, values: V[]): void => {
    for (const sub of subscribers[topic] as Set<Subscriber<V>>) {
      for (const v of values) if (sub.accepts(v)) sub.box.put(key(v), v);
    }
  };

  // ── summaries: one computation for every subscriber, at most every summaryIntervalMs ──
  let summaryTimer: NodeJS.Timeout | null = null;
  let lastSummary = 0;
  const scheduleSummary = (): void => {
    if (summaryTimer || summarySubs.size === 0) return;
    const wait = Math.max(0, lastSummary + summaryIntervalMs - Date.now());
    summaryTimer = setTimeout(() => {
      summaryTimer = null;
      lastSummary = Date.now();
      const [first] = summarySubs;
      if (!first) return;
      first
        .compute()
        .then((value) => {
          for (const s of summarySubs) s.box.put('summary', value);
        })
        .catch((error: unknown) => log.error({ err: error }, 'computing the network summary failed'));
    }, wait);
  };

  // ── loading: what changed, once per batch ──
  const load = async (): Promise<void> => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        batches++;
        const batch = pending;
        const since = pendingSince;
        pending = emptyPending();
        pendingSince = null;
        // Loaders run in this order: ONU and session changes add the connections they touch.
        const connectionIds = batch.connection;
        const loaders: { [T in LoadedTopic]: () => Promise<void> } = {
          onu: async () => {
            if (!batch.onu.size || !(subscribers.onu.size || byConnection.size)) return;
            const rows = await db.prisma.onu.findMany({ where: { id: { in: [...batch.onu] } } });
            deliver<Onu>('onu', (o) => o.id, rows);
            for (const o of rows) if (o.connectionId !== null) connectionIds.add(o.connectionId);
          },
          session: async () => {
            const sessionKeys = [...batch.session.values()];
            if (!sessionKeys.length || !(subscribers.session.size || byConnection.size)) return;
            const observedAt = new Date();
            const live = await db.prisma.pppSession.findMany({
              where: {
                routerId: { in: [...new Set(sessionKeys.map((k) => k[0]))] },
                name: { in: [...new Set(sessionKeys.map((k) => k[1]))] },
              },
            });
            const byKey = new Map(live.map((x) => [`${x.routerId}/${x.name}`, x]));
            const changes: SessionChangeRecord[] = sessionKeys.map(([routerId, username, connectionId]) => {
              const session = byKey.get(`${routerId}/${username}`) ?? null;
              return { routerId, username, connectionId: session?.connectionId ?? connectionId, session, observedAt };
            });
            deliver<SessionChangeRecord>('session', (c) => `${c.routerId}/${c.username}`, changes);
            for (const c of changes) if (c.connectionId !== null) connectionIds.add(c.connectionId);
          },
          incident: async () => {
            if (!batch.incident.size || !subscribers.incident.size) return;
            deliver<Incident>('incident', (i) => i.id, await db.prisma.incident.findMany({ where: { id: { in: [...batch.incident] } } }));
          },
          sync_run: async () => {
            if (!batch.sync_run.size || !subscribers.sync_run.size) return;
            deliver<SyncRun>('sync_run', (r) => r.id, await db.prisma.syncRun.findMany({ where: { id: { in: [...batch.sync_run] } } }));
          },
          connection: async () => {
            const watched = [...connectionIds].filter((id) => byConnection.has(id));
            if (!watched.length) return;
            const rows = await db.prisma.connection.findMany({ where: { id: { in: watched } } });
            for (const row of rows) for (const box of byConnection.get(row.id) ?? []) box.put(row.id, row);
          },
        };
        for (const load of Object.values(loaders)) await load();
        if (since !== null) options.onBatch?.((performance.now() - since) / 1000);
      } while (again && !stopped);
    } catch (error) {
      log.error({ err: error }, 'loading changes for subscribers failed; asking them to resynchronise');
      resyncAll();
    } finally {
      loading = false;
    }
  };

  const authListeners = new Set<(userId: number | null) => void>();
  const topicListeners = new Map<Topic, Set<(event: EmeraldEvent | null) => void>>();
  const resyncAll = (): void => {
    for (const set of topicListeners.values()) for (const listener of set) listener(null);
    // Auth events may have been missed too: every live connection is re-checked.
    for (const listener of authListeners) listener(null);
    for (const set of Object.values(subscribers)) for (const s of set) s.box.markResync();
    for (const s of summarySubs) s.box.markResync();
    scheduleSummary();
  };

  const onEvent = (event: EmeraldEvent): void => {
    events++;
    for (const listener of topicListeners.get(event.t) ?? []) listener(event);
    if (TOPICS[event.t].changesSummary) scheduleSummary();
    if (event.t === 'summary') return;
    if (event.t === 'auth') {
      for (const listener of authListeners) listener(event.userId);
      return;
    }
    pendingSince ??= performance.now();
    (collect[event.t] as (e: EmeraldEvent) => void)(event);
    void load();
  };

  // ── the LISTEN connection, reconnecting with backoff ──
  let backoff = 250;
  const connect = async (): Promise<void> => {
    while (!stopped) {
      const c = new pg.Client({ connectionString: databaseUrl });
      try {
        await c.connect();
        c.on('notification', (n) => {
          if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
          try {
            onEvent(JSON.parse(n.payload) as EmeraldEvent);
          } catch (error) {
            log.warn({ err: error, payload: n.payload.slice(0, 200) }, 'unreadable event');
          }
        });
        c.on('error', (error) => {
          log.warn({ err: error }, 'event stream connection lost; subscribers will resynchronise');
          void c.end().catch(() => {});
        });
        c.on('end', () => {
          if (client !== c || stopped) return;
          client = null;
          readyPromise = new Promise<void>((r) => (readyResolve = r));
          resyncAll();
          setTimeout(() => void connect(), backoff).unref();
        });
        await c.query(`LISTEN ${EVENTS_CHANNEL}`);
        client = c;
        backoff = 250;
        readyResolve();
        return;
      } catch (error) {
        await c.end().catch(() => {});
        log.warn({ err: error, retryInMs: backoff }, 'cannot listen for events; retrying');
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  };
  void connect();

  return {
    onus: (accepts) => subscribe<Onu>('onu', accepts),
    sessions: (accepts) => subscribe<SessionChangeRecord>('session', accepts),
    connection(id) {
      let boxes = byConnection.get(id);
      if (!boxes) byConnection.set(id, (boxes = new Set()));
      const set = boxes;
      const box: Mailbox<string | number, Connection> = subscribe<Connection>(
        'connection',
        () => false,
        () => {
          set.delete(box);
          if (set.size === 0) byConnection.delete(id);
        },
      );
      set.add(box);
      return box;
    },
    incidents: () => subscribe<Incident>('incident', () => true),
    syncRuns: () => subscribe<SyncRun>('sync_run', () => true),
    summaries<S>(compute: () => Promise<S>) {
      const entry = {
        box: new Mailbox<string | number, unknown>({
          capacity: 1,
          minIntervalMs: 0,
          onClose: () => summarySubs.delete(entry),
        }),
        compute: compute as () => Promise<unknown>,
      };
      summarySubs.add(entry);
      // The current state first, for this subscriber only.
      compute().then(
        (value) => entry.box.put('summary', value),
        (error: unknown) => log.error({ err: error }, 'computing the network summary failed'),
      );
      return entry.box as Mailbox<string | number, S>;
    },
    onAuthChange(listener) {
      authListeners.add(listener);
      return () => authListeners.delete(listener);
    },
    onTopic(topic, listener) {
      let set = topicListeners.get(topic);
      if (!set) topicListeners.set(topic, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    stats: () => ({
      subscribers:
        Object.values(subscribers).reduce((n, s) => n + s.size, 0) +
        summarySubs.size +
        [...byConnection.values()].reduce((n, s) => n + s.size, 0),
      events,
      batches,
    }),
    ready: () => readyPromise,
    async stop() {
      stopped = true;
      if (summaryTimer) clearTimeout(summaryTimer);
      for (const set of Object.values(subscribers)) for (const s of [...set]) await s.box.return();
      for (const s of [...summarySubs]) await s.box.return();
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}

export type { MailboxBatch };
