import { describe, expect, it } from 'vitest';
import { atLocalTime, localDate, zoneOffsetMinutes } from './zonedTime.ts';

describe('zoned time', () => {
  it('knows the local date on either side of midnight', () => {
    // 02:30 UTC on the 1st is still the 30th in Argentina (UTC−3).
    expect(localDate(new Date('2026-12-01T02:30:00Z'), 'America/Argentina/Buenos_Aires')).toEqual({ year: 2026, month: 11, day: 30 });
    expect(localDate(new Date('2026-12-01T03:30:00Z'), 'America/Argentina/Buenos_Aires')).toEqual({ year: 2026, month: 12, day: 1 });
    expect(zoneOffsetMinutes(new Date('2026-12-01T03:30:00Z'), 'America/Argentina/Buenos_Aires')).toBe(-180);
  });

  it('gives the instant of a wall-clock time today and tomorrow', () => {
    const lateEvening = new Date('2026-12-01T02:30:00Z'); // 23:30 on the 30th in Córdoba
    expect(atLocalTime(lateEvening, 'America/Argentina/Cordoba', 0, 9).toISOString()).toBe('2026-11-30T12:00:00.000Z');
    expect(atLocalTime(lateEvening, 'America/Argentina/Cordoba', 1, 14, 30).toISOString()).toBe('2026-12-01T17:30:00.000Z');
    // Month and year ends roll over.
    expect(atLocalTime(new Date('2026-12-31T20:00:00Z'), 'UTC', 1, 0).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('uses the offset in force at the target time across a DST change', () => {
    // Europe/Madrid moves from +1 to +2 on 2026-03-29 at 02:00.
    const saturday = new Date('2026-03-28T10:00:00Z');
    expect(atLocalTime(saturday, 'Europe/Madrid', 0, 9).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(atLocalTime(saturday, 'Europe/Madrid', 1, 9).toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });
});
