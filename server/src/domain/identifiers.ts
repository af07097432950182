/** Normalisation of identifiers people type in many shapes (phones, MACs, DNI/CUIT, usernames). */

/** Digits only: "+54 9 3541 55-1234" → "5493541551234". */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

/**
 * Argentine phone numbers are written with and without country code, the mobile "9",
 * the trunk "0" and the old "15". Keep the national significant number (10 digits:
 * area code + subscriber) so every spelling of one number matches.
 */
export function phoneDigits(value: string): string {
  let d = digitsOnly(value);
  if (d.startsWith('54')) d = d.slice(2);
  if (d.startsWith('9') && d.length === 11) d = d.slice(1);
  if (d.startsWith('0')) d = d.slice(1);
  // "0351 15-555-1234": area code then 15 then the subscriber number
  const m = /^(\d{2,4})15(\d{6,8})$/.exec(d);
  if (m && m[1]!.length + m[2]!.length === 10) d = `${m[1]}${m[2]}`;
  return d;
}

/** A MAC in canonical `AA:BB:CC:DD:EE:FF`, or null. Accepts `-`, `.`, or no separators. */
export function normalizeMac(value: string | null | undefined): string | null {
  if (!value) return null;
  const hex = value.replace(/[^0-9a-f]/gi, '').toUpperCase();
  if (hex.length !== 12) return null;
  return hex.match(/.{2}/g)!.join(':');
}

/** Lower-case, trimmed PPPoE username: how ONU names are matched to connections. */
export function normalizeUsername(value: string | null | undefined): string {
  return (value ?? '').trim().toLowerCase();
}

/** Strip accents and case for display-insensitive comparisons (same rule as the SQL `emerald_normalize`). */
export function foldText(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
