import { describe, expect, it } from 'vitest';
import { normalizeMac, phoneDigits } from './identifiers.ts';
import { parseRouterosBoolean, parseRouterosDate, parseRouterosDuration } from './routerosValues.ts';
import { parseDbm, parseOnuStatus, parseSignalCategory, parseSmartoltTime } from './smartoltValues.ts';

describe('RouterOS values', () => {
  it.each([
    ['1w2d3h4m5s', 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ['6d4h40m57s', 6 * 86400 + 4 * 3600 + 40 * 60 + 57],
    ['1d02:15:30', 86400 + 2 * 3600 + 15 * 60 + 30],
    ['02:15:30', 2 * 3600 + 15 * 60 + 30],
    ['45s', 45],
    ['0s', 0],
    ['1m500ms', 60],
    ['3w', 3 * 604800],
  ])('duration %s = %i s', (text, seconds) => {
    expect(parseRouterosDuration(text)).toBe(seconds);
  });

  it.each(['', 'soon', '5x', '1d 2h', '12'])('rejects %j as a duration', (text) => {
    expect(parseRouterosDuration(text)).toBeNull();
  });

  it('reads both date styles in router local time (UTC−3)', () => {
    expect(parseRouterosDate('may/01/2023 20:52:13')?.toISOString()).toBe('2023-05-01T23:52:13.000Z');
    expect(parseRouterosDate('2023-05-01 20:52:13')?.toISOString()).toBe('2023-05-01T23:52:13.000Z');
    expect(parseRouterosDate('jan/02/1970 00:00:00', 0)?.toISOString()).toBe('1970-01-02T00:00:00.000Z');
    expect(parseRouterosDate('abc/01/2023 20:52:13')).toBeNull();
    expect(parseRouterosDate(undefined)).toBeNull();
  });

  it('reads booleans of v6 and v7', () => {
    expect([parseRouterosBoolean('true'), parseRouterosBoolean('yes'), parseRouterosBoolean('false'), parseRouterosBoolean('no')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(parseRouterosBoolean('maybe')).toBeNull();
  });
});

describe('SmartOLT values', () => {
  it('parses dBm strings and refuses placeholders', () => {
    expect(parseDbm('-24.95 dBm')).toBe(-24.95);
    expect(parseDbm('-8')).toBe(-8);
    expect(parseDbm('-')).toBeNull();
    expect(parseDbm('')).toBeNull();
    expect(parseDbm(null)).toBeNull();
  });

  it('maps statuses and categories', () => {
    expect(['Online', 'Offline', 'LOS', 'Power fail', 'Weird'].map(parseOnuStatus)).toEqual([
      'ONLINE',
      'OFFLINE',
      'LOS',
      'POWER_FAIL',
      'UNKNOWN',
    ]);
    expect(['Very good', 'Good', 'Warning', 'Critical', '-'].map(parseSignalCategory)).toEqual([
      'VERY_GOOD',
      'GOOD',
      'WARNING',
      'CRITICAL',
      'UNKNOWN',
    ]);
    expect(parseSmartoltTime('2026-11-27 10:42:00')?.toISOString()).toBe('2026-11-27T13:42:00.000Z');
  });
});

describe('identifiers', () => {
  it('reduces every spelling of an Argentine number to the same 10 digits', () => {
    const spellings = ['+54 9 3541 55-1234', '03541 15-55-1234', '3541551234', '(03541) 15 551234', '5493541551234'];
    expect(new Set(spellings.map(phoneDigits))).toEqual(new Set(['3541551234']));
  });

  it('normalises MACs', () => {
    expect(normalizeMac('aa-bb-cc-dd-ee-ff')).toBe('AA:BB:CC:DD:EE:FF');
    expect(normalizeMac('aabb.ccdd.eeff')).toBe('AA:BB:CC:DD:EE:FF');
    expect(normalizeMac('not a mac')).toBeNull();
  });
});
