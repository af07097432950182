import { describe, expect, it } from 'vitest';
import { prefetch } from './steps.ts';

/** A source that records when each item is asked for and resolves it when told to. */
function source(items: number, failAt?: number) {
  const asked: number[] = [];
  const release: (() => void)[] = [];
  async function* gen(): AsyncGenerator<number> {
    for (let i = 0; i < items; i++) {
      asked.push(i);
      await new Promise<void>((r) => release.push(r));
      if (i === failAt) throw new Error(`item ${i} failed`);
      yield i;
    }
  }
  const releaseAll = (): void => {
    for (const r of release.splice(0)) r();
  };
  return { gen: gen(), asked, releaseAll };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('prefetch', () => {
  it('keeps the given number of items in flight while the caller works, in order', async () => {
    const s = source(10);
    const it = prefetch(s.gen, 3);
    const first = it.next();
    await settle();
    s.releaseAll();
    expect((await first).value).toBe(0);
    // While the caller holds item 0, items 1–3 are being fetched (one after another).
    for (let i = 0; i < 5; i++) {
      await settle();
      s.releaseAll();
    }
    expect(s.asked).toEqual([0, 1, 2, 3]);
    const rest: number[] = [];
    const drain = (async () => {
      for await (const v of { [Symbol.asyncIterator]: () => it }) rest.push(v);
    })();
    for (let i = 0; i < 20; i++) {
      await settle();
      s.releaseAll();
    }
    await drain;
    expect(rest).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('raises a prefetched error where that item would have been read, after the items before it', async () => {
    const s = source(10, 2);
    const seen: number[] = [];
    const run = (async () => {
      for await (const v of prefetch(s.gen, 4)) seen.push(v);
    })().then(
      () => null,
      (error: unknown) => error,
    );
    for (let i = 0; i < 20; i++) {
      await settle();
      s.releaseAll();
    }
    expect(await run).toEqual(new Error('item 2 failed'));
    expect(seen).toEqual([0, 1]);
  });
});
