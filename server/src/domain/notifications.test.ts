import { describe, expect, it } from 'vitest';
import { type IncidentFacts, localClock, type RuleScope, ruleMatches } from './notifications.ts';

const TZ = 'America/Argentina/Buenos_Aires'; // UTC−3, no daylight saving
const rule: RuleScope = {
  enabled: true,
  kinds: [],
  events: [],
  minAffected: 0,
  oltIds: [],
  routerIds: [],
  zones: [],
  days: [],
  fromMinute: 0,
  toMinute: 1440,
};
const cut: IncidentFacts = { kind: 'FIBRE_CUT', affected: 40, oltId: 2, routerId: 5, zones: ['Centro'] };
// Wednesday 2026-12-02 15:30 UTC = 12:30 in Buenos Aires.
const noonWednesday = new Date('2026-12-02T15:30:00Z');

describe('localClock', () => {
  it('gives the day and minute in the ISP’s time zone', () => {
    expect(localClock(noonWednesday, TZ)).toEqual({ day: 3, minute: 12 * 60 + 30 });
    expect(localClock(new Date('2026-12-03T02:15:00Z'), TZ)).toEqual({ day: 3, minute: 23 * 60 + 15 }); // still Wednesday there
    expect(localClock(new Date('2026-12-03T02:15:00Z'), 'UTC')).toEqual({ day: 4, minute: 2 * 60 + 15 });
  });
});

describe('ruleMatches', () => {
  it('matches everything when every list is empty, and nothing when disabled', () => {
    expect(ruleMatches(rule, 'OPENED', cut, noonWednesday, TZ)).toBe(true);
    expect(ruleMatches({ ...rule, enabled: false }, 'OPENED', cut, noonWednesday, TZ)).toBe(false);
  });

  it('filters by event, kind and size', () => {
    expect(ruleMatches({ ...rule, events: ['CLASSIFIED'] }, 'OPENED', cut, noonWednesday, TZ)).toBe(false);
    expect(ruleMatches({ ...rule, events: ['CLASSIFIED'] }, 'CLASSIFIED', cut, noonWednesday, TZ)).toBe(true);
    expect(ruleMatches({ ...rule, kinds: ['POWER_OUTAGE'] }, 'OPENED', cut, noonWednesday, TZ)).toBe(false);
    expect(ruleMatches({ ...rule, minAffected: 41 }, 'OPENED', cut, noonWednesday, TZ)).toBe(false);
    expect(ruleMatches({ ...rule, minAffected: 40 }, 'OPENED', cut, noonWednesday, TZ)).toBe(true);
  });

  it('matches a place by any of OLT, router or zone', () => {
    expect(ruleMatches({ ...rule, oltIds: [9] }, 'OPENED', cut, noonWednesday, TZ)).toBe(false);
    expect(ruleMatches({ ...rule, oltIds: [9], zones: ['Centro'] }, 'OPENED', cut, noonWednesday, TZ)).toBe(true);
    expect(ruleMatches({ ...rule, routerIds: [5] }, 'OPENED', cut, noonWednesday, TZ)).toBe(true);
    expect(ruleMatches({ ...rule, zones: ['Norte'] }, 'OPENED', { ...cut, zones: [] }, noonWednesday, TZ)).toBe(false);
  });

  it('applies office hours on the listed days, in local time', () => {
    const office = { ...rule, days: [1, 2, 3, 4, 5], fromMinute: 8 * 60, toMinute: 18 * 60 };
    expect(ruleMatches(office, 'OPENED', cut, noonWednesday, TZ)).toBe(true);
    expect(ruleMatches(office, 'OPENED', cut, new Date('2026-12-02T21:30:00Z'), TZ)).toBe(false); // 18:30
    expect(ruleMatches(office, 'OPENED', cut, new Date('2026-12-05T15:30:00Z'), TZ)).toBe(false); // Saturday
    expect(ruleMatches(office, 'OPENED', cut, new Date('2026-12-02T11:00:00Z'), TZ)).toBe(true); // 08:00 sharp
  });

  it('wraps an overnight window past midnight, counting the small hours as the night before', () => {
    const weeknights = { ...rule, days: [1, 2, 3, 4, 5], fromMinute: 22 * 60, toMinute: 6 * 60 };
    expect(ruleMatches(weeknights, 'OPENED', cut, new Date('2026-12-03T01:30:00Z'), TZ)).toBe(true); // Wed 22:30
    expect(ruleMatches(weeknights, 'OPENED', cut, new Date('2026-12-03T07:00:00Z'), TZ)).toBe(true); // Thu 04:00, Wednesday night
    expect(ruleMatches(weeknights, 'OPENED', cut, new Date('2026-12-03T12:00:00Z'), TZ)).toBe(false); // Thu 09:00
    expect(ruleMatches(weeknights, 'OPENED', cut, new Date('2026-12-05T07:00:00Z'), TZ)).toBe(true); // Sat 04:00: Friday night
    expect(ruleMatches(weeknights, 'OPENED', cut, new Date('2026-12-06T07:00:00Z'), TZ)).toBe(false); // Sun 04:00: Saturday night
  });
});
