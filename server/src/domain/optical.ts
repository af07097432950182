/**
 * Optical receive power of an ONU against the configured thresholds. Defaults are for
 * class B+ GPON optics: above −8 dBm overload, −8 to −25 good, −25 to −27 warning,
 * below −27 critical (DOMAIN §6).
 */
export type SignalLevel = 'OVERLOAD' | 'GOOD' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface OpticalThresholds {
  opticalOverloadDbm: number;
  opticalWarningDbm: number;
  opticalCriticalDbm: number;
}

export function signalLevel(rxPower: number | null | undefined, t: OpticalThresholds): SignalLevel {
  if (rxPower === null || rxPower === undefined || Number.isNaN(rxPower)) return 'UNKNOWN';
  if (rxPower > t.opticalOverloadDbm) return 'OVERLOAD';
  if (rxPower < t.opticalCriticalDbm) return 'CRITICAL';
  if (rxPower < t.opticalWarningDbm) return 'WARNING';
  return 'GOOD';
}
