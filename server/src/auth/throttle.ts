/**
 * Sign-in throttling that an attacker cannot turn against the people it protects.
 *
 * Per username (in the database, shared by every API process, for known and unknown
 * usernames alike so the answers never tell which exist): every attempt is counted before
 * the password is checked, atomically, so parallel guesses each count. From the 5th
 * consecutive failure sign-in for that username pauses briefly — 30 s, doubling with each
 * further failure up to 15 minutes — instead of a long hard lock. The pause does not
 * apply from an address the user signed in from successfully in the last 30 days, so a
 * stranger's guessing cannot keep an administrator out of the office; and an
 * administrator can lift a pause at once (`unlockUser`).
 *
 * Per client address (in memory, per process): too many failures in a window are refused
 * before any password check, whatever the usernames.
 */
import type { Queryable } from '../db/sql.ts';

export const SIGN_IN_PAUSE = {
  /** Consecutive failures before sign-in pauses. */
  threshold: 5,
  firstPauseSeconds: 30,
  maxPauseSeconds: 15 * 60,
  /** Failures older than this are forgotten (a typo a day never adds up to a pause). */
  forgetAfterSeconds: 60 * 60,
  /** How long an address where the user signed in stays "known". */
  knownAddressDays: 30,
} as const;

/**
 * Count one sign-in attempt for `username` before checking its password. Returns the
 * consecutive-failure count including this attempt, or null when sign-in is paused for
 * this username (nothing is counted then, and no password should be checked).
 */
export async function reserveSignInAttempt(db: Queryable, username: string, fromKnownAddress: boolean): Promise<number | null> {
  const p = SIGN_IN_PAUSE;
  const res = await db.query<{ failures: number }>(
    `INSERT INTO login_attempts AS a (username, failures, locked_until, last_attempt_at)
     VALUES ($1, 1, NULL, now())
     ON CONFLICT (username) DO UPDATE SET
       failures = CASE WHEN a.last_attempt_at < now() - make_interval(secs => $5) THEN 1 ELSE a.failures + 1 END,
       last_attempt_at = now(),
       locked_until = CASE
         WHEN (CASE WHEN a.last_attempt_at < now() - make_interval(secs => $5) THEN 1 ELSE a.failures + 1 END) >= $2
         THEN now() + LEAST(make_interval(secs => $3 * power(2, LEAST(20, (CASE WHEN a.last_attempt_at < now() - make_interval(secs => $5) THEN 1 ELSE a.failures + 1 END) - $2))), make_interval(secs => $4))
         ELSE NULL END
     WHERE $6 OR a.locked_until IS NULL OR a.locked_until <= now()
     RETURNING failures`,
    [username, p.threshold, p.firstPauseSeconds, p.maxPauseSeconds, p.forgetAfterSeconds, fromKnownAddress],
  );
  return res.rows[0]?.failures ?? null;
}

/** A successful sign-in (or an administrator) clears the failures of `username`. */
export async function clearSignInAttempts(db: Queryable, username: string): Promise<void> {
  await db.query('DELETE FROM login_attempts WHERE username = $1', [username]);
}

/** Until when sign-in is paused for `username`, or null. */
export async function signInPausedUntil(db: Queryable, username: string): Promise<Date | null> {
  const res = await db.query<{ until: Date }>(
    'SELECT locked_until AS until FROM login_attempts WHERE username = $1 AND locked_until > now()',
    [username],
  );
  return res.rows[0]?.until ?? null;
}

/** Whether the user signed in successfully from this address recently. */
export async function isKnownAddress(db: Queryable, userId: number, address: string | null): Promise<boolean> {
  if (!address) return false;
  const res = await db.query(
    `SELECT 1 FROM audit_entries
     WHERE entity_type = 'User' AND entity_id = $1 AND action = 'auth.login' AND ip = $2
       AND created_at > now() - make_interval(days => $3)
     LIMIT 1`,
    [String(userId), address, SIGN_IN_PAUSE.knownAddressDays],
  );
  return (res.rowCount ?? 0) > 0;
}

const IP_WINDOW_MS = 15 * 60_000;
const IP_MAX_FAILURES = 30;

/** Failed sign-ins per client address, in memory. */
export class AddressThrottle {
  private readonly failures = new Map<string, number[]>();

  /** Milliseconds until this address may try again, or 0. */
  retryAfter(address: string, now = Date.now()): number {
    const recent = (this.failures.get(address) ?? []).filter((t) => now - t < IP_WINDOW_MS);
    this.failures.set(address, recent);
    if (recent.length < IP_MAX_FAILURES) return 0;
    return IP_WINDOW_MS - (now - recent[0]!);
  }

  fail(address: string, now = Date.now()): void {
    const list = this.failures.get(address) ?? [];
    list.push(now);
    this.failures.set(address, list);
    if (this.failures.size > 10_000) {
      // Bound memory under a distributed attack: forget the oldest addresses.
      for (const key of [...this.failures.keys()].slice(0, 5_000)) this.failures.delete(key);
    }
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}
