/**
 * Device actions: what each does, said exactly, in both languages, for the confirmation a
 * person reads before acting, and how an action's outcome is judged from the diagnoses
 * before and after it. Pure.
 */
export type DeviceActionKind =
  | 'DISCONNECT_SESSION'
  | 'DISABLE_SECRET'
  | 'ENABLE_SECRET'
  | 'SET_SECRET_PROFILE'
  | 'REBOOT_ONU'
  | 'RESYNC_ONU'
  | 'DISABLE_ONU'
  | 'ENABLE_ONU';

export const DEVICE_ACTION_KINDS: readonly DeviceActionKind[] = [
  'DISCONNECT_SESSION',
  'DISABLE_SECRET',
  'ENABLE_SECRET',
  'SET_SECRET_PROFILE',
  'REBOOT_ONU',
  'RESYNC_ONU',
  'DISABLE_ONU',
  'ENABLE_ONU',
];

/** Actions on the MikroTik router (need ROUTEROS_WRITE=on); the rest go through SmartOLT. */
export const ROUTER_ACTIONS: ReadonlySet<DeviceActionKind> = new Set([
  'DISCONNECT_SESSION',
  'DISABLE_SECRET',
  'ENABLE_SECRET',
  'SET_SECRET_PROFILE',
]);

/** Actions meant to cut service: they "helped" when the service is off afterwards. */
export const CUTTING_ACTIONS: ReadonlySet<DeviceActionKind> = new Set(['DISABLE_SECRET', 'DISABLE_ONU']);

export interface DeviceFacts {
  username: string | null;
  routerName: string | null;
  serial: string | null;
  /** The secret's current profile, and the one asked for (SET_SECRET_PROFILE). */
  profile?: string | null;
  targetProfile?: string | null;
  sessionAddress?: string | null;
}

export interface Described {
  labelEs: string;
  labelEn: string;
  /** Exactly what will happen, for the confirmation. */
  confirmEs: string;
  confirmEn: string;
}

export function describeDeviceAction(kind: DeviceActionKind, f: DeviceFacts): Described {
  const user = f.username ?? '?';
  const router = f.routerName ?? '?';
  const onu = f.serial ?? '?';
  const addr = f.sessionAddress ? ` (${f.sessionAddress})` : '';
  switch (kind) {
    case 'DISCONNECT_SESSION':
      return {
        labelEs: 'Desconectar la sesión PPPoE',
        labelEn: 'Disconnect the PPPoE session',
        confirmEs: `Se cortará la sesión PPPoE de ${user}${addr} en el router ${router}. El cliente queda sin servicio unos segundos, hasta que su equipo vuelva a conectarse solo.`,
        confirmEn: `The PPPoE session of ${user}${addr} on router ${router} will be removed. The customer is offline for a few seconds, until their router dials again by itself.`,
      };
    case 'DISABLE_SECRET':
      return {
        labelEs: 'Deshabilitar la cuenta PPPoE',
        labelEn: 'Disable the PPPoE account',
        confirmEs: `Se deshabilitará el secret ${user} en el router ${router} (el motivo queda en su comentario) y se cortará su sesión: el cliente queda sin servicio hasta que alguien lo habilite.`,
        confirmEn: `The secret ${user} on router ${router} will be disabled (the reason goes in its comment) and its session removed: the customer has no service until someone enables it.`,
      };
    case 'ENABLE_SECRET':
      return {
        labelEs: 'Habilitar la cuenta PPPoE',
        labelEn: 'Enable the PPPoE account',
        confirmEs: `Se habilitará el secret ${user} en el router ${router} (el motivo queda en su comentario). El equipo del cliente podrá conectarse en su próximo intento.`,
        confirmEn: `The secret ${user} on router ${router} will be enabled (the reason goes in its comment). The customer's router can log in on its next attempt.`,
      };
    case 'SET_SECRET_PROFILE':
      return {
        labelEs: `Cambiar el perfil a ${f.targetProfile ?? '?'}`,
        labelEn: `Change the profile to ${f.targetProfile ?? '?'}`,
        confirmEs: `El secret ${user} en el router ${router} pasará del perfil ${f.profile ?? '?'} a ${f.targetProfile ?? '?'} y se cortará su sesión para que el nuevo perfil se aplique al reconectar (unos segundos sin servicio).`,
        confirmEn: `The secret ${user} on router ${router} will move from profile ${f.profile ?? '?'} to ${f.targetProfile ?? '?'}, and its session will be removed so the new profile applies when it reconnects (a few seconds offline).`,
      };
    case 'REBOOT_ONU':
      return {
        labelEs: 'Reiniciar la ONU',
        labelEn: 'Reboot the ONU',
        confirmEs: `SmartOLT reiniciará la ONU ${onu}. El cliente queda sin servicio uno o dos minutos, hasta que la ONU vuelva y su PPPoE se reconecte.`,
        confirmEn: `SmartOLT will reboot ONU ${onu}. The customer is offline for a minute or two, until the ONU is back and its PPPoE reconnects.`,
      };
    case 'RESYNC_ONU':
      return {
        labelEs: 'Resincronizar la configuración de la ONU',
        labelEn: "Resync the ONU's configuration",
        confirmEs: `SmartOLT volverá a enviar a la ONU ${onu} la configuración que tiene guardada (VLAN, perfiles), sin reiniciarla. Puede haber un corte breve.`,
        confirmEn: `SmartOLT will push its stored configuration (VLAN, profiles) to ONU ${onu} again, without a reboot. There may be a short interruption.`,
      };
    case 'DISABLE_ONU':
      return {
        labelEs: 'Deshabilitar la ONU',
        labelEn: 'Disable the ONU',
        confirmEs: `SmartOLT deshabilitará la ONU ${onu}: queda fuera de la red PON y el cliente sin servicio hasta que alguien la habilite.`,
        confirmEn: `SmartOLT will disable ONU ${onu}: it is shut out of the PON and the customer has no service until someone enables it.`,
      };
    case 'ENABLE_ONU':
      return {
        labelEs: 'Habilitar la ONU',
        labelEn: 'Enable the ONU',
        confirmEs: `SmartOLT habilitará la ONU ${onu}; vuelve a la red en uno o dos minutos y su PPPoE se reconecta.`,
        confirmEn: `SmartOLT will enable ONU ${onu}; it is back on the network within a minute or two and its PPPoE reconnects.`,
      };
  }
}

