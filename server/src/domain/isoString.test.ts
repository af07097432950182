import { describe, expect, it } from 'vitest';
import { isoString } from './isoString.ts';

describe('isoString', () => {
  it('writes what toISOString writes, at the edges of months, leap years and its range', () => {
    const edges = [
      0,
      -1,
      1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(1900, 2, 1),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2025, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 1),
      Date.UTC(1600, 1, 29),
      -62_167_219_200_000, // 0000-01-01
      -62_167_219_200_001, // year -1: the built-in's own form
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // 10000: the built-in's own form
      8.64e15,
    ];
    for (const ms of edges) expect(isoString(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes what toISOString writes for 400,000 instants across 24,000 years', () => {
    let seed = 20261130;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const wrong: number[] = [];
    for (let i = 0; i < 400_000; i++) {
      // Half over ±12,000 years, half within ±14 months of the epoch (every day of a few years).
      const span = i % 2 ? 3.8e14 : 3.7e10;
      const ms = Math.floor((random() * 2 - 1) * span);
      if (isoString(ms) !== new Date(ms).toISOString()) wrong.push(ms);
    }
    expect(wrong).toEqual([]);
  });

  it('hands an invalid instant to the built-in, which refuses it', () => {
    expect(() => isoString(Number.NaN)).toThrow(RangeError);
  });
});
