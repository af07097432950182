/**
 * Login throttling. Per account (in the database, shared by every API process): after
 * MAX_FAILURES consecutive failures the account locks for LOCK_MINUTES, doubling on each
 * further lock. Per client address (in memory): too many failures in a window are
 * refused before any password check, which also stops username enumeration by volume.
 */
export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 15;
const IP_WINDOW_MS = 15 * 60_000;
const IP_MAX_FAILURES = 30;

export function lockDuration(failedLogins: number): number {
  const locks = Math.floor(failedLogins / MAX_FAILURES);
  return locks <= 0 ? 0 : LOCK_MINUTES * 60_000 * 2 ** Math.min(locks - 1, 6);
}

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
