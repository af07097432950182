/**
 * Who is calling, remembered for a few seconds per token, so a page's requests do not each
 * look up the session. Never stale for longer than the bound:
 * - an entry lives at most `ttlMs` (AUTH_CACHE_SECONDS) and never past the session's or key's expiry;
 * - any change of a user's access (sign-out, password, role, deactivation, key revoked)
 *   drops that user's entries: at once in the process that made it (`authChanged`), and in
 *   every other process when the event bus delivers the `auth` event; when the bus may have
 *   missed events it drops everything.
 * Without an event bus nothing is cached (other processes could not tell us).
 * Only signed-in callers are remembered; an unknown token is looked up every time.
 */
import { EventEmitter } from 'node:events';
import type { Db } from '../db/client.ts';
import type { Actor } from '../services.ts';
import { requestToken, resolveActor, type Credentials } from './tokens.ts';

/** Access changes made in this process (announced before the bus delivers them to everyone). */
const local = new EventEmitter();
local.setMaxListeners(0);

export function authChanged(userId: number | null): void {
  local.emit('change', userId);
}

export interface ActorCache {
  resolve(credentials: Credentials): Promise<Actor | null>;
  size(): number;
  stop(): void;
}

type OnAuthChange = (listener: (userId: number | null) => void) => () => void;

/** `bus` is asked for at each use: a process may attach its event bus after the app is built. */
export function createActorCache(db: Db, bus: () => { onAuthChange: OnAuthChange } | undefined, ttlMs: number): ActorCache {
  const entries = new Map<string, { actor: Actor; until: number }>();
  const drop = (userId: number | null): void => {
    if (userId === null) entries.clear();
    else for (const [token, e] of entries) if (e.actor.userId === userId) entries.delete(token);
  };
  let unsubscribe: (() => void) | null = null;
  const enabled = (): boolean => {
    if (ttlMs <= 0) return false;
    if (unsubscribe) return true;
    const b = bus();
    if (!b) return false;
    unsubscribe = b.onAuthChange(drop);
    local.on('change', drop);
    return true;
  };
  return {
    async resolve(credentials) {
      if (!enabled()) return resolveActor(db, credentials);
      const token = requestToken(credentials);
      if (!token) return null;
      const now = Date.now();
      const hit = entries.get(token);
      if (hit && hit.until > now) return hit.actor;
      entries.delete(token);
      const actor = await resolveActor(db, credentials);
      if (actor) {
        const expires = actor.expiresAt ? actor.expiresAt.getTime() : Number.POSITIVE_INFINITY;
        if (entries.size > 10_000) entries.clear();
        entries.set(token, { actor, until: Math.min(now + ttlMs, expires) });
      }
      return actor;
    },
    size: () => entries.size,
    stop() {
      unsubscribe?.();
      unsubscribe = null;
      local.off('change', drop);
      entries.clear();
    },
  };
}
