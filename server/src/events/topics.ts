/**
 * The event contract, in one place. Writers announce committed changes through PostgreSQL
 * NOTIFY on `emerald_events` — ids only, sent inside the writing transaction, so an event
 * exists if and only if its change committed — and every API process's event bus loads
 * what changed and pushes it to subscribers. The table below says, per topic, what its
 * payload names and what it means for subscribers; the bus is driven by it (a topic added
 * here must be given a loader there, or the bus does not compile).
 */
import type { Queryable } from '../db/sql.ts';
import type { SessionChange } from '../mirror/routeros.ts';

export const EVENTS_CHANNEL = 'emerald_events';

/** A PPPoE session that started or ended: [router id, PPPoE username, connection id]. */
export type SessionKey = [number, string, number | null];

/** What each topic's NOTIFY payload carries besides its topic name `t`. */
export interface TopicPayloads {
  onu: { ids: number[] };
  /** `ids`: connections; `s`: each session that started or ended. */
  session: { ids: number[]; s?: SessionKey[] };
  connection: { ids: number[] };
  incident: { id: number };
  sync_run: { id: number };
  /** Only "recompute the network summary". */
  summary: Record<never, never>;
  /** A user's sessions, keys, role or status changed: their live connections must be re-checked. */
  auth: { userId: number };
}

export type Topic = keyof TopicPayloads;

export type EmeraldEvent = { [T in Topic]: { t: T } & TopicPayloads[T] }[Topic];

export interface TopicSpec {
  description: string;
  /** Changes of this topic change the NOC's network summary. */
  changesSummary: boolean;
  /** Changes of this topic reach subscribers of the connections they name (connectionChanged). */
  touchesConnections: boolean;
}

export const TOPICS: Record<Topic, TopicSpec> = {
  onu: { description: 'ONUs whose status or signal changed', changesSummary: true, touchesConnections: true },
  session: { description: 'PPPoE sessions that started or ended', changesSummary: true, touchesConnections: true },
  connection: { description: 'Connections changed', changesSummary: false, touchesConnections: true },
  incident: { description: 'An incident opened, grew, recovered or cleared', changesSummary: true, touchesConnections: false },
  sync_run: { description: 'A sync run was queued, progressed or finished', changesSummary: false, touchesConnections: false },
  summary: { description: 'The network summary should be recomputed', changesSummary: true, touchesConnections: false },
  auth: {
    description: "A user's access changed (sign-out, role, deactivation, key revoked)",
    changesSummary: false,
    touchesConnections: false,
  },
};

// NOTIFY payloads must stay under 8 kB: ids and sessions go in chunks.
const MAX_IDS = 600;
const MAX_SESSIONS = 100;

export async function notify(db: Queryable, event: EmeraldEvent): Promise<void> {
  if (event.t === 'session' && event.s?.length) {
    for (let i = 0; i < event.s.length; i += MAX_SESSIONS) {
      const s = event.s.slice(i, i + MAX_SESSIONS);
      const ids = [...new Set(s.flatMap((x) => (x[2] === null ? [] : [x[2]])))];
      await db.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ t: 'session', ids, s })]);
    }
    return;
  }
  if ('ids' in event) {
    const ids = [...new Set(event.ids)];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      await db.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ t: event.t, ids: ids.slice(i, i + MAX_IDS) })]);
    }
    return;
  }
  await db.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify(event)]);
}

/** The event announcing sessions that started or ended. */
export function sessionEvent(changes: SessionChange[]): EmeraldEvent {
  return { t: 'session', ids: [], s: changes.map((c) => [c.routerId, c.name, c.connectionId]) };
}

/**
 * Routers or OLTs appeared, moved or went (an inventory changed them). Separate from the
 * event bus: its listeners are the worker's session listeners, which start or stop their
 * per-router streams at once instead of at their next periodic refresh.
 */
export const DEVICES_CHANNEL = 'emerald_devices';

export async function notifyDevicesChanged(db: Queryable, what: 'routers' | 'olts'): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DEVICES_CHANNEL, what]);
}
