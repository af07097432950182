/**
 * When many units drop together, one cause explains them: an incident. Pure rules; the
 * database side is in incidents/correlate.ts.
 *
 * - Opening: at least `minUnits` units down for the same cause within `windowSeconds`, and
 *   at least `minShare` of the units of the group (a PON port, a router's sessions).
 * - Clearing, with hysteresis: `clearShare` of the affected units are back, and have stayed
 *   back for `clearHoldSeconds`; a relapse in between resets the hold. An incident of the same
 *   cause and place that cleared less than `windowSeconds` ago is reopened rather than a new
 *   one opened, so a flapping splitter is one incident, not ten.
 */
export type IncidentKindValue = 'FIBRE_CUT' | 'POWER_OUTAGE' | 'ROUTER_OUTAGE';

export interface IncidentThresholds {
  minUnits: number;
  minShare: number;
  windowSeconds: number;
  clearShare: number;
  clearHoldSeconds: number;
}

/** The incident an ONU state stands for, if it is an outage state at all. */
export function causeOfOnuStatus(status: string): IncidentKindValue | null {
  if (status === 'LOS') return 'FIBRE_CUT';
  if (status === 'POWER_FAIL') return 'POWER_OUTAGE';
  return null;
}

/** Is `down` out of `total` units, all dropped within the window, an outage? */
export function isOutage(down: number, total: number, t: Pick<IncidentThresholds, 'minUnits' | 'minShare'>): boolean {
  return total > 0 && down >= t.minUnits && down / total >= t.minShare;
}

export type ClearDecision = { action: 'clear' } | { action: 'hold'; since: Date } | { action: 'open' };

/**
 * Whether an open incident clears now. `recoveringSince` is when the recovered share last
 * reached `clearShare` (null if it has not, or fell back below).
 */
export function clearDecision(
  affected: number,
  recovered: number,
  recoveringSince: Date | null,
  now: Date,
  t: Pick<IncidentThresholds, 'clearShare' | 'clearHoldSeconds'>,
): ClearDecision {
  if (affected === 0 || recovered / affected < t.clearShare) return { action: 'open' };
  const since = recoveringSince ?? now;
  if (now.getTime() - since.getTime() >= t.clearHoldSeconds * 1000) return { action: 'clear' };
  return { action: 'hold', since };
}

const KIND_ES: Record<IncidentKindValue, string> = {
  FIBRE_CUT: 'Corte de fibra',
  POWER_OUTAGE: 'Corte de energía',
  ROUTER_OUTAGE: 'Caída de PPPoE',
};

/** Title in the users' language, e.g. "Corte de fibra OLT-Centro 0/3 (12 ONUs)". */
export function incidentTitle(kind: IncidentKindValue, place: string, units: number): string {
  const what = kind === 'ROUTER_OUTAGE' ? 'sesiones' : 'ONUs';
  return `${KIND_ES[kind]} ${place} (${units} ${what})`;
}
