/**
 * The planning board for support and admins: one row per technician (filterable by team),
 * one column per day of the coming week, and the unscheduled orders on the left. Drag a
 * card onto a technician's day to schedule it there (a scheduled card keeps its time of day,
 * a new one starts at 09:00); "Schedule" does the same from a form, for keyboards and tablets.
 */
import {
  Alert,
  Box,
  Button,
  Card,
  Flex,
  Group,
  Modal,
  NumberInput,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useMemo, useState, type DragEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { reportResult } from '../ui.tsx';
import { WorkOrderCard, type WorkOrderCardData } from './WorkOrderCard.tsx';

// Two documents: each stays well under the API's cost limit (lists multiply by page size).
const BoardDoc = graphql(`
  query PlanningBoard($from: DateTime!, $to: DateTime!, $teamId: ID) {
    teams { id name }
    users(first: 100, role: [TECHNICIAN]) { nodes { id name team { id name } } }
    week: workOrders(first: 100, filter: { from: $from, to: $to, teamId: $teamId }) { totalCount nodes { ...WorkOrderCardFields } }
  }
`);

const PendingDoc = graphql(`
  query PlanningQueue {
    pending: workOrders(first: 100, filter: { unscheduled: true, status: [PENDING_PLANNING] }) { totalCount nodes { ...WorkOrderCardFields } }
  }
`);

const ScheduleDoc = graphql(`
  mutation ScheduleWorkOrderView($input: ScheduleWorkOrderInput!) { scheduleWorkOrder(input: $input) { __typename ... on Error { message } } }
`);

const BulkScheduleDoc = graphql(`
  mutation BulkScheduleView($input: BulkScheduleWorkOrdersInput!) {
    bulkScheduleWorkOrders(input: $input) { __typename ... on BulkScheduleWorkOrdersSuccess { workOrders { id } } ... on Error { message } }
  }
`);

const DAYS = 6;
const DEFAULT_HOUR = 9;
const DEFAULT_MINUTES = 90;

function localDayKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** `datetime-local` value for a date, in local time. */
function localInput(d: Date): string {
  return `${localDayKey(d)}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The start a card dropped on `day` gets: its current time of day, or 09:00. */
export function startOnDay(day: Date, current: string | null | undefined): Date {
  const at = new Date(day);
  if (current) {
    const c = new Date(current);
    at.setHours(c.getHours(), c.getMinutes(), 0, 0);
  } else at.setHours(DEFAULT_HOUR, 0, 0, 0);
  return at;
}

interface Plan {
  id: string;
  technicianId: string | null;
  start: string;
  minutes: number;
}

export default function PlanningBoard() {
  const { t, date } = useI18n();
  const [teamId, setTeamId] = useState<string | null>(null);
  const days = useMemo(() => {
    const d = new Date();
    d.setHours(0, 0, 0, 0);
    return Array.from({ length: DAYS }, (_, i) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + i));
  }, []);
  const range = useMemo(
    () => ({
      from: days[0]!.toISOString(),
      to: new Date(days[DAYS - 1]!.getFullYear(), days[DAYS - 1]!.getMonth(), days[DAYS - 1]!.getDate() + 1).toISOString(),
    }),
    [days],
  );
  const [{ data, fetching }, refetchBoard] = useQuery({ query: BoardDoc, variables: { ...range, teamId } });
  const [{ data: queue }, refetchQueue] = useQuery({ query: PendingDoc });
  const refetch = useCallback(() => {
    refetchBoard({ requestPolicy: 'network-only' });
    refetchQueue({ requestPolicy: 'network-only' });
  }, [refetchBoard, refetchQueue]);
  useResync(refetch);
  const [, schedule] = useMutation(ScheduleDoc);
  const [plan, setPlan] = useState<Plan | null>(null);
  // Re-plan a technician's whole week at once (off sick, a day lost to rain): to someone else and/or by days.
  const [moving, setMoving] = useState<{ from: string; to: string | null; days: number } | null>(null);
  const [, bulkSchedule] = useMutation(BulkScheduleDoc);
  const [over, setOver] = useState<string | null>(null);

  const technicians = (data?.users.nodes ?? []).filter((u) => !teamId || u.team?.id === teamId);
  const pending = queue?.pending.nodes ?? [];
  const week = data?.week.nodes ?? [];
  const all = useMemo(() => new Map([...pending, ...week].map((w) => [w.id, w])), [pending, week]);
  const cells = useMemo(() => {
    const m = new Map<string, WorkOrderCardData[]>();
    for (const w of week) {
      if (!w.scheduledStart) continue;
      const key = `${w.technician?.id ?? '-'}|${localDayKey(new Date(w.scheduledStart))}`;
      m.set(key, [...(m.get(key) ?? []), w]);
    }
    return m;
  }, [week]);
  const unassigned = week.filter((w) => !w.technician);

  const movable = (w: WorkOrderCardData) => w.status === 'PENDING_PLANNING' || w.status === 'SCHEDULED';

  const save = async (p: Plan) => {
    const tech = data?.users.nodes.find((u) => u.id === p.technicianId);
    const res = await schedule({
      input: {
        id: p.id,
        technicianId: p.technicianId,
        teamId: tech?.team?.id ?? teamId,
        scheduledStart: new Date(p.start).toISOString(),
        durationMinutes: p.minutes,
      },
    });
    if (reportResult(res.data?.scheduleWorkOrder, res.error?.message, t('wo.planned'))) refetch();
  };

  const drop = (technicianId: string, day: Date) => async (e: DragEvent) => {
    e.preventDefault();
    setOver(null);
    const w = all.get(e.dataTransfer.getData('text/plain'));
    if (!w || !movable(w)) return;
    if (w.technician?.id === technicianId && w.scheduledStart && localDayKey(new Date(w.scheduledStart)) === localDayKey(day)) return;
    await save({
      id: w.id,
      technicianId,
      start: startOnDay(day, w.scheduledStart).toISOString(),
      minutes: w.durationMinutes ?? DEFAULT_MINUTES,
    });
  };

  const card = (w: WorkOrderCardData, compact: boolean): ReactNode => (
    <WorkOrderCard key={w.id} w={w} compact={compact} draggable={movable(w)}>
      {movable(w) && (
        <Button
          size="compact-xs"
          variant="subtle"
          mt={4}
          data-testid="plan-work-order"
          onClick={() =>
            setPlan({
              id: w.id,
              technicianId: w.technician?.id ?? technicians[0]?.id ?? null,
              start: localInput(w.scheduledStart ? new Date(w.scheduledStart) : startOnDay(days[0]!, null)),
              minutes: w.durationMinutes ?? DEFAULT_MINUTES,
            })
          }
        >
          {t('wo.plan')}
        </Button>
      )}
    </WorkOrderCard>
  );

  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>{t('wo.title')}</Title>
        <Select
          label={t('wo.team')}
          data={[{ value: '', label: t('wo.allTeams') }, ...(data?.teams ?? []).map((tm) => ({ value: tm.id, label: tm.name }))]}
          value={teamId ?? ''}
          onChange={(v) => setTeamId(v ? v : null)}
          allowDeselect={false}
          w={220}
          data-testid="team-filter"
        />
      </Group>
      <Text size="sm" c="dimmed">
        {t('wo.dropHint')}
      </Text>
      {/* Wide screens: the queue beside the board; tablets: above it, so the board gets the width. */}
      <Flex direction={{ base: 'column', lg: 'row' }} align={{ base: 'stretch', lg: 'flex-start' }} gap="sm">
        <Card withBorder w={{ base: '100%', lg: 220 }} miw={{ lg: 220 }} p="xs" data-testid="unscheduled">
          <Text fw={600} mb="xs">
            {t('woStatus.PENDING_PLANNING')} · {queue?.pending.totalCount ?? '…'}
          </Text>
          <ScrollArea.Autosize mah={{ base: 240, lg: '70vh' }}>
            <SimpleGrid cols={{ base: 2, sm: 3, lg: 1 }} spacing="xs">
              {pending.map((w) => card(w, true))}
            </SimpleGrid>
          </ScrollArea.Autosize>
        </Card>
        <ScrollArea style={{ flex: 1, minWidth: 0 }}>
          {data && data.week.totalCount > week.length && (
            <Alert color="yellow" mb="xs" data-testid="board-truncated">
              {t('wo.truncated', { shown: week.length, total: data.week.totalCount })}
            </Alert>
          )}
          {!fetching && technicians.length === 0 ? (
            <Alert color="gray">{t('wo.noTechnicians')}</Alert>
          ) : (
            <Table withColumnBorders withTableBorder layout="fixed" miw={140 + DAYS * 120} data-testid="planning-board">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={140}>{t('wo.technician')}</Table.Th>
                  {days.map((d) => (
                    <Table.Th key={localDayKey(d)}>{date(d, 'day')}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {technicians.map((u) => (
                  <Table.Tr key={u.id} data-testid="board-row" data-technician={u.name}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {u.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {u.team?.name ?? t('wo.noTeam')}
                      </Text>
                      {week.some((w) => w.technician?.id === u.id && w.status === 'SCHEDULED') && (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          data-testid="move-week"
                          onClick={() => setMoving({ from: u.id, to: null, days: 0 })}
                        >
                          {t('wo.moveWeek')}
                        </Button>
                      )}
                    </Table.Td>
                    {days.map((d) => {
                      const key = `${u.id}|${localDayKey(d)}`;
                      return (
                        <Table.Td
                          key={key}
                          data-testid="board-cell"
                          data-day={localDayKey(d)}
                          onDragOver={(e) => {
                            e.preventDefault();
                            e.dataTransfer.dropEffect = 'move';
                            if (over !== key) setOver(key);
                          }}
                          onDragLeave={() => setOver((o) => (o === key ? null : o))}
                          onDrop={drop(u.id, d)}
                          style={{
                            verticalAlign: 'top',
                            minHeight: 64,
                            background: over === key ? 'var(--mantine-color-blue-light)' : undefined,
                          }}
                        >
                          <Stack gap={4} mih={48}>
                            {(cells.get(key) ?? []).map((w) => card(w, true))}
                          </Stack>
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {unassigned.length > 0 && (
            <Box mt="sm">
              <Text fw={600} size="sm" mb={4}>
                {t('wo.unassigned')}
              </Text>
              <Group gap="xs" align="start">
                {unassigned.map((w) => (
                  <Box key={w.id} w={220}>
                    {card(w, true)}
                  </Box>
                ))}
              </Group>
            </Box>
          )}
        </ScrollArea>
      </Flex>
      <Modal opened={plan !== null} onClose={() => setPlan(null)} title={t('wo.plan')}>
        {plan && (
          <Stack>
            <Select
              label={t('wo.technician')}
              data={(data?.users.nodes ?? []).map((u) => ({ value: u.id, label: u.team ? `${u.name} · ${u.team.name}` : u.name }))}
              value={plan.technicianId}
              onChange={(v) => setPlan({ ...plan, technicianId: v })}
              data-testid="plan-technician"
            />
            <TextInput
              type="datetime-local"
              label={t('wo.when')}
              value={plan.start}
              onChange={(e) => setPlan({ ...plan, start: e.currentTarget.value })}
              data-testid="plan-start"
            />
            <NumberInput
              label={t('wo.duration')}
              min={15}
              max={480}
              step={15}
              value={plan.minutes}
              onChange={(v) => setPlan({ ...plan, minutes: Number(v) || DEFAULT_MINUTES })}
            />
            <Button
              data-testid="confirm-plan"
              disabled={!plan.technicianId || !plan.start}
              onClick={async () => {
                const p = plan;
                setPlan(null);
                await save(p);
              }}
            >
              {t('wo.plan')}
            </Button>
          </Stack>
        )}
      </Modal>
      <Modal opened={moving !== null} onClose={() => setMoving(null)} title={t('wo.moveWeek')}>
        {moving && (
          <Stack>
            <Text size="sm">
              {t('wo.moveWeekWhat', {
                n: week.filter((w) => w.technician?.id === moving.from && w.status === 'SCHEDULED').length,
                name: data?.users.nodes.find((u) => u.id === moving.from)?.name ?? '',
              })}
            </Text>
            <Select
              label={t('wo.technician')}
              data={(data?.users.nodes ?? []).filter((u) => u.id !== moving.from).map((u) => ({ value: u.id, label: u.name }))}
              value={moving.to}
              onChange={(v) => setMoving({ ...moving, to: v })}
              clearable
              data-testid="move-week-to"
            />
            <NumberInput
              label={t('wo.shiftDays')}
              value={moving.days}
              min={-60}
              max={60}
              onChange={(v) => setMoving({ ...moving, days: Number(v) || 0 })}
            />
            <Button
              disabled={!moving.to && !moving.days}
              data-testid="move-week-confirm"
              onClick={async () => {
                const ids = week.filter((w) => w.technician?.id === moving.from && w.status === 'SCHEDULED').map((w) => w.id);
                const to = data?.users.nodes.find((u) => u.id === moving.to);
                const res = await bulkSchedule({
                  input: {
                    ids,
                    ...(to ? { technicianId: to.id, ...(to.team ? { teamId: to.team.id } : {}) } : {}),
                    shiftDays: moving.days,
                  },
                });
                if (reportResult(res.data?.bulkScheduleWorkOrders, res.error?.message, t('wo.planned'))) {
                  setMoving(null);
                  refetch();
                }
              }}
            >
              {t('wo.plan')}
            </Button>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
