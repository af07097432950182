/** Small shared pieces: status and signal badges, freshness ("as of 2 min ago, SmartOLT"). */
import { Badge, Button, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useI18n } from './i18n.tsx';

const STATUS_COLOR: Record<string, string> = { ONLINE: 'teal', OFFLINE: 'gray', LOS: 'red', POWER_FAIL: 'orange', UNKNOWN: 'gray' };
const SIGNAL_COLOR: Record<string, string> = { GOOD: 'teal', WARNING: 'yellow', CRITICAL: 'red', OVERLOAD: 'grape', UNKNOWN: 'gray' };
const VERDICT_COLOR: Record<string, string> = {
  OK: 'teal',
  PHYSICAL: 'red',
  LOGICAL: 'orange',
  BILLING: 'violet',
  MASS_OUTAGE: 'red',
  NEEDS_HUMAN: 'yellow',
  UNKNOWN: 'gray',
};
const PRIORITY_COLOR: Record<string, string> = { LOW: 'gray', MEDIUM: 'blue', HIGH: 'orange', CRITICAL: 'red' };

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant={status === 'ONLINE' ? 'light' : 'filled'} data-status={status}>
      {t(`status.${status}` as never)}
    </Badge>
  );
}

export function SignalBadge({ level, rx }: { level: string; rx?: number | null }) {
  const { t, number } = useI18n();
  return (
    <Badge color={SIGNAL_COLOR[level] ?? 'gray'} variant="light">
      {rx === null || rx === undefined ? t(`signal.${level}` as never) : `${number(rx, 1)} dBm`}
    </Badge>
  );
}

export function VerdictBadge({ verdict }: { verdict: string }) {
  const { t } = useI18n();
  return (
    <Badge size="lg" color={VERDICT_COLOR[verdict] ?? 'gray'} data-testid="verdict" data-verdict={verdict}>
      {t(`verdict.${verdict}` as never)}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  const { t } = useI18n();
  return (
    <Badge color={PRIORITY_COLOR[priority] ?? 'gray'} variant="light">
      {t(`priority.${priority}` as never)}
    </Badge>
  );
}

export function Fresh({ at, source }: { at: string | null | undefined; source?: string | null }) {
  const { ago, date } = useI18n();
  if (!at) return null;
  return (
    <Tooltip label={date(at, 'long')}>
      <Text span size="xs" c="dimmed">
        {ago(at)}
        {source ? ` · ${source}` : ''}
      </Text>
    </Tooltip>
  );
}

/**
 * Tell the user how a mutation went: the typed error's message (ValidationError,
 * NotFoundError…), the transport error, or `ok`. Returns whether it succeeded.
 */
export function reportResult(result: object | null | undefined, transportError?: string, ok?: string): boolean {
  const message =
    result && 'message' in result && typeof result.message === 'string' ? result.message : !result ? (transportError ?? '') : null;
  if (message !== null) {
    notifications.show({ color: 'red', message: message || '…' });
    return false;
  }
  if (ok) notifications.show({ color: 'teal', message: ok });
  return true;
}

/** "Export CSV": the list's own filters, downloaded as a file (streamed by the server, audited). */
export function ExportLink({ kind, variables }: { kind: string; variables?: Record<string, unknown> }) {
  const { locale } = useI18n();
  const href = `/export/${kind}.csv${variables ? `?variables=${encodeURIComponent(JSON.stringify(variables))}` : ''}`;
  return (
    <Button component="a" href={href} download size="xs" variant="default" data-testid={`export-${kind}`}>
      {locale === 'es' ? 'Exportar CSV' : 'Export CSV'}
    </Button>
  );
}
