import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Mailbox } from './mailbox.ts';

describe('Mailbox', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000); // a multiple of the pacing interval
  });
  afterEach(() => vi.useRealTimers());

  it('delivers the first change at once and the latest state of each key after', async () => {
    const box = new Mailbox<number, string>({ capacity: 10, minIntervalMs: 200 });
    box.put(1, 'LOS');
    expect(await box.next()).toEqual({ done: false, value: { items: ['LOS'], resync: false } });
    const next = box.next();
    box.put(1, 'OFFLINE');
    box.put(2, 'LOS');
    box.put(1, 'ONLINE');
    await vi.advanceTimersByTimeAsync(199);
    let settled = false;
    void next.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // paced: not before 200 ms since the last message
    await vi.advanceTimersByTimeAsync(1);
    expect(await next).toEqual({ done: false, value: { items: ['LOS', 'ONLINE'], resync: false } });
  });

  it('delivers at once after a quiet interval, and on the shared tick while busy', async () => {
    const box = new Mailbox<number, string>({ capacity: 10, minIntervalMs: 200 });
    await vi.advanceTimersByTimeAsync(50); // off the tick: t = 1,000,050
    box.put(1, 'LOS');
    await box.next();
    await vi.advanceTimersByTimeAsync(300); // t = 1,000,350: more than an interval since
    box.put(1, 'ONLINE');
    let settled = false;
    const quiet = box.next().then((r) => {
      settled = true;
      return r;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true); // not held until the tick at 1,000,400
    expect((await quiet).value).toEqual({ items: ['ONLINE'], resync: false });
    await vi.advanceTimersByTimeAsync(10); // t = 1,000,360: busy, the next tick is 1,000,600
    box.put(2, 'LOS');
    const busy = box.next();
    await vi.advanceTimersByTimeAsync(239);
    settled = false;
    void busy.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await busy).value).toEqual({ items: ['LOS'], resync: false });
    expect(Date.now()).toBe(1_000_600);
  });

  it('drops everything past its capacity and asks for a resync', async () => {
    const box = new Mailbox<number, number>({ capacity: 3, minIntervalMs: 0 });
    for (let i = 0; i < 5; i++) box.put(i, i); // the 4th overflows: 0–3 are dropped
    expect(box.dropped).toBe(4);
    box.put(9, 9);
    expect(await box.next()).toEqual({ done: false, value: { items: [4, 9], resync: true } });
  });

  it('ends a waiting reader and unsubscribes once when returned', async () => {
    const onClose = vi.fn();
    const box = new Mailbox<number, number>({ capacity: 3, minIntervalMs: 0, onClose });
    const waiting = box.next();
    await box.return();
    await box.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    box.put(1, 1);
    expect(await box.next()).toEqual({ done: true, value: undefined });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
