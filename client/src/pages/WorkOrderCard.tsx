/** One work order as a card: number, type, status, customer, address, when and who. */
import { Badge, Group, Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { graphql } from '../gql/index.ts';
import type { WorkOrderCardFieldsFragment } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';

export const WorkOrderCardFields = graphql(`
  fragment WorkOrderCardFields on WorkOrder {
    id number status type scheduledStart durationMinutes
    team { id }
    technician { id name }
    ticket { id number connection { id pppoeUsername address } customer { id name } }
  }
`);

export type WorkOrderCardData = WorkOrderCardFieldsFragment;

const STATUS_COLOR: Record<string, string> = {
  SCHEDULED: 'gray',
  COMPLETED: 'teal',
  IN_PROGRESS: 'blue',
  FAILED: 'red',
  PENDING_PLANNING: 'yellow',
};

export function WorkOrderCard({
  w,
  draggable = false,
  compact = false,
  children,
}: {
  w: WorkOrderCardData;
  draggable?: boolean;
  compact?: boolean;
  children?: ReactNode;
}) {
  const { t, date } = useI18n();
  return (
    <Paper
      withBorder
      p={compact ? 6 : 'sm'}
      data-testid="work-order"
      data-number={w.number}
      draggable={draggable}
      onDragStart={(e) => {
        e.dataTransfer.setData('text/plain', w.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
      title={compact ? t(`woStatus.${w.status}` as never) : undefined}
      style={{
        cursor: draggable ? 'grab' : undefined,
        // Compact cards (the planning board) show their status as a coloured edge.
        borderLeft: compact ? `4px solid var(--mantine-color-${STATUS_COLOR[w.status] ?? 'gray'}-filled)` : undefined,
      }}
    >
      <Group justify="space-between" wrap="nowrap" gap={4}>
        <Text fw={600} size={compact ? 'xs' : 'sm'}>
          OT #{w.number} · {t(`woType.${w.type}` as never)}
        </Text>
        {!compact && (
          <Badge size="sm" color={STATUS_COLOR[w.status] ?? 'gray'}>
            {t(`woStatus.${w.status}` as never)}
          </Badge>
        )}
      </Group>
      <Text size={compact ? 'xs' : 'sm'} lineClamp={1}>
        {w.ticket.customer?.name}
      </Text>
      <Text size="xs" c="dimmed" lineClamp={compact ? 1 : 2}>
        {w.ticket.connection?.address}
        {compact ? '' : ` · ${w.ticket.connection?.pppoeUsername ?? ''}`}
      </Text>
      <Text size="xs" c="dimmed">
        {w.scheduledStart ? date(w.scheduledStart, compact ? 'hm' : 'short') : t('woStatus.PENDING_PLANNING')}
        {compact ? '' : ` · ${w.technician?.name ?? '—'}`}
      </Text>
      {children}
    </Paper>
  );
}
