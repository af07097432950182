/**
 * Diagnosis evidence in the reader's language: the server sends each fact with its raw
 * `detail` (states, dates, dBm, counts); this formats it like the rest of the page,
 * falling back to the server's English `value` for anything it does not know.
 */
import type { useI18n } from './i18n.tsx';

type I18n = ReturnType<typeof useI18n>;

export interface EvidenceLike {
  check: string;
  result: string;
  value: string;
  detail?: unknown;
  note?: string | null;
  noteCode?: string | null;
}

function duration(seconds: number, locale: string): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const d = Math.floor(h / 24);
  const unit = (value: number, u: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(locale === 'es' ? 'es-AR' : 'en-US', { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (d > 0) return `${unit(d, 'day')} ${unit(h % 24, 'hour')}`;
  if (h > 0) return `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  return unit(Math.max(m, 0), 'minute');
}

export function evidenceText(e: EvidenceLike, i18n: I18n): string {
  const { t, date, number, locale } = i18n;
  const d = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  switch (e.check) {
    case 'PPPOE_SESSION': {
      if (d.up === true) {
        const uptime = num('uptimeSeconds');
        if (uptime !== null) return t('evidence.sessionUp', { uptime: duration(uptime, locale) });
        if (str('since')) return t('evidence.sessionUpSince', { when: date(str('since'), 'short') });
      }
      if (d.up === false) return t('evidence.sessionDown');
      return e.result === 'UNKNOWN' ? t('evidence.unknown') : e.value;
    }
    case 'PPP_SECRET': {
      if (d.exists === false) return t('evidence.secretMissing');
      const head = d.disabled === true ? t('evidence.secretDisabled') : t('evidence.secretProfile', { profile: str('profile') ?? '' });
      const out = str('lastLoggedOut');
      return out ? `${head} · ${t('evidence.lastLogout', { when: date(out, 'short'), reason: str('lastDisconnectReason') ?? '—' })}` : head;
    }
    case 'TRAFFIC': {
      const down = num('downloadBps');
      const up = num('uploadBps');
      return down === null || up === null ? e.value : t('evidence.traffic', { down: number(down / 1e6, 1), up: number(up / 1e6, 1) });
    }
    case 'ONU_STATUS': {
      const status = str('status');
      if (!status) return e.value;
      const label = t(`status.${status}` as never);
      const since = str('since');
      return since ? t('evidence.onuSince', { status: label, when: date(since, 'short') }) : label;
    }
    case 'ONU_SIGNAL': {
      const rx = num('rxPower');
      const level = str('level') ?? 'UNKNOWN';
      return rx === null ? t('evidence.noReading') : t('evidence.signal', { rx: number(rx, 1), level: t(`signal.${level}` as never) });
    }
    case 'BILLING':
      return str('status') === 'BLOCKED'
        ? t('evidence.billingBlocked', { debt: `$ ${number(num('debt') ?? 0)}` })
        : t('evidence.billingOk');
    case 'INCIDENT':
      return str('title') ?? e.value;
    case 'RECENT_TICKETS':
      return num('count') === null ? e.value : t('evidence.tickets', { n: number(num('count')), days: num('days') ?? 7 });
    case 'SESSION_DROPS':
      return num('count') === null ? e.value : t('evidence.drops', { n: number(num('count')), hours: num('hours') ?? 24 });
    default:
      return e.value;
  }
}

/** Why a live check fell back to the mirror, in the reader's language. */
export function evidenceNote(e: EvidenceLike, i18n: I18n): string | null {
  if (!e.noteCode) return e.note ?? null;
  return i18n.t(`enote.${e.noteCode}` as never);
}

export function checkLabel(check: string, i18n: I18n): string {
  const key = `check.${check}`;
  const label = i18n.t(key as never);
  return label === key ? check.replaceAll('_', ' ') : label;
}
