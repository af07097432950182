import { describe, expect, it } from 'vitest';
import {
  causeOfOnuStatus,
  classifySuspected,
  clearDecision,
  grewSignificantly,
  incidentTitle,
  isOutage,
  isRouterWide,
  onuStatusOfCause,
  portHealth,
  type SuspectEvidence,
  suspectedTitle,
  windowCovers,
} from './incidents.ts';

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

describe('classifySuspected (the targeted read after a burst of PPPoE drops)', () => {
  const e = (x: Partial<SuspectEvidence>): SuspectEvidence => ({
    los: 0,
    powerFail: 0,
    offline: 0,
    online: 0,
    withoutOnu: 0,
    sessionsBack: 0,
    affected: 0,
    read: 1,
    ...x,
  });
  it('confirms a fibre cut when the ONUs are in LOS', () => {
    expect(classifySuspected(e({ affected: 20, los: 19, online: 1 }), t)).toEqual({
      action: 'classify',
      kind: 'FIBRE_CUT',
      reason: '19 of 20 ONUs in LOS',
    });
  });
  it('tells a power cut by the dying gasps, even with some LOS among them', () => {
    expect(classifySuspected(e({ affected: 20, los: 5, powerFail: 15 }), t)).toMatchObject({ action: 'classify', kind: 'POWER_OUTAGE' });
  });
  it('judges the fibre only by the units that have an ONU', () => {
    // 6 wireless customers say nothing about the fibre: 4 of 4 ONUs in LOS is a cut.
    expect(classifySuspected(e({ affected: 10, withoutOnu: 6, los: 4 }), t)).toMatchObject({ action: 'classify', kind: 'FIBRE_CUT' });
  });
  it('withdraws when the sessions came back with their ONUs online (a BRAS reset, a planned restart)', () => {
    expect(classifySuspected(e({ affected: 20, online: 20, sessionsBack: 17 }), t)).toMatchObject({ action: 'withdraw' });
  });
  it('reads again before blaming the router, then blames it', () => {
    const online = e({ affected: 20, online: 20, sessionsBack: 2 });
    expect(classifySuspected(online, t)).toMatchObject({ action: 'recheck' });
    expect(classifySuspected({ ...online, read: 2 }, t)).toMatchObject({ action: 'classify', kind: 'ROUTER_OUTAGE' });
  });
  it('does not take two LOS among twenty online ONUs for a cut', () => {
    expect(classifySuspected(e({ affected: 20, los: 2, online: 18, read: 2 }), t)).toMatchObject({
      action: 'classify',
      kind: 'ROUTER_OUTAGE',
    });
  });
});

describe('isRouterWide (a router failing, or the access network under it)', () => {
  const shape = { ended: 100, withoutOnu: 0, olts: 1, ports: 1, largestPort: 100, routerInitiated: 0, reachable: true };
  it.each([
    ['one PON port', shape, false],
    ['two ports of one OLT (a feeder cable)', { ...shape, ports: 2, largestPort: 60 }, false],
    ['many ports of one OLT, none dominant', { ...shape, ports: 8, largestPort: 15 }, true],
    ['one port dominant among many', { ...shape, ports: 4, largestPort: 70 }, false],
    ['two OLTs', { ...shape, olts: 2, ports: 2, largestPort: 50 }, true],
    ['the router stopped answering', { ...shape, reachable: false }, true],
    ['the router ended them itself', { ...shape, routerInitiated: 60 }, true],
    ['mostly wireless customers', { ...shape, withoutOnu: 70, largestPort: 30 }, true],
    ['nothing ended', { ...shape, ended: 0, largestPort: 0 }, false],
  ])('%s → %s', (_name, s, expected) => {
    expect(isRouterWide(s)).toBe(expected);
  });
});

describe('growth, maintenance windows, titles', () => {
  it('tells people again when an incident grew by the factor and by at least five units', () => {
    expect(grewSignificantly(10, 14, 1.5)).toBe(false);
    expect(grewSignificantly(10, 15, 1.5)).toBe(true);
    expect(grewSignificantly(4, 6, 1.5)).toBe(false); // +2: noise at this size
    expect(grewSignificantly(4, 9, 1.5)).toBe(true);
    expect(grewSignificantly(0, 50, 1.5)).toBe(false); // nobody was told of anything yet
  });

  it('covers a port by its own window, by its OLT’s, or by a network-wide one; not by another port’s or a cancelled one', () => {
    const at = new Date('2026-11-29T03:00:00Z');
    const w = {
      oltId: null,
      ponPortId: null,
      routerId: null,
      startsAt: new Date('2026-11-29T02:00:00Z'),
      endsAt: new Date('2026-11-29T04:00:00Z'),
      cancelled: false,
    };
    const place = { oltId: 1, ponPortId: 7, routerId: null };
    expect(windowCovers({ ...w, ponPortId: 7 }, place, at)).toBe(true);
    expect(windowCovers({ ...w, ponPortId: 8 }, place, at)).toBe(false);
    expect(windowCovers({ ...w, oltId: 1 }, place, at)).toBe(true);
    expect(windowCovers({ ...w, oltId: 2 }, place, at)).toBe(false);
    expect(windowCovers({ ...w, routerId: 3 }, place, at)).toBe(false);
    expect(windowCovers({ ...w, routerId: 3 }, { oltId: null, ponPortId: null, routerId: 3 }, at)).toBe(true);
    expect(windowCovers(w, place, at)).toBe(true);
    expect(windowCovers({ ...w, cancelled: true }, place, at)).toBe(false);
    expect(windowCovers(w, place, w.endsAt)).toBe(false); // the end is not inside
    expect(windowCovers(w, place, new Date('2026-11-29T01:59:59Z'))).toBe(false);
  });

  it('maps kinds back to ONU states and titles suspected incidents by their sessions', () => {
    expect(onuStatusOfCause('FIBRE_CUT')).toBe('LOS');
    expect(onuStatusOfCause('POWER_OUTAGE')).toBe('POWER_FAIL');
    expect(onuStatusOfCause('ROUTER_OUTAGE')).toBeNull();
    expect(suspectedTitle('OLT-Centro 0/3', 12)).toBe('Posible corte OLT-Centro 0/3 (12 sesiones caídas)');
  });
});

describe('portHealth (the colour of a PON port on the dashboard)', () => {
  const t2 = { downShare: 0.1, signalShare: 0.2 };
  const port = { total: 64, online: 60, los: 0, powerFail: 0, badSignal: 0 };
  it.each([
    ['an incident going on', port, { planned: false }, 'INCIDENT'],
    ['a planned one', port, { planned: true }, 'PLANNED'],
    ['customers who switched their ONU off', { ...port, online: 50 }, null, 'OK'],
    ['one ONU in LOS (one customer’s problem)', { ...port, los: 1 }, null, 'OK'],
    ['7 of 64 dark without an incident yet', { ...port, los: 4, powerFail: 3 }, null, 'DOWN'],
    ['6 of 64 dark', { ...port, los: 6 }, null, 'OK'],
    ['a quarter of the light bad', { ...port, badSignal: 15 }, null, 'SIGNAL'],
    ['one bad signal on a small port', { total: 4, online: 4, los: 0, powerFail: 0, badSignal: 1 }, null, 'OK'],
    ['no ONUs', { total: 0, online: 0, los: 0, powerFail: 0, badSignal: 0 }, null, 'EMPTY'],
  ] as const)('%s → %s', (_name, c, incident, expected) => {
    expect(portHealth(c, incident, t2)).toBe(expected);
  });
});
