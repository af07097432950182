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

/** The ONU state an incident kind stands for (ROUTER_OUTAGE: none, the ONUs stay online). */
export function onuStatusOfCause(kind: IncidentKindValue): 'LOS' | 'POWER_FAIL' | null {
  if (kind === 'FIBRE_CUT') return 'LOS';
  if (kind === 'POWER_OUTAGE') return 'POWER_FAIL';
  return null;
}

/** What is known of a router's sessions that ended together, beyond how many. */
export interface RouterDropShape {
  /** Sessions that ended (not explained by a known-down ONU or an incident of their port). */
  ended: number;
  /** Of them, sessions without an ONU (wireless, unlinked). */
  withoutOnu: number;
  /** Distinct OLTs and PON ports of their ONUs. */
  olts: number;
  ports: number;
  /** The largest number of them on one PON port. */
  largestPort: number;
  /** Ended by the router itself (admin-disconnect, nas-request). */
  routerInitiated: number;
  /** Whether the router answers the API. */
  reachable: boolean;
}

/**
 * Whether sessions of a router ending together are the router's own outage rather than the
 * access network's. A fibre cut or an OLT power cut drops the sessions of one port or one
 * OLT; a BRAS restart, an authentication failure or an uplink loss drops them across the
 * OLTs it serves (and the wireless ones with no ONU at all). When the shape cannot tell —
 * a router behind a single OLT — it is left to the port-level path, whose SmartOLT read
 * separates the two (ONUs online with sessions down → ROUTER_OUTAGE).
 */
export function isRouterWide(d: RouterDropShape): boolean {
  if (d.ended === 0) return false;
  if (!d.reachable) return true;
  if (d.routerInitiated / d.ended >= 0.5) return true;
  if (d.withoutOnu / d.ended >= 0.5) return true;
  if (d.olts >= 2) return true;
  return d.ports >= 3 && d.largestPort / d.ended < 0.5;
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

/** Title of a suspected outage, before its cause is confirmed: "Posible corte OLT-Centro 0/3 (12 sesiones caídas)". */
export function suspectedTitle(place: string, sessions: number): string {
  return `Posible corte ${place} (${sessions} sesiones caídas)`;
}

/** Title in the users' language, e.g. "Corte de fibra OLT-Centro 0/3 (12 ONUs)". */
export function incidentTitle(kind: IncidentKindValue, place: string, units: number): string {
  const what = kind === 'ROUTER_OUTAGE' ? 'sesiones' : 'ONUs';
  return `${KIND_ES[kind]} ${place} (${units} ${what})`;
}

/** What a targeted SmartOLT read says of a suspected outage. */
export interface SuspectEvidence {
  /** Affected units whose ONU SmartOLT now reports in each state. */
  los: number;
  powerFail: number;
  offline: number;
  online: number;
  /** Affected units with no ONU (wireless, not linked): they say nothing about the fibre. */
  withoutOnu: number;
  /** Affected PPPoE sessions that are up again. */
  sessionsBack: number;
  affected: number;
  /** 1 for the first read after the drops, 2 for the re-check. */
  read: number;
}

export type SuspectVerdict =
  | { action: 'classify'; kind: IncidentKindValue; reason: string }
  | { action: 'withdraw'; reason: string }
  | { action: 'recheck'; reason: string };

/**
 * Confirm, reclassify or withdraw a SUSPECTED incident from a targeted read. ONUs in LOS
 * mean the fibre (FIBRE_CUT); dying gasps mean mains power (POWER_OUTAGE); ONUs online while
 * their sessions stay down mean the router or authentication side (ROUTER_OUTAGE) — read
 * twice before concluding that, as SmartOLT may lag the OLT by a few seconds; sessions back
 * with the ONUs online mean it was not an outage at all (a planned restart, a BRAS reset).
 */
export function classifySuspected(e: SuspectEvidence, t: Pick<IncidentThresholds, 'minUnits' | 'minShare'>): SuspectVerdict {
  const withOnu = e.affected - e.withoutOnu;
  const down = e.los + e.powerFail;
  if (withOnu > 0 && down >= Math.min(t.minUnits, withOnu) && down / withOnu >= t.minShare) {
    const kind = e.los >= e.powerFail ? 'FIBRE_CUT' : 'POWER_OUTAGE';
    return {
      action: 'classify',
      kind,
      reason: kind === 'FIBRE_CUT' ? `${e.los} of ${withOnu} ONUs in LOS` : `${e.powerFail} of ${withOnu} ONUs in power fail`,
    };
  }
  if (e.affected > 0 && e.sessionsBack / e.affected >= 0.8) {
    return { action: 'withdraw', reason: `${e.sessionsBack} of ${e.affected} sessions back and their ONUs online: no outage` };
  }
  if (e.read < 2)
    return { action: 'recheck', reason: `${e.online} of ${withOnu} ONUs online while their sessions are down: reading again` };
  return {
    action: 'classify',
    kind: 'ROUTER_OUTAGE',
    reason: `${e.online} ONUs online, ${e.affected - e.sessionsBack} sessions still down: router or authentication side`,
  };
}

/** Whether an incident grew enough since people were last told to tell them again. */
export function grewSignificantly(notified: number, now: number, factor: number): boolean {
  return notified > 0 && now >= notified * factor && now - notified >= 5;
}

export interface Place {
  oltId: number | null;
  ponPortId: number | null;
  routerId: number | null;
}

export interface WindowScope extends Place {
  startsAt: Date;
  endsAt: Date;
  cancelled: boolean;
}

/** Whether a maintenance window covers an incident at `place` at `at` (an OLT window covers its ports). */
export function windowCovers(w: WindowScope, place: Place, at: Date): boolean {
  if (w.cancelled || at < w.startsAt || at >= w.endsAt) return false;
  if (w.ponPortId !== null) return place.ponPortId === w.ponPortId;
  if (w.oltId !== null) return place.oltId === w.oltId;
  if (w.routerId !== null) return place.routerId === w.routerId;
  return true; // a window with no place: everything (a network-wide change)
}

/** What a PON port's cell on the dashboard says the NOC must act on (most urgent first). */
export type PortHealthValue = 'INCIDENT' | 'PLANNED' | 'DOWN' | 'SIGNAL' | 'OK' | 'EMPTY';

export interface PortHealthThresholds {
  /** Share of the port's ONUs in LOS or power fail (at least two) that needs a look. */
  downShare: number;
  /** Share of its online ONUs with a critical or overloaded signal (at least two). */
  signalShare: number;
}

/**
 * A port's state for the NOC. ONUs that are merely offline (a customer switched the ONU
 * off) never colour a port: on a real network some always are, and a colour that is
 * always on means nothing. What does: an incident going on (or a planned one), a share of
 * the port dark (LOS, power fail) without an incident yet, a share with bad light.
 */
export function portHealth(
  c: { total: number; online: number; los: number; powerFail: number; badSignal: number },
  incident: { planned: boolean } | null,
  t: PortHealthThresholds,
): PortHealthValue {
  if (incident) return incident.planned ? 'PLANNED' : 'INCIDENT';
  if (!c.total) return 'EMPTY';
  const down = c.los + c.powerFail;
  if (down >= 2 && down / c.total >= t.downShare) return 'DOWN';
  if (c.online > 0 && c.badSignal >= 2 && c.badSignal / c.online >= t.signalShare) return 'SIGNAL';
  return 'OK';
}
