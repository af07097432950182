/**
 * Work orders. Technicians get "my work today" (their own orders: start, then complete with
 * the resolution, the measured signal and the ONU installed); support and admins get the
 * planning board.
 */
import { Button, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { lazy, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Me } from '../me.ts';
import { graphql } from '../gql/index.ts';
import type { ResolutionType } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { reportResult } from '../ui.tsx';
import { WorkOrderCard } from './WorkOrderCard.tsx';
import { DeviceActionsPanel } from './DeviceActions.tsx';

const PlanningBoard = lazy(() => import('./PlanningBoard.tsx'));

const MyWorkDoc = graphql(`
  query MyWorkToday($filter: WorkOrderFilter) {
    workOrders(first: 100, filter: $filter) { nodes { ...WorkOrderCardFields } }
  }
`);

const StartDoc = graphql(`mutation StartWorkOrderView($id: ID!) { startWorkOrder(id: $id) { __typename ... on Error { message } } }`);
const CompleteDoc = graphql(`
  mutation CompleteWorkOrderView($input: CompleteWorkOrderInput!) { completeWorkOrder(input: $input) { __typename ... on Error { message } } }
`);

const RESOLUTIONS: ResolutionType[] = [
  'FIBRE_REPAIRED',
  'CONNECTOR_CLEANED',
  'ONU_REPLACED',
  'ROUTER_REPLACED',
  'CONFIGURATION',
  'INSTALLED',
  'EQUIPMENT_PICKED_UP',
  'NO_FAULT_FOUND',
  'OTHER',
];

export default function WorkOrders({ me }: { me: Me }) {
  return me.role === 'TECHNICIAN' ? <MyWork /> : <PlanningBoard />;
}

function MyWork() {
  const { t } = useI18n();
  const today = useMemo(() => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    return { from: from.toISOString(), to: new Date(from.getFullYear(), from.getMonth(), from.getDate() + 1).toISOString() };
  }, []);
  const [{ data }, refetch] = useQuery({ query: MyWorkDoc, variables: { filter: { mine: true, ...today } } });
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  const [, start] = useMutation(StartDoc);
  const [, complete] = useMutation(CompleteDoc);
  const [completing, setCompleting] = useState<string | null>(null);
  const [devicesOf, setDevicesOf] = useState<string | null>(null);
  const [form, setForm] = useState<{ resolution: ResolutionType; rx: number | ''; serial: string; notes: string }>({
    resolution: 'FIBRE_REPAIRED',
    rx: '',
    serial: '',
    notes: '',
  });
  const orders = data?.workOrders.nodes ?? [];
  const report = (r: object | undefined, ok: string) => {
    reportResult(r, undefined, ok);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <Stack>
      <Title order={2}>{t('wo.my')}</Title>
      <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }} data-testid="my-work">
        {orders.length === 0 ? (
          <Text c="dimmed">{t('wo.none')}</Text>
        ) : (
          orders.map((w) => (
            <WorkOrderCard key={w.id} w={w}>
              <Group mt="xs" gap="xs">
                {w.status === 'SCHEDULED' && (
                  <Button
                    size="xs"
                    onClick={async () => report((await start({ id: w.id })).data?.startWorkOrder, t('woStatus.IN_PROGRESS'))}
                  >
                    {t('wo.start')}
                  </Button>
                )}
                {w.status === 'IN_PROGRESS' && (
                  <Button size="xs" color="teal" onClick={() => setCompleting(w.id)} data-testid="complete-work-order">
                    {t('wo.complete')}
                  </Button>
                )}
                {w.status === 'IN_PROGRESS' && w.ticket.connection && (
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => setDevicesOf(w.ticket.connection!.id)}
                    data-testid="work-order-devices"
                  >
                    {t('wo.devices')}
                  </Button>
                )}
              </Group>
            </WorkOrderCard>
          ))
        )}
      </SimpleGrid>
      {/* On site, the technician can reboot the ONU or reconnect the session of this connection (their work order's). */}
      <Modal opened={devicesOf !== null} onClose={() => setDevicesOf(null)} title={t('wo.devices')} size="lg">
        {devicesOf && <DeviceActionsPanel connectionId={devicesOf} />}
      </Modal>
      <Modal opened={completing !== null} onClose={() => setCompleting(null)} title={t('wo.complete')}>
        <Stack>
          <Select
            label={t('wo.resolution')}
            data={RESOLUTIONS.map((r) => ({ value: r, label: t(`resolution.${r}` as never) }))}
            value={form.resolution}
            onChange={(v) => v && setForm({ ...form, resolution: v as ResolutionType })}
            data-testid="resolution"
          />
          <NumberInput
            label={t('wo.signal')}
            value={form.rx}
            onChange={(v) => setForm({ ...form, rx: v === '' ? '' : Number(v) })}
            decimalScale={2}
            step={0.1}
            data-testid="measured-signal"
          />
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
