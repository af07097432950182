/** Incident badges shared by the dashboard, the incident list and the incident page. */
import { Badge } from '@mantine/core';
import { useI18n } from './i18n.tsx';

type I18n = ReturnType<typeof useI18n>;

const STATUS_COLOR: Record<string, string> = { SUSPECTED: 'yellow', OPEN: 'red', CLEARED: 'teal', WITHDRAWN: 'gray' };
const KIND_COLOR: Record<string, string> = { FIBRE_CUT: 'red', POWER_OUTAGE: 'orange', ROUTER_OUTAGE: 'grape' };

export function IncidentStatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} data-testid="incident-status" data-status={status}>
      {t(`incidentStatus.${status}` as never)}
    </Badge>
  );
}

/** The cause; while SUSPECTED, the likely one (outlined). */
export function IncidentKindBadge({ kind, status }: { kind: string; status: string }) {
  const { t } = useI18n();
  const suspected = status === 'SUSPECTED';
  return (
    <Badge color={KIND_COLOR[kind] ?? 'gray'} variant={suspected ? 'outline' : 'filled'} style={{ flexShrink: 0 }} data-kind={kind}>
      {t(`incident.${kind}` as never)}
      {suspected ? `?` : ''}
    </Badge>
  );
}

/** A duration in minutes (or hours and minutes), for MTTA/MTTR and times to act. */
export function minutes(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "3 LOS · 1 Online · 2 sesiones de vuelta" from a reading's counts. */
function countsText(counts: Record<string, unknown> | undefined, i18n: I18n): string {
  if (!counts) return '';
  const parts: string[] = [];
  for (const status of ['LOS', 'POWER_FAIL', 'OFFLINE', 'ONLINE']) {
    const n = counts[status];
    if (typeof n === 'number' && n > 0) parts.push(`${i18n.number(n)} ${i18n.t(`status.${status}` as never)}`);
  }
  if (typeof counts.sessionsBack === 'number' && counts.sessionsBack > 0)
    parts.push(i18n.t('itext.sessionsBack', { n: counts.sessionsBack }));
  return parts.join(' · ');
}

export interface TimelineEntry {
  kind: string;
  body: string;
  data?: unknown;
}

/**
 * A timeline entry in the reader's language: what Emerald recorded is rebuilt from its
 * data; what people wrote (notes, resolutions) is shown as they wrote it.
 */
export function timelineText(e: TimelineEntry, i18n: I18n): string {
  const { t } = i18n;
  const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  switch (e.kind) {
    case 'SUSPECTED':
      if (n('sessionsDownInWindow') === null) return e.body;
      return `${t('itext.suspected', { n: n('sessionsDownInWindow')!, units: n('ponPortUnits') ?? '?' })}${d.routerReachable === false ? ` — ${t('itext.likelyRouter')}` : ''}`;
    case 'OPENED':
      if (n('downInWindow') !== null)
        return t('itext.opened', { n: n('downInWindow')!, units: n('ponPortUnits') ?? '?', seconds: n('windowSeconds') ?? '?' });
      if (n('endedInWindow') !== null) return t('itext.routerDrop', { n: n('endedInWindow')!, up: n('sessionsUp') ?? 0 });
      return e.body;
    case 'CLASSIFIED': {
      const counts = d.counts as Record<string, unknown> | undefined;
      const kind = typeof d.kind === 'string' ? t(`incident.${d.kind}` as never) : '';
      return counts ? `${kind}: ${t('itext.classified', { counts: countsText(counts, i18n) })}` : e.body;
    }
    case 'EVIDENCE': {
      const counts = d.counts as Record<string, unknown> | undefined;
      return counts ? t('itext.reading', { read: n('read') ?? 1, counts: countsText(counts, i18n) }) : e.body;
    }
    case 'WITHDRAWN': {
      const counts = d.counts as Record<string, unknown> | undefined;
      return counts ? t('itext.withdrawn', { counts: countsText(counts, i18n) }) : e.body;
    }
    case 'GREW':
      return n('to') === null ? e.body : t('itext.grew', { from: n('from') ?? 0, to: n('to')! });
    case 'CLEARED':
      return n('affected') === null ? e.body : t('itext.cleared', { recovered: n('recovered') ?? 0, affected: n('affected')! });
    case 'REOPENED':
      return n('units') === null ? e.body : t('itext.reopened', { n: n('units')! });
    case 'ESCALATED':
      return t('itext.escalated');
    case 'TICKET_LINKED':
      return n('ticketId') === null ? e.body : t('itext.linked', { n: n('ticketId')! });
    default:
      return e.body;
  }
}
