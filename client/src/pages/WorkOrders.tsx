/**
 * Work orders. Technicians: "my work today" (their own orders, start and complete with the
 * measured signal and the ONU installed). Support and admins: the week's board by day and
 * technician; drop an unscheduled card on a day to schedule it.
 */
import { Badge, Button, Card, Group, Modal, NumberInput, Paper, ScrollArea, Select, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Me } from '../App.tsx';
import { graphql } from '../gql/index.ts';
import type { ResolutionType } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../live.ts';
import { reportResult } from '../ui.tsx';

const WorkOrdersDoc = graphql(`
  query WorkOrderBoard($filter: WorkOrderFilter) {
    workOrders(first: 100, filter: $filter) {
      nodes {
        id number status type scheduledStart durationMinutes notes
        technician { id name }
        ticket { id number subject connection { pppoeUsername address onu { serial status { value } } } customer { name } }
      }
    }
  }
`);

const StartDoc = graphql(`mutation StartWorkOrderView($id: ID!) { startWorkOrder(id: $id) { __typename ... on Error { message } } }`);
const CompleteDoc = graphql(`
  mutation CompleteWorkOrderView($input: CompleteWorkOrderInput!) { completeWorkOrder(input: $input) { __typename ... on Error { message } } }
`);
const ScheduleDoc = graphql(`
  mutation ScheduleWorkOrderView($input: ScheduleWorkOrderInput!) { scheduleWorkOrder(input: $input) { __typename ... on Error { message } } }
`);

