/** Freshness as the API reads it: a scope's own last success, else the source's `all`, else none. */
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/db.ts';
import type { Context } from './context.ts';
import { freshness, latest } from './freshness.ts';

describe('freshness', () => {
  it("gives a scope's own last success, else the kind's `all`, else null", async () => {
    const { db } = await createTestDatabase();
    await db.pool.query(`INSERT INTO source_freshness (source, kind, scope_key, last_success_at) VALUES
      ('SMARTOLT', 'ONU_STATUS', 'olt:1', '2026-11-30T10:00:00Z'),
      ('SMARTOLT', 'ONU_STATUS', 'all', '2026-11-30T09:00:00Z'),
      ('SMARTOLT', 'ONU_SIGNAL', 'olt:1', '2026-11-30T08:00:00Z'),
      ('ROUTEROS', 'SESSIONS', 'router:1', NULL)`);
    // Without an event bus, freshness is read per request.
    const f = await freshness({ db, bus: undefined } as unknown as Context);
    expect(f.lastSuccess('SMARTOLT', 'ONU_STATUS', 'olt:1')?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(f.lastSuccess('SMARTOLT', 'ONU_STATUS', 'olt:2')?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(f.lastSuccess('SMARTOLT', 'ONU_SIGNAL', 'olt:2')).toBeNull();
    expect(f.lastSuccess('ROUTEROS', 'SESSIONS', 'router:1')).toBeNull();
    expect(f.lastSuccess('ISPCUBE', 'INVENTORY', 'all')).toBeNull();
    const a = new Date('2026-11-30T10:00:00Z');
    const b = new Date('2026-11-30T11:00:00Z');
    expect([latest(a, b), latest(b, a), latest(null, a), latest(a, undefined), latest(null, null)]).toEqual([b, b, a, a, null]);
  });
});
