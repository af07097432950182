/**
 * SmartOLT answers with strings: `"-24.95 dBm"`, `"Power fail"`, `"Very good"`, `"-"`.
 * An unmeasurable signal is null, never a recovery.
 */
import type { OnuStatusValue, SignalCategoryValue } from './types.ts';

export function parseDbm(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(?:dBm)?\s*$/i.exec(value);
  return match ? Number(match[1]) : null;
}

export function parseOnuStatus(value: unknown): OnuStatusValue {
  switch (
    String(value ?? '')
      .trim()
      .toLowerCase()
  ) {
    case 'online':
      return 'ONLINE';
    case 'offline':
      return 'OFFLINE';
    case 'los':
      return 'LOS';
    case 'power fail':
    case 'powerfail':
    case 'power_fail':
    case 'dying gasp':
      return 'POWER_FAIL';
    default:
      return 'UNKNOWN';
  }
}

export function parseSignalCategory(value: unknown): SignalCategoryValue {
  switch (
    String(value ?? '')
      .trim()
      .toLowerCase()
  ) {
    case 'very good':
      return 'VERY_GOOD';
    case 'good':
      return 'GOOD';
    case 'warning':
      return 'WARNING';
    case 'critical':
      return 'CRITICAL';
    default:
      return 'UNKNOWN';
  }
}

/** SmartOLT timestamps (`2026-11-27 10:42:00`) are in the tenant's local time. */
export function parseSmartoltTime(value: unknown, utcOffsetMinutes = -180): Date | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - utcOffsetMinutes * 60_000;
  return new Date(utc);
}
