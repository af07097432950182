/**
 * Which notification rules an incident event matches, and when. Pure; the database side
 * is in notifications/. Time windows are in the ISP's local time (minutes of the day and
 * days of the week, 0 = Sunday); an overnight window (22:00–06:00) wraps around midnight.
 */
import type { IncidentKindValue } from './incidents.ts';

export type NotificationEventValue = 'OPENED' | 'CLASSIFIED' | 'GREW' | 'CLEARED' | 'ESCALATED';

export interface RuleScope {
  enabled: boolean;
  kinds: readonly IncidentKindValue[];
  events: readonly NotificationEventValue[];
  minAffected: number;
  oltIds: readonly number[];
  routerIds: readonly number[];
  zones: readonly string[];
  days: readonly number[];
  fromMinute: number;
  toMinute: number;
}

export interface IncidentFacts {
  kind: IncidentKindValue;
  affected: number;
  oltId: number | null;
  routerId: number | null;
  /** SmartOLT zones of the affected ONUs. */
  zones: readonly string[];
}

/** Day of week and minute of day of `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function ruleMatches(rule: RuleScope, event: NotificationEventValue, incident: IncidentFacts, at: Date, timeZone: string): boolean {
  if (!rule.enabled) return false;
  if (rule.events.length && !rule.events.includes(event)) return false;
  if (rule.kinds.length && !rule.kinds.includes(incident.kind)) return false;
  if (incident.affected < rule.minAffected) return false;
  const placed = rule.oltIds.length || rule.routerIds.length || rule.zones.length;
  if (placed) {
    const inOlt = incident.oltId !== null && rule.oltIds.includes(incident.oltId);
    const inRouter = incident.routerId !== null && rule.routerIds.includes(incident.routerId);
    const inZone = incident.zones.some((z) => rule.zones.includes(z));
    if (!inOlt && !inRouter && !inZone) return false;
  }
  const { day, minute } = localClock(at, timeZone);
  if (rule.fromMinute <= rule.toMinute) {
    if (minute < rule.fromMinute || minute >= rule.toMinute) return false;
    if (rule.days.length && !rule.days.includes(day)) return false;
  } else {
    // Overnight: the part after midnight belongs to the day the window started.
    const afterMidnight = minute < rule.toMinute;
    if (!afterMidnight && minute < rule.fromMinute) return false;
    const startedOn = afterMidnight ? (day + 6) % 7 : day;
    if (rule.days.length && !rule.days.includes(startedOn)) return false;
  }
  return true;
}
