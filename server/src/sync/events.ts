/**
 * Change events for subscribers, through PostgreSQL NOTIFY on `emerald_events`: ids only,
 * the receiver loads the data. Sent inside the writing transaction, so they are delivered
 * when (and only if) it commits. Payloads stay under NOTIFY's 8 kB limit by chunking ids.
 */
import type { Queryable } from '../mirror/sql.ts';

export const EVENTS_CHANNEL = 'emerald_events';

export type EmeraldEvent =
  | { t: 'onu'; ids: number[] }
  /** `ids`: connections; `s`: [router id, PPPoE username, connection id] of each session that started or ended. */
  | { t: 'session'; ids: number[]; s?: [number, string, number | null][] }
  | { t: 'connection'; ids: number[] }
  | { t: 'sync_run'; id: number }
  | { t: 'incident'; id: number }
  | { t: 'summary' };

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