const RESOLUTIONS: ResolutionType[] = ['FIBRE_REPAIRED', 'CONNECTOR_CLEANED', 'ONU_REPLACED', 'ROUTER_REPLACED', 'CONFIGURATION', 'INSTALLED', 'EQUIPMENT_PICKED_UP', 'NO_FAULT_FOUND', 'OTHER'];

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export default function WorkOrders({ me }: { me: Me }) {
  const { t, date } = useI18n();
  const technician = me.role === 'TECHNICIAN';
  const today = useMemo(() => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    return { from: from.toISOString(), to: new Date(from.getTime() + 86_400_000 - 1).toISOString() };
  }, []);
  const [{ data }, refetch] = useQuery({ query: WorkOrdersDoc, variables: { filter: technician ? { mine: true, ...today } : {} } });
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  const [, start] = useMutation(StartDoc);
  const [, complete] = useMutation(CompleteDoc);
  const [, schedule] = useMutation(ScheduleDoc);
  const [completing, setCompleting] = useState<string | null>(null);
  const [form, setForm] = useState<{ resolution: ResolutionType; rx: number | ''; serial: string; notes: string }>({ resolution: 'FIBRE_REPAIRED', rx: '', serial: '', notes: '' });
  const orders = data?.workOrders.nodes ?? [];
  const report = (r: object | undefined, ok: string) => {
    reportResult(r, undefined, ok);
    refetch({ requestPolicy: 'network-only' });
  };

  const days = useMemo(() => {
    const out: Date[] = [];
    const d = new Date();
    d.setHours(0, 0, 0, 0);
    for (let i = 0; i < 6; i++) out.push(new Date(d.getTime() + i * 86_400_000));
    return out;
  }, []);

  const card = (w: (typeof orders)[number], draggable = false) => (
    <Paper
      key={w.id}
      withBorder
      p="sm"
      data-testid="work-order"
      draggable={draggable}
      onDragStart={(e) => e.dataTransfer.setData('text/plain', w.id)}
      style={{ cursor: draggable ? 'grab' : undefined }}
    >
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600} size="sm">
          OT #{w.number} · {w.type}
        </Text>
        <Badge size="sm" color={w.status === 'COMPLETED' ? 'teal' : w.status === 'IN_PROGRESS' ? 'blue' : 'gray'}>
          {t(`woStatus.${w.status}` as never)}
        </Badge>
      </Group>
      <Text size="sm">{w.ticket.customer?.name}</Text>
      <Text size="xs" c="dimmed">
        {w.ticket.connection?.address} · {w.ticket.connection?.pppoeUsername}
      </Text>
      <Text size="xs" c="dimmed">
        {w.scheduledStart ? date(w.scheduledStart) : t('woStatus.PENDING_PLANNING')} · {w.technician?.name ?? '—'}
      </Text>
      {technician && (
        <Group mt="xs" gap="xs">
          {w.status === 'SCHEDULED' && (
            <Button size="xs" onClick={async () => report((await start({ id: w.id })).data?.startWorkOrder, t('woStatus.IN_PROGRESS'))}>
              {t('wo.start')}
            </Button>
          )}
          {w.status === 'IN_PROGRESS' && (
            <Button size="xs" color="teal" onClick={() => setCompleting(w.id)} data-testid="complete-work-order">
              {t('wo.complete')}
            </Button>
          )}
        </Group>
      )}
    </Paper>
  );

  return (
    <Stack>
      <Title order={2}>{technician ? t('wo.my') : t('wo.title')}</Title>
      {technician ? (
        <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }} data-testid="my-work">
          {orders.length === 0 ? <Text c="dimmed">{t('wo.none')}</Text> : orders.map((w) => card(w))}
        </SimpleGrid>
      ) : (
        <ScrollArea>
          <Group align="start" wrap="nowrap" gap="sm">
            <Card withBorder w={260} miw={260}>
              <Text fw={600} mb="xs">
                {t('woStatus.PENDING_PLANNING')}
              </Text>
              <Stack gap="xs">{orders.filter((w) => !w.scheduledStart).map((w) => card(w, true))}</Stack>
            </Card>
            {days.map((d) => (
              <Card
                key={dayKey(d)}
                withBorder
                w={260}
                miw={260}
                onDragOver={(e) => e.preventDefault()}
                onDrop={async (e) => {
                  const id = e.dataTransfer.getData('text/plain');
                  const at = new Date(d.getTime() + 9 * 3_600_000);
                  report((await schedule({ input: { id, scheduledStart: at.toISOString(), durationMinutes: 90 } })).data?.scheduleWorkOrder, t('woStatus.SCHEDULED'));
                }}
              >
                <Text fw={600} mb="xs">
                  {date(d, 'long').split(',')[0]}
                </Text>
                <Stack gap="xs">{orders.filter((w) => w.scheduledStart && dayKey(new Date(w.scheduledStart)) === dayKey(d)).map((w) => card(w, true))}</Stack>
              </Card>
            ))}
          </Group>
        </ScrollArea>
      )}
      <Modal opened={completing !== null} onClose={() => setCompleting(null)} title={t('wo.complete')}>
        <Stack>
          <Select label={t('wo.resolution')} data={RESOLUTIONS} value={form.resolution} onChange={(v) => v && setForm({ ...form, resolution: v as ResolutionType })} data-testid="resolution" />
          <NumberInput label={t('wo.signal')} value={form.rx} onChange={(v) => setForm({ ...form, rx: v === '' ? '' : Number(v) })} decimalScale={2} step={0.1} data-testid="measured-signal" />
          <TextInput label={t('wo.serial')} value={form.serial} onChange={(e) => setForm({ ...form, serial: e.currentTarget.value })} />
          <Textarea label={t('wo.notes')} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
          <Button
            data-testid="confirm-complete"
            onClick={async () => {
              const res = await complete({
                input: {
                  id: completing!,
                  resolutionType: form.resolution,
                  ...(form.rx === '' ? {} : { measuredRxPower: form.rx }),
                  ...(form.serial.trim() ? { installedOnuSerial: form.serial.trim() } : {}),
                  ...(form.notes.trim() ? { resolutionNotes: form.notes.trim() } : {}),
                },
              });
              setCompleting(null);
              report(res.data?.completeWorkOrder, t('wo.completed'));
            }}
          >
            {t('wo.complete')}
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}
