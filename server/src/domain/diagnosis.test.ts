/** The diagnosis rules over every combination of their inputs, and the cases support sees daily. */
import { describe, expect, it } from 'vitest';
import { decide, type DiagnosisFacts, type OnuState, type VerdictValue } from './diagnosis.ts';
import type { SignalLevel } from './optical.ts';

const since = new Date('2026-11-27T10:42:00Z');
const base: DiagnosisFacts = {
  matches: 1,
  billing: { blocked: false, debt: null },
  secret: { exists: true, disabled: false, debtProfile: false },
  onu: { state: 'ONLINE', since, signal: 'GOOD', rxPower: -19.5 },
  sessionUp: true,
  incident: null,
  ticketsLast7Days: 0,
  sessionDropsLast24h: 0,
  onuChangesLast24h: 0,
  unreachable: [],
};
const facts = (patch: Partial<DiagnosisFacts>): DiagnosisFacts => ({ ...base, ...patch });

describe('the cases support sees every day', () => {
  it.each<[string, Partial<DiagnosisFacts>, VerdictValue, RegExp, boolean]>([
    ['all fine', {}, 'OK', /ONU online, PPPoE up → likely Wi-Fi/, false],
    [
      'ONU LOS since 10:42',
      { onu: { state: 'LOS', since, signal: 'UNKNOWN', rxPower: null }, sessionUp: false },
      'PHYSICAL',
      /^ONU in LOS since 10:42 → fibre problem, visit needed$/,
      true,
    ],
    ['ONU online, PPPoE down', { sessionUp: false }, 'LOGICAL', /^ONU online, PPPoE down → router or authentication problem$/, false],
    [
      'critical signal',
      { onu: { state: 'ONLINE', since, signal: 'CRITICAL', rxPower: -28.4 } },
      'PHYSICAL',
      /critical \(-28.4 dBm\)/,
      true,
    ],
    [
      'blocked for debt',
      { billing: { blocked: true, debt: 35000 }, sessionUp: false },
      'BILLING',
      /blocked for debt \(debt \$35000\)/,
      false,
    ],
    [
      'fibre cut on the PON port',
      {
        incident: { kind: 'FIBRE_CUT', title: 'Corte de fibra OLT-1 0/3 (12 ONUs)' },
        onu: { state: 'LOS', since, signal: 'UNKNOWN', rxPower: null },
      },
      'MASS_OUTAGE',
      /ongoing outage: Corte de fibra/,
      false,
    ],
    ['third ticket this week', { ticketsLast7Days: 2 }, 'NEEDS_HUMAN', /complaint 3 in 7 days/, true],
    [
      'router unreachable, nothing mirrored',
      { sessionUp: null, unreachable: ['ROUTEROS'] },
      'UNKNOWN',
      /the router is not answering/,
      false,
    ],
    ['several connections match', { matches: 3 }, 'NEEDS_HUMAN', /3 connections match/, false],
    ['PPPoE flapping, ONU stable', { sessionDropsLast24h: 9 }, 'LOGICAL', /9 drops in 24 h/, false],
    ['ONU flapping', { sessionDropsLast24h: 9, onuChangesLast24h: 8 }, 'PHYSICAL', /loose fibre/, true],
    [
      'disabled secret',
      { secret: { exists: true, disabled: true, debtProfile: false }, sessionUp: false },
      'BILLING',
      /disabled on the router/,
      false,
    ],
  ])('%s', (_name, patch, verdict, summary, visit) => {
    const d = decide(facts(patch));
    expect(d.verdict).toBe(verdict);
    expect(d.summary.en).toMatch(summary);
    expect(d.summary.es.length).toBeGreaterThan(10);
    expect(d.action.visit).toBe(visit);
  });
});

describe('every combination', () => {
  const onuStates: (OnuState | null)[] = [null, 'ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN'];
  const signals: SignalLevel[] = ['GOOD', 'WARNING', 'CRITICAL', 'OVERLOAD', 'UNKNOWN'];
  const sessions = [true, false, null];
  const all: DiagnosisFacts[] = [];
  for (const state of onuStates)
    for (const signal of signals)
      for (const sessionUp of sessions)
        for (const blocked of [false, true])
          for (const incident of [false, true])
            for (const tickets of [0, 3])
              for (const flaps of [0, 9])
                for (const unreachable of [[], ['SMARTOLT'], ['ROUTEROS']] as DiagnosisFacts['unreachable'][])
                  for (const disabled of [false, true])
                    all.push(
                      facts({
                        onu: state === null ? null : { state, since, signal, rxPower: -20 },
                        sessionUp,
                        billing: { blocked, debt: blocked ? 1000 : null },
                        incident: incident ? { kind: 'FIBRE_CUT', title: 'Corte' } : null,
                        ticketsLast7Days: tickets,
                        sessionDropsLast24h: flaps,
                        onuChangesLast24h: flaps,
                        unreachable,
                        secret: { exists: true, disabled, debtProfile: false },
                      }),
                    );

  it(`covers ${6 * 5 * 3 * 2 * 2 * 2 * 2 * 3 * 2} combinations with a verdict, a summary in both languages and an action`, () => {
    expect(all).toHaveLength(6 * 5 * 3 * 2 * 2 * 2 * 2 * 3 * 2);
    for (const f of all) {
      const d = decide(f);
      expect(d.summary.es).not.toBe('');
      expect(d.summary.en).not.toBe('');
      expect(d.reasons.length).toBeGreaterThan(0);
    }
  });

  it('never sends a technician for one customer during an outage', () => {
    for (const f of all.filter((x) => x.incident)) expect(decide(f)).toMatchObject({ verdict: 'MASS_OUTAGE', action: { visit: false } });
  });

  it('sends blocked customers to billing (outages aside), never to the field', () => {
    for (const f of all.filter((x) => x.billing.blocked && !x.incident))
      expect(decide(f)).toMatchObject({ verdict: 'BILLING', action: { visit: false } });
  });

  it('calls a dark ONU physical, with a visit, whatever the PPPoE says', () => {
    for (const f of all.filter(
      (x) => !x.incident && !x.billing.blocked && x.onu && ['LOS', 'OFFLINE', 'POWER_FAIL'].includes(x.onu.state),
    )) {
      expect(decide(f)).toMatchObject({ verdict: 'PHYSICAL', action: { visit: true } });
    }
  });

  it('never says OK when the session is down or unknown, or the signal is critical', () => {
    for (const f of all) {
      const d = decide(f);
      if (f.sessionUp !== true || (f.onu && ['CRITICAL', 'OVERLOAD'].includes(f.onu.signal))) expect(d.verdict).not.toBe('OK');
    }
  });

  it('says which source it could not reach whenever one was down', () => {
    for (const f of all.filter((x) => x.unreachable.length)) {
      expect(decide(f).reasons).toContain(`${f.unreachable[0]}_UNREACHABLE`);
    }
  });

  it('blames the router, not the fibre, when the ONU is fine and PPPoE is down', () => {
    for (const f of all.filter(
      (x) =>
        !x.incident &&
        !x.billing.blocked &&
        x.onu?.state === 'ONLINE' &&
        ['GOOD', 'WARNING'].includes(x.onu.signal) &&
        x.sessionUp === false,
    )) {
      expect(decide(f).verdict).toBe(f.secret.disabled ? 'BILLING' : 'LOGICAL');
    }
  });
});
