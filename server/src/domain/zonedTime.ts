/**
 * Wall-clock times in a time zone (the ISP's, NOTIFY_TIMEZONE) as instants, without a
 * date library: "09:00 tomorrow in Córdoba" for the demo's visits and the planning views.
 */

/** The calendar date of `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** Minutes `timeZone` is ahead of UTC at the instant `at` (−180 for Argentina). */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant of `hour:minute` local time, `dayOffset` days after the local date of `at`.
 * Across a DST change the offset of the target time is the one used (checked twice).
 */
export function atLocalTime(at: Date, timeZone: string, dayOffset: number, hour: number, minute = 0): Date {
  const { year, month, day } = localDate(at, timeZone);
  const wall = Date.UTC(year, month - 1, day + dayOffset, hour, minute);
  let guess = new Date(wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000);
  guess = new Date(wall - zoneOffsetMinutes(guess, timeZone) * 60_000);
  return guess;
}
