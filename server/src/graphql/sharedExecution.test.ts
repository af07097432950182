/**
 * Shared subscription executions: one execution per batch for subscribers whose results
 * must be identical (same document, variables and access), separate executions as soon as
 * anything that changes the result differs — variables, role, API-key scopes, or the user
 * when the document reaches viewer-dependent fields.
 */
import { type ExecutionResult, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { sharedSubscribe } from './sharedExecution.ts';
import { schema, streams } from './subscriptionTestSchema.ts';

// Every subscriber gets the same batch objects, as the event bus hands them out.
const batch = { resync: false, items: [{ n: 1 }, { n: 2 }] };
streams.open = () =>
  (async function* () {
    yield batch;
  })();

type Actor = { userId: number; role: string; scopes: { read: boolean; write: boolean } };
const actor = (userId: number, role = 'NOC', write = true): Actor => ({ userId, role, scopes: { read: true, write } });

/** Subscribe, take the first event, and return it with how many item executions it cost. */
async function firstEvent(query: string, who: Actor, variableValues: Record<string, unknown> = {}): Promise<ExecutionResult> {
  const it = await sharedSubscribe({ schema, document: parse(query), contextValue: { actor: who }, variableValues });
  if (!(Symbol.asyncIterator in it)) throw new Error(JSON.stringify(it));
  const step = await it.next();
  await it.return?.(undefined);
  return step.value as ExecutionResult;
}

async function cost(subscribers: [string, Actor, Record<string, unknown>?][]): Promise<number> {
  streams.executions = 0;
  const results = await Promise.all(subscribers.map(([q, who, vars]) => firstEvent(q, who, vars)));
  for (const r of results) expect(r.errors ?? []).toEqual([]);
  return streams.executions;
}

const Q = 'subscription($min: Int) { changes(min: $min) { items { n } } }';
const MINE = 'subscription { changes { items { n mine } } }';

describe('shared subscription executions', () => {
  it('run once for identical subscribers, by document, variables and access', async () => {
    // Two items per execution: 2 = one execution, 4 = two. Each case has its own variables,
    // so no case reuses another's (briefly cached) results.
    const v = (min: number) => ({ min });
    expect(
      await cost([
        [Q, actor(1), v(10)],
        [Q, actor(2), v(10)],
        [Q, actor(3), v(10)],
      ]),
    ).toBe(2);
    expect(
      await cost([
        [Q, actor(1), v(20)],
        [Q, actor(2), v(21)],
      ]),
    ).toBe(4);
    expect(
      await cost([
        [Q, actor(1, 'NOC'), v(30)],
        [Q, actor(2, 'ADMIN'), v(30)],
      ]),
    ).toBe(4);
    expect(
      await cost([
        [Q, actor(1, 'NOC', true), v(40)],
        [Q, actor(2, 'NOC', false), v(40)],
      ]),
    ).toBe(4);
    // Technicians see by who they are: never shared between two of them.
    expect(
      await cost([
        [Q, actor(1, 'TECHNICIAN'), v(50)],
        [Q, actor(2, 'TECHNICIAN'), v(50)],
      ]),
    ).toBe(4);
    expect(
      await cost([
        [Q, actor(3, 'TECHNICIAN'), v(60)],
        [Q, actor(3, 'TECHNICIAN'), v(60)],
      ]),
    ).toBe(2);
  });

  it('are per user when the document reaches a viewer-dependent field, and each gets their own result', async () => {
    streams.executions = 0;
    const [a, b, a2] = await Promise.all([firstEvent(MINE, actor(1)), firstEvent(MINE, actor(2)), firstEvent(MINE, actor(1))]);
    expect(streams.executions).toBe(4); // users 1 and 2 apart; user 1's two subscriptions shared
    expect(a!.data).toEqual({
      changes: {
        items: [
          { n: 1, mine: 'user 1' },
          { n: 2, mine: 'user 1' },
        ],
      },
    });
    expect(b!.data).toEqual({
      changes: {
        items: [
          { n: 1, mine: 'user 2' },
          { n: 2, mine: 'user 2' },
        ],
      },
    });
    expect(a2!.data).toEqual(a!.data);
  });
});