export type DeviceActionOutcome = 'HELPED' | 'NOT_HELPED' | 'UNCHANGED' | 'UNKNOWN';

/**
 * Did it help? For an action meant to fix service: HELPED when a problem verdict became OK,
 * NOT_HELPED when a problem remains (or an OK connection now has one), UNCHANGED when it
 * was and stays OK. For a disable: HELPED when the service is off afterwards.
 */
export function judgeOutcome(kind: DeviceActionKind, before: string | null, after: string): DeviceActionOutcome {
  if (after === 'UNKNOWN') return 'UNKNOWN';
  if (CUTTING_ACTIONS.has(kind)) return after === 'OK' ? 'NOT_HELPED' : 'HELPED';
  if (after === 'OK') return before === 'OK' ? 'UNCHANGED' : 'HELPED';
  return 'NOT_HELPED';
}

/** The text Emerald leaves in a secret's comment: the previous Emerald note is replaced, the rest kept. */
export function secretComment(existing: string | null | undefined, at: Date, username: string, reason: string): string {
  const kept = (existing ?? '').replace(/\s*\[Emerald [^\]]*\]\s*$/, '').trim();
  const note = `[Emerald ${at.toISOString().slice(0, 16).replace('T', ' ')} ${username}: ${reason.replace(/[[\]\r\n]+/g, ' ').trim()}]`;
  const text = kept ? `${kept} ${note}` : note;
  return text.length > 250 ? text.slice(text.length - 250) : text;
}

/** A plan's speed as ISPCube writes it ("100M/50M", "300 Mb / 150 Mb", "20480k/5120k"): download and upload, bit/s. */
export function parsePlanSpeed(speed: string | null | undefined): { downBps: number; upBps: number } | null {
  if (!speed) return null;
  const parts = speed.split('/').map((p) => /^\s*(\d+(?:[.,]\d+)?)\s*([kmg])?/i.exec(p));
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  const bps = (m: RegExpExecArray): number => {
    const n = Number(m[1]!.replace(',', '.'));
    const unit = (m[2] ?? 'm').toLowerCase();
    return Math.round(n * (unit === 'k' ? 1e3 : unit === 'g' ? 1e9 : 1e6));
  };
  return { downBps: bps(parts[0]), upBps: bps(parts[1]) };
}
