/**
 * RouterOS writes every value as a string. These parse what the API returns, across
 * versions: durations `1w2d3h4m5s`, `6d4h40m57s`, `1d02:15:30`, `02:15:30`; booleans
 * `true`/`false` (v7) and `yes`/`no` (v6); dates `may/01/2023 20:52:13` (v6, early v7)
 * and `2023-05-01 20:52:13` (7.10+), in the router's local time.
 */

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a RouterOS duration, or null when it is not one. */
export function parseRouterosDuration(value: string | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (text === '') return null;
  // "1d02:15:30", "02:15:30", "1w2d03:00:00"
  const clock = /^(?:(\d+)w)?(?:(\d+)d)?(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  if (clock) {
    const [, w, d, h, m, s] = clock;
    return Number(w ?? 0) * 604800 + Number(d ?? 0) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  const re = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(re)) {
    if (match.index !== consumed) return null;
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed !== text.length || consumed === 0) return null;
  return Math.floor(total);
}

export function parseRouterosBoolean(value: string | undefined | null): boolean | null {
  if (value === undefined || value === null) return null;
  switch (value.trim().toLowerCase()) {
    case 'true':
    case 'yes':
      return true;
    case 'false':
    case 'no':
      return false;
    default:
      return null;
  }
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/**
 * A RouterOS date-time in the router's local time → UTC Date.
 * @param utcOffsetMinutes the router's offset from UTC (Argentina: −180).
 */
export function parseRouterosDate(value: string | undefined | null, utcOffsetMinutes = -180): Date | null {
  if (!value) return null;
  const text = value.trim();
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  const legacy = /^([a-z]{3})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})$/i.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (legacy) {
    const month = MONTHS[legacy[1]!.toLowerCase()];
    if (month === undefined) return null;
    [y, mo, d, h, mi, s] = [Number(legacy[3]), month, Number(legacy[2]), Number(legacy[4]), Number(legacy[5]), Number(legacy[6])];
  } else if (iso) {
    [y, mo, d, h, mi, s] = [Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4]), Number(iso[5]), Number(iso[6])];
  } else {
    return null;
  }
  const utc = Date.UTC(y, mo, d, h, mi, s) - utcOffsetMinutes * 60_000;
  return Number.isNaN(utc) ? null : new Date(utc);
}
