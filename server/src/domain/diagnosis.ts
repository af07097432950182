/**
 * The diagnosis rules: facts about one connection in, a verdict with its reasons and the
 * suggested action out. Pure; diagnosis/diagnose.ts gathers the facts (live where it can,
 * from the mirror where it must) and the evidence behind each.
 *
 * Precedence, first match wins:
 *   1. nothing to diagnose, or several connections match         → NEEDS_HUMAN
 *   2. the connection is in an open outage (PON port / router)    → MASS_OUTAGE (no visit)
 *   3. blocked for debt (billing status, `moroso` profile)         → BILLING
 *   4. ONU LOS / offline / power fail, or critical/overload signal → PHYSICAL (visit)
 *   5. ONU state unknown and the OLT source unreachable            → UNKNOWN (says which)
 *   6. ONU fine (or none), PPPoE session down                      → LOGICAL (router/auth)
 *      (a disabled secret is administrative: BILLING)
 *   7. PPPoE state unknown and the router unreachable              → UNKNOWN (says which)
 *   8. session flapping: the ONU too → PHYSICAL; only PPPoE → LOGICAL
 *   9. all fine, but the third ticket in 7 days                    → NEEDS_HUMAN (escalate)
 *  10. all fine                                                    → OK (Wi-Fi, customer device)
 * A warning signal adds a reason without changing an OK verdict's class.
 */
import type { DeviceActionKind } from './deviceActions.ts';
import type { SignalLevel } from './optical.ts';

export type VerdictValue = 'OK' | 'PHYSICAL' | 'LOGICAL' | 'BILLING' | 'MASS_OUTAGE' | 'NEEDS_HUMAN' | 'UNKNOWN';
export type OnuState = 'ONLINE' | 'OFFLINE' | 'LOS' | 'POWER_FAIL' | 'UNKNOWN';
export type PriorityValue = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type Vendor = 'ROUTEROS' | 'SMARTOLT' | 'ISPCUBE';

export interface DiagnosisFacts {
  /** How many connections the question matched (0: none, >1: ambiguous). */
  matches: number;
  billing: { blocked: boolean; debt: number | null };
  secret: { exists: boolean; disabled: boolean; debtProfile: boolean };
  /** null: no ONU known for this connection (wireless, or not linked). `adminDisabled`: disabled through Emerald. */
  onu: { state: OnuState; since: Date | null; signal: SignalLevel; rxPower: number | null; adminDisabled?: boolean } | null;
  /** Live rate of the session (bit/s), when the router was asked. */
  traffic?: { downBps: number; upBps: number } | null;
  /** null: unknown (router unreachable and nothing mirrored). */
  sessionUp: boolean | null;
  incident: { kind: 'FIBRE_CUT' | 'POWER_OUTAGE' | 'ROUTER_OUTAGE'; title: string } | null;
  ticketsLast7Days: number;
  sessionDropsLast24h: number;
  onuChangesLast24h: number;
  unreachable: Vendor[];
}

export interface Verdict {
  verdict: VerdictValue;
  /** Machine-readable reasons, most important first. */
  reasons: string[];
  summary: { es: string; en: string };
  action: { ticketType: 'TECHNICAL' | 'ADMINISTRATIVE'; priority: PriorityValue; visit: boolean; es: string; en: string };
  /** The device action that fits the verdict, if one does (offered as one button). */
  device: DeviceActionKind | null;
}

/** Below this rate both ways, a session that is up but carries nothing is stuck. */
export const STUCK_BPS = 2_000;

export const FLAPPING_SESSIONS = 5;
export const FLAPPING_ONU = 4;
export const REPEATED_TICKETS = 2;

const hhmm = (d: Date | null): string => (d ? d.toISOString().slice(11, 16) : '?');

const ONU_ES: Record<OnuState, string> = {
  ONLINE: 'online',
  OFFLINE: 'apagada',
  LOS: 'en LOS',
  POWER_FAIL: 'sin energía',
  UNKNOWN: 'en estado desconocido',
};
const ONU_EN: Record<OnuState, string> = {
  ONLINE: 'online',
  OFFLINE: 'offline',
  LOS: 'in LOS',
  POWER_FAIL: 'without power',
  UNKNOWN: 'in an unknown state',
};

