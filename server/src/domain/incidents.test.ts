import { describe, expect, it } from 'vitest';
import { causeOfOnuStatus, clearDecision, incidentTitle, isOutage } from './incidents.ts';

const t = { minUnits: 4, minShare: 0.3, clearShare: 0.8, clearHoldSeconds: 120 };

describe('isOutage', () => {
  it.each([
    // down, total, outage?
    [0, 0, false],
    [3, 3, false], // too few units, even if all of them
    [4, 64, false], // 6 %: four unlucky customers, not a cut
    [4, 13, true], // 31 %
    [4, 14, false], // 29 %
    [20, 64, true],
    [64, 64, true],
  ])('%i down of %i → %s', (down, total, expected) => {
    expect(isOutage(down, total, t)).toBe(expected);
  });
});

describe('clearDecision', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  it.each([
    // affected, recovered, recovering since (s ago), decision
    [10, 0, null, 'open'],
    [10, 7, null, 'open'], // 70 % < 80 %
    [10, 7, 300, 'open'], // fell back below: the hold resets
    [10, 8, null, 'hold'], // just reached 80 %: start holding
    [10, 8, 60, 'hold'],
    [10, 8, 120, 'clear'],
    [10, 10, 500, 'clear'],
    [0, 0, null, 'open'],
  ] as const)('%i affected, %i back, since %s s → %s', (affected, recovered, since, expected) => {
    const d = clearDecision(affected, recovered, since === null ? null : ago(since), now, t);
    expect(d.action).toBe(expected);
    if (d.action === 'hold') expect(d.since.getTime()).toBe((since === null ? now : ago(since)).getTime());
  });
});

describe('causes and titles', () => {
  it('maps ONU states to causes', () => {
    expect(['ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN'].map(causeOfOnuStatus)).toEqual([
      null,
      null,
      'FIBRE_CUT',
      'POWER_OUTAGE',
      null,
    ]);
  });
  it('titles incidents in Spanish with the place and the size', () => {
    expect(incidentTitle('FIBRE_CUT', 'OLT-Centro 0/3', 12)).toBe('Corte de fibra OLT-Centro 0/3 (12 ONUs)');
    expect(incidentTitle('ROUTER_OUTAGE', 'NAS-1', 400)).toBe('Caída de PPPoE NAS-1 (400 sesiones)');
  });
});
