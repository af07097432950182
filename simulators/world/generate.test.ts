import { describe, expect, it } from 'vitest';
import { asciiSlug, cuitCheckDigit, generateWorld } from './generate.ts';
import { routerosDate, routerosDuration, smartoltOnuDetails } from './views.ts';

const now = new Date('2026-11-27T15:00:00Z');

describe('world generator', () => {
  it('is deterministic: same seed, size and clock give the same world', () => {
    const a = generateWorld({ seed: 7, subscribers: 300, now });
    const b = generateWorld({ seed: 7, subscribers: 300, now });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = generateWorld({ seed: 8, subscribers: 300, now });
    expect(c.customers[0]!.name === a.customers[0]!.name && c.customers[1]!.name === a.customers[1]!.name).toBe(false);
  });

  it('scales from 10 to large worlds with routers and OLTs in proportion', () => {
    const small = generateWorld({ seed: 1, subscribers: 10, now });
    expect(small.customers).toHaveLength(10);
    expect(small.routers.length).toBeGreaterThanOrEqual(1);
    expect(small.olts.length).toBeGreaterThanOrEqual(1);
    const big = generateWorld({ seed: 1, subscribers: 20_000, now });
    expect(big.customers).toHaveLength(20_000);
    expect(big.routers.length).toBe(8);
    // PON ports stay within what real OLTs carry (≤ 128 ONUs).
    const perPort = new Map<string, number>();
    for (const o of big.onus) perPort.set(`${o.oltId}/${o.board}/${o.port}`, (perPort.get(`${o.oltId}/${o.board}/${o.port}`) ?? 0) + 1);
    expect(Math.max(...perPort.values())).toBeLessThanOrEqual(128);
  });

  it('agrees across vendor views on the PPPoE username', () => {
    const w = generateWorld({ seed: 42, subscribers: 2000, now });
    const users = new Set(w.connections.map((c) => c.user));
    expect(users.size).toBe(w.connections.length);
    const linkedSecrets = w.secrets.filter((s) => s.connectionId !== null);
    for (const s of linkedSecrets) expect(users.has(s.name)).toBe(true);
    for (const s of w.sessions) expect(w.secrets.some((x) => x.routerId === s.routerId && x.name === s.name)).toBe(true);
    const linkedOnus = w.onus.filter((o) => o.connectionId !== null);
    for (const o of linkedOnus) expect(users.has(o.name.trim().toLowerCase())).toBe(true);
    // Every fibre connection has exactly one ONU.
    const fibre = w.connections.filter((c) => c.technology === 'fibre');
    expect(linkedOnus.length).toBe(fibre.length);
  });

  it('keeps the messiness of real data', () => {
    const w = generateWorld({ seed: 42, subscribers: 2000, now });
    const users = new Set(w.connections.map((c) => c.user));
    expect(w.secrets.filter((s) => !users.has(s.name)).length).toBeGreaterThan(5); // unlinked secrets
    expect(w.onus.filter((o) => o.connectionId === null).length).toBeGreaterThan(5); // ONUs without connection
    const ext = w.onus.map((o) => o.externalId);
    expect(new Set(ext).size).toBeLessThan(ext.length); // duplicate unique_external_id
    expect(w.onus.some((o) => o.connectionId !== null && o.name !== o.name.trim().toLowerCase())).toBe(true); // hand-typed names
    expect(w.connections.filter((c) => !w.secrets.some((s) => s.name === c.user)).length).toBeGreaterThan(0); // missing secrets
    expect(new Set(w.customers.map((c) => c.status))).toEqual(new Set(['enabled', 'blocked', 'no_service']));
  });

  it('writes Argentine identities: valid CUIT check digits, accents, local phones', () => {
    const w = generateWorld({ seed: 42, subscribers: 2000, now });
    const cuits = w.customers.filter((c) => c.docNumber.length === 11);
    expect(cuits.length).toBeGreaterThan(100);
    for (const c of cuits) expect(Number(c.docNumber[10])).toBe(cuitCheckDigit(c.docNumber.slice(0, 2), c.docNumber.slice(2, 10)));
    expect(w.customers.some((c) => /[áéíóúñÁÉÍÓÚÑ]/.test(c.name))).toBe(true);
    expect(w.customers.flatMap((c) => c.phones).every((p) => /\d{6}/.test(p.replace(/\D/g, '')))).toBe(true);
    expect(asciiSlug('Núñez Peña')).toBe('nunezpena');
  });

  it('formats vendor values as the vendors do', () => {
    expect(routerosDuration((1 * 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000)).toBe('1w2d3h4m5s');
    expect(routerosDate(new Date('2023-05-01T23:52:13Z'), 'legacy')).toBe('may/01/2023 20:52:13');
    expect(routerosDate(new Date('2023-05-01T23:52:13Z'), 'iso')).toBe('2023-05-01 20:52:13');
    const w = generateWorld({ seed: 3, subscribers: 50, now });
    const details = smartoltOnuDetails(w.onus[0]!, w.olts[0]!);
    expect(typeof details.olt_id).toBe('string');
    expect(String(details.signal_1490)).toMatch(/^(-\d+\.\d\d dBm|-)$/);
  });
});