/** "ONU online, " only when it is; an ONU whose state is unknown is said to be so. */
function onuPrefix(f: DiagnosisFacts, lang: 'es' | 'en'): string {
  if (!f.onu) return '';
  if (f.onu.state === 'ONLINE') return 'ONU online, ';
  return lang === 'es' ? `ONU ${ONU_ES[f.onu.state]}, ` : `ONU ${ONU_EN[f.onu.state]}, `;
}

function v(
  verdict: VerdictValue,
  reasons: string[],
  es: string,
  en: string,
  action: Verdict['action'],
  device: DeviceActionKind | null = null,
): Verdict {
  return { verdict, reasons, summary: { es, en }, action, device };
}

export function decide(f: DiagnosisFacts): Verdict {
  const warnings: string[] = [];
  if (f.onu?.signal === 'WARNING') warnings.push('SIGNAL_WARNING');
  if (f.unreachable.length) warnings.push(...f.unreachable.map((s) => `${s}_UNREACHABLE`));
  if (f.ticketsLast7Days >= REPEATED_TICKETS) warnings.push('REPEATED_TICKETS');

  if (f.matches === 0) {
    return v('NEEDS_HUMAN', ['NOT_FOUND'], 'No se encontró la conexión', 'No connection found', {
      ticketType: 'ADMINISTRATIVE',
      priority: 'MEDIUM',
      visit: false,
      es: 'Revisar los datos del cliente en ISPCube',
      en: "Check the customer's data in ISPCube",
    });
  }
  if (f.matches > 1) {
    return v('NEEDS_HUMAN', ['AMBIGUOUS'], `${f.matches} conexiones coinciden: elegí una`, `${f.matches} connections match: pick one`, {
      ticketType: 'ADMINISTRATIVE',
      priority: 'MEDIUM',
      visit: false,
      es: 'Indicar el router o la conexión',
      en: 'Give the router or the connection',
    });
  }
  if (f.incident) {
    return v(
      'MASS_OUTAGE',
      ['OPEN_INCIDENT', ...warnings],
      `Afectado por un incidente masivo: ${f.incident.title}`,
      `Part of an ongoing outage: ${f.incident.title}`,
      {
        ticketType: 'TECHNICAL',
        priority: 'MEDIUM',
        visit: false,
        es: 'No enviar técnico por este cliente: el incidente ya está en curso',
        en: 'Do not send a technician for this customer: the outage is being handled',
      },
    );
  }
  if (f.billing.blocked || f.secret.debtProfile) {
    const debt = f.billing.debt ? ` (deuda $${Math.round(f.billing.debt)})` : '';
    return v(
      'BILLING',
      ['BLOCKED_FOR_DEBT', ...warnings],
      `Cliente suspendido por deuda${debt}`,
      `Customer blocked for debt${debt.replace('deuda', 'debt')}`,
      {
        ticketType: 'ADMINISTRATIVE',
        priority: 'LOW',
        visit: false,
        es: f.billing.blocked
          ? 'Derivar a administración / cobranzas'
          : 'Habilitado en ISPCube pero con perfil de deuda: restaurar el perfil del plan',
        en: f.billing.blocked ? 'Refer to billing' : "Enabled in ISPCube but still on the debt profile: restore the plan's profile",
      },
      // Paid (enabled in billing) but the router still has the debt profile: restore it.
      f.billing.blocked ? null : 'SET_SECRET_PROFILE',
    );
  }
  if (f.onu?.adminDisabled && f.onu.state !== 'ONLINE') {
    return v(
      'LOGICAL',
      ['ONU_DISABLED', ...warnings],
      'ONU deshabilitada desde Emerald → habilitarla',
      'ONU disabled from Emerald → enable it',
      {
        ticketType: 'ADMINISTRATIVE',
        priority: 'MEDIUM',
        visit: false,
        es: 'Verificar por qué se deshabilitó y habilitarla',
        en: 'Check why it was disabled, then enable it',
      },
      'ENABLE_ONU',
    );
  }
  if (f.onu && ['LOS', 'OFFLINE', 'POWER_FAIL'].includes(f.onu.state)) {
    const state = f.onu.state;
    const reason = `ONU_${state}`;
    const es = `ONU ${ONU_ES[state]} desde las ${hhmm(f.onu.since)} → ${state === 'LOS' ? 'problema de fibra, requiere visita' : state === 'POWER_FAIL' ? 'sin energía en la ONU' : 'ONU apagada o desconectada'}`;
    const en = `ONU ${ONU_EN[state]} since ${hhmm(f.onu.since)} → ${state === 'LOS' ? 'fibre problem, visit needed' : state === 'POWER_FAIL' ? 'the ONU has no power' : 'the ONU is off or unplugged'}`;
    return v('PHYSICAL', [reason, ...warnings], es, en, {
      ticketType: 'TECHNICAL',
      priority: state === 'LOS' ? 'HIGH' : 'MEDIUM',
      visit: true,
      es:
        state === 'LOS'
          ? 'Visita técnica: revisar fibra y conectores'
          : 'Pedir al cliente que revise la alimentación de la ONU; si sigue, visita',
      en:
        state === 'LOS'
          ? 'Technician visit: check fibre and connectors'
          : "Ask the customer to check the ONU's power; if it persists, visit",
    });
  }
  if (f.onu && (f.onu.signal === 'CRITICAL' || f.onu.signal === 'OVERLOAD')) {
    const dbm = f.onu.rxPower === null ? '' : ` (${f.onu.rxPower} dBm)`;
    return v(
      'PHYSICAL',
      [`SIGNAL_${f.onu.signal}`, ...warnings],
      `Señal óptica ${f.onu.signal === 'CRITICAL' ? 'crítica' : 'saturada'}${dbm} → requiere visita`,
      `Optical signal ${f.onu.signal.toLowerCase()}${dbm} → visit needed`,
      {
        ticketType: 'TECHNICAL',
        priority: 'HIGH',
        visit: true,
        es: 'Visita técnica: medir potencia, limpiar o cambiar conectores',
        en: 'Technician visit: measure power, clean or replace connectors',
      },
    );
  }
  if (f.onu?.state === 'UNKNOWN' && f.unreachable.includes('SMARTOLT')) {
    return v(
      'UNKNOWN',
      ['SMARTOLT_UNREACHABLE', ...warnings.filter((w) => w !== 'SMARTOLT_UNREACHABLE')],
      'No se puede saber el estado de la ONU: SmartOLT no responde',
      "Cannot tell the ONU's state: SmartOLT is not answering",
      {
        ticketType: 'TECHNICAL',
        priority: 'MEDIUM',
        visit: false,
        es: 'Reintentar en unos minutos',
        en: 'Try again in a few minutes',
      },
    );
  }
  if (f.sessionUp === false) {
    if (f.secret.exists && f.secret.disabled) {
      return v(
        'BILLING',
        ['SECRET_DISABLED', ...warnings],
        'Cuenta PPPoE deshabilitada en el router',
        'PPPoE account disabled on the router',
        {
          ticketType: 'ADMINISTRATIVE',
          priority: 'MEDIUM',
          visit: false,
          es: 'Verificar con administración por qué está deshabilitada; si corresponde, habilitarla',
          en: 'Ask billing why it is disabled; if it should not be, enable it',
        },
        'ENABLE_SECRET',
      );
    }
    const reasons = [f.secret.exists ? 'PPPOE_DOWN' : 'NO_PPP_SECRET', ...warnings];
    return v(
      'LOGICAL',
      reasons,
      `${onuPrefix(f, 'es')}PPPoE caído → problema de router o autenticación`,
      `${onuPrefix(f, 'en')}PPPoE down → router or authentication problem`,
      {
        ticketType: 'TECHNICAL',
        priority: 'HIGH',
        visit: false,
        es: f.secret.exists ? 'Revisar el router del cliente (usuario/clave PPPoE) y reiniciarlo' : 'Crear el secret PPPoE en el router',
        en: f.secret.exists ? "Check the customer's router (PPPoE user/password) and restart it" : 'Create the PPPoE secret on the router',
      },
      // An ONU in routing mode dials the PPPoE itself: a reboot makes it dial again.
      f.secret.exists && f.onu?.state === 'ONLINE' ? 'REBOOT_ONU' : null,
    );
  }
  if (f.sessionUp === null) {
    return v(
      'UNKNOWN',
      ['ROUTEROS_UNREACHABLE', ...warnings.filter((w) => w !== 'ROUTEROS_UNREACHABLE')],
      'No se puede saber el estado del PPPoE: el router no responde',
      'Cannot tell the PPPoE state: the router is not answering',
      {
        ticketType: 'TECHNICAL',
        priority: 'MEDIUM',
        visit: false,
        es: 'Reintentar en unos minutos',
        en: 'Try again in a few minutes',
      },
    );
  }
  if (f.sessionDropsLast24h >= FLAPPING_SESSIONS) {
    if (f.onu && f.onuChangesLast24h >= FLAPPING_ONU) {
      return v(
        'PHYSICAL',
        ['ONU_FLAPPING', 'SESSION_FLAPPING', ...warnings],
        `La ONU se cae y vuelve (${f.onuChangesLast24h} cambios en 24 h) → fibra o conector flojo`,
        `The ONU keeps dropping (${f.onuChangesLast24h} changes in 24 h) → loose fibre or connector`,
        {
          ticketType: 'TECHNICAL',
          priority: 'HIGH',
          visit: true,
          es: 'Visita técnica: revisar conectores y curvaturas de la fibra',
          en: 'Technician visit: check connectors and fibre bends',
        },
      );
    }
    return v(
      'LOGICAL',
      ['SESSION_FLAPPING', ...warnings],
      `El PPPoE se reconecta seguido (${f.sessionDropsLast24h} cortes en 24 h) con la ONU estable → router del cliente`,
      `PPPoE keeps reconnecting (${f.sessionDropsLast24h} drops in 24 h) with a stable ONU → customer's router`,
      {
        ticketType: 'TECHNICAL',
        priority: 'MEDIUM',
        visit: false,
        es: 'Revisar el router del cliente (alimentación, firmware, WAN)',
        en: "Check the customer's router (power, firmware, WAN)",
      },
    );
  }
  if (f.ticketsLast7Days >= REPEATED_TICKETS) {
    return v(
      'NEEDS_HUMAN',
      ['REPEATED_TICKETS', ...warnings.filter((w) => w !== 'REPEATED_TICKETS')],
      `Todo parece bien, pero es el reclamo ${f.ticketsLast7Days + 1} en 7 días → escalar`,
      `Everything looks fine, but this is complaint ${f.ticketsLast7Days + 1} in 7 days → escalate`,
      {
        ticketType: 'TECHNICAL',
        priority: 'HIGH',
        visit: true,
        es: 'Escalar a soporte de segundo nivel; considerar visita',
        en: 'Escalate to second-level support; consider a visit',
      },
    );
  }
  if (f.traffic && f.traffic.downBps < STUCK_BPS && f.traffic.upBps < STUCK_BPS) {
    return v(
      'LOGICAL',
      ['SESSION_STUCK', ...warnings],
      `${onuPrefix(f, 'es')}PPPoE conectado pero sin tráfico → sesión trabada`,
      `${onuPrefix(f, 'en')}PPPoE up but carrying no traffic → stuck session`,
      {
        ticketType: 'TECHNICAL',
        priority: 'MEDIUM',
        visit: false,
        es: 'Desconectar la sesión para que el equipo del cliente vuelva a conectarse',
        en: "Disconnect the session so the customer's router dials again",
      },
      'DISCONNECT_SESSION',
    );
  }
  return v(
    'OK',
    warnings.length ? warnings : ['ALL_OK'],
    `${onuPrefix(f, 'es')}PPPoE conectado → probablemente Wi-Fi o equipo del cliente`,
    `${onuPrefix(f, 'en')}PPPoE up → likely Wi-Fi or the customer's device`,
    {
      ticketType: 'TECHNICAL',
      priority: 'LOW',
      visit: false,
      es: 'Guiar al cliente: reiniciar el router, revisar Wi-Fi y dispositivos',
      en: 'Guide the customer: restart the router, check Wi-Fi and devices',
    },
  );
}
