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
  const secrets: DiagnosisFacts['secret'][] = [
    { exists: true, disabled: false, debtProfile: false },
    { exists: true, disabled: true, debtProfile: false },
    { exists: true, disabled: false, debtProfile: true },
    { exists: false, disabled: false, debtProfile: false },
  ];
  const all: DiagnosisFacts[] = [];
  for (const matches of [0, 1, 3])
    for (const state of onuStates)
      for (const signal of signals)
        for (const sessionUp of sessions)
          for (const blocked of [false, true])
            for (const incident of [false, true])
              for (const tickets of [0, 3])
                for (const flaps of [0, 9])
                  for (const unreachable of [[], ['SMARTOLT'], ['ROUTEROS']] as DiagnosisFacts['unreachable'][])
                    for (const secret of secrets)
                      all.push(
                        facts({
                          matches,
                          onu: state === null ? null : { state, since, signal, rxPower: -20 },
                          sessionUp,
                          billing: { blocked, debt: blocked ? 1000 : null },
                          incident: incident ? { kind: 'FIBRE_CUT', title: 'Corte' } : null,
                          ticketsLast7Days: tickets,
                          sessionDropsLast24h: flaps,
                          onuChangesLast24h: flaps,
                          unreachable,
                          secret,
                        }),
                      );
  const COMBINATIONS = 3 * 6 * 5 * 3 * 2 * 2 * 2 * 2 * 3 * 4;

  /**
   * What the rules must conclude, written as their order of precedence: the first input
   * that decides, decides. Verdict and first reason per combination.
   */
  function expected(f: DiagnosisFacts): [VerdictValue, string] {
    if (f.matches === 0) return ['NEEDS_HUMAN', 'NOT_FOUND'];
    if (f.matches > 1) return ['NEEDS_HUMAN', 'AMBIGUOUS'];
    if (f.incident) return ['MASS_OUTAGE', 'OPEN_INCIDENT'];
    if (f.billing.blocked || f.secret.debtProfile) return ['BILLING', 'BLOCKED_FOR_DEBT'];
    if (f.onu && ['LOS', 'OFFLINE', 'POWER_FAIL'].includes(f.onu.state)) return ['PHYSICAL', `ONU_${f.onu.state}`];
    if (f.onu && ['CRITICAL', 'OVERLOAD'].includes(f.onu.signal)) return ['PHYSICAL', `SIGNAL_${f.onu.signal}`];
    if (f.onu?.state === 'UNKNOWN' && f.unreachable.includes('SMARTOLT')) return ['UNKNOWN', 'SMARTOLT_UNREACHABLE'];
    if (f.sessionUp === false) {
      if (f.secret.exists && f.secret.disabled) return ['BILLING', 'SECRET_DISABLED'];
      return ['LOGICAL', f.secret.exists ? 'PPPOE_DOWN' : 'NO_PPP_SECRET'];
    }
    if (f.sessionUp === null) return ['UNKNOWN', 'ROUTEROS_UNREACHABLE'];
    if (f.sessionDropsLast24h >= 5)
      return f.onu && f.onuChangesLast24h >= 4 ? ['PHYSICAL', 'ONU_FLAPPING'] : ['LOGICAL', 'SESSION_FLAPPING'];
    if (f.ticketsLast7Days >= 2) return ['NEEDS_HUMAN', 'REPEATED_TICKETS'];
    return ['OK', f.onu?.signal === 'WARNING' ? 'SIGNAL_WARNING' : f.unreachable.length ? `${f.unreachable[0]}_UNREACHABLE` : 'ALL_OK'];
  }

  it(`decides each of ${COMBINATIONS.toLocaleString('en')} combinations by the input that should decide it`, () => {
    expect(all).toHaveLength(COMBINATIONS);
    const seen = new Set<string>();
    for (const f of all) {
      const d = decide(f);
      const [verdict, reason] = expected(f);
      expect({ verdict: d.verdict, reason: d.reasons[0] }, JSON.stringify(f)).toEqual({ verdict, reason });
      seen.add(reason);
      for (const text of [d.summary.es, d.summary.en, d.action.es, d.action.en]) expect(text, JSON.stringify(f)).toMatch(/\S{3}/);
      // A field visit only for the physical layer, or to escalate a repeat complaint.
      expect(d.action.visit).toBe(verdict === 'PHYSICAL' || reason === 'REPEATED_TICKETS');
    }
    // Every branch of the rules was reached.
    for (const reason of ['NOT_FOUND', 'AMBIGUOUS', 'BLOCKED_FOR_DEBT', 'SECRET_DISABLED', 'NO_PPP_SECRET', 'PPPOE_DOWN', 'ALL_OK'])
      expect(seen).toContain(reason);
  });

  it('only says the ONU is online when it is', () => {
    for (const f of all) {
      const d = decide(f);
      if (f.onu?.state !== 'ONLINE') {
        expect(d.summary.en, JSON.stringify(f)).not.toMatch(/ONU online/);
        expect(d.summary.es, JSON.stringify(f)).not.toMatch(/ONU online/);
      }
    }
  });

  it('sends customers on the debt profile to billing like blocked ones', () => {
    for (const f of all.filter((x) => x.matches === 1 && !x.incident && x.secret.debtProfile)) {
      const d = decide(f);
      expect(d).toMatchObject({ verdict: 'BILLING', action: { visit: false, ticketType: 'ADMINISTRATIVE' } });
      expect(d.reasons[0]).toBe('BLOCKED_FOR_DEBT');
    }
  });

  it('never sends a technician for one customer during an outage', () => {
    for (const f of all.filter((x) => x.incident && x.matches === 1))
      expect(decide(f)).toMatchObject({ verdict: 'MASS_OUTAGE', action: { visit: false } });
  });

  it('sends blocked customers to billing (outages aside), never to the field', () => {
    for (const f of all.filter((x) => x.billing.blocked && !x.incident && x.matches === 1))
      expect(decide(f)).toMatchObject({ verdict: 'BILLING', action: { visit: false } });
  });

  it('calls a dark ONU physical, with a visit, whatever the PPPoE says', () => {
    for (const f of all.filter(
      (x) =>
        x.matches === 1 &&
        !x.incident &&
        !x.billing.blocked &&
        !x.secret.debtProfile &&
        x.onu &&
        ['LOS', 'OFFLINE', 'POWER_FAIL'].includes(x.onu.state),
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
    for (const f of all.filter((x) => x.unreachable.length && x.matches === 1)) {
      expect(decide(f).reasons).toContain(`${f.unreachable[0]}_UNREACHABLE`);
    }
  });

  it('blames the router, not the fibre, when the ONU is fine and PPPoE is down', () => {
    for (const f of all.filter(
      (x) =>
        x.matches === 1 &&
        !x.incident &&
        !x.billing.blocked &&
        !x.secret.debtProfile &&
        x.onu?.state === 'ONLINE' &&
        ['GOOD', 'WARNING'].includes(x.onu.signal) &&
        x.sessionUp === false,
    )) {
      expect(decide(f).verdict).toBe(f.secret.exists && f.secret.disabled ? 'BILLING' : 'LOGICAL');
    }
  });

  it('suggests the device action that fits, and none where only a person or a visit can help', () => {
    const expectedDevice = (f: DiagnosisFacts): string | null => {
      const reason = expected(f)[1];
      if (reason === 'BLOCKED_FOR_DEBT') return f.billing.blocked ? null : 'SET_SECRET_PROFILE';
      if (reason === 'SECRET_DISABLED') return 'ENABLE_SECRET';
      if (reason === 'PPPOE_DOWN') return f.onu?.state === 'ONLINE' ? 'REBOOT_ONU' : null;
      return null;
    };
    const seen = new Set<string | null>();
    for (const f of all) {
      const d = decide(f);
      expect(d.device, JSON.stringify(f)).toBe(expectedDevice(f));
      seen.add(d.device);
      // Never an action on a device during an outage, for a blocked customer or a dark ONU.
      if (f.incident || f.billing.blocked) expect(d.device).toBeNull();
      if (d.verdict === 'PHYSICAL') expect(d.device).toBeNull();
    }
    expect([...seen].sort()).toEqual(['ENABLE_SECRET', 'REBOOT_ONU', 'SET_SECRET_PROFILE', null].sort());
  });
});

describe('device suggestions from facts the combinations leave out', () => {
  it('a session that is up but carries nothing is stuck: disconnect it', () => {
    const d = decide(facts({ traffic: { downBps: 0, upBps: 300 } }));
    expect(d).toMatchObject({ verdict: 'LOGICAL', reasons: ['SESSION_STUCK'], device: 'DISCONNECT_SESSION', action: { visit: false } });
    expect(decide(facts({ traffic: { downBps: 4_000_000, upBps: 300 } }))).toMatchObject({ verdict: 'OK', device: null });
  });

  it('an ONU disabled from Emerald is not a fibre problem: enable it, no visit', () => {
    const d = decide(facts({ onu: { state: 'OFFLINE', since, signal: 'UNKNOWN', rxPower: null, adminDisabled: true }, sessionUp: false }));
    expect(d).toMatchObject({ verdict: 'LOGICAL', reasons: ['ONU_DISABLED'], device: 'ENABLE_ONU', action: { visit: false } });
    // The same ONU offline without that record is physical.
    const dark = decide(facts({ onu: { state: 'OFFLINE', since, signal: 'UNKNOWN', rxPower: null }, sessionUp: false }));
    expect(dark).toMatchObject({ verdict: 'PHYSICAL', device: null });
  });
});
