/**
 * Stock: warehouses and vans with what they hold, low-stock notices, moves (receive,
 * transfer, count), serialised units and the history of any of them, CSV exports.
 * Technicians see their van, read-only.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import type { Me } from '../me.ts';
import { ExportLink, reportResult } from '../ui.tsx';

const StockDoc = graphql(`
  query StockView {
    stockLocations {
      id name kind lowCount technician { name } team { name }
      levels { quantity minQuantity low material { id code name unit } }
      items { id serial status material { code name } }
    }
    lowStock { quantity minQuantity location { id name } material { name unit } }
    materials { id code name unit serialKind active }
  }
`);

const ItemDoc = graphql(`
  query StockItemHistory($serial: String!) {
    stockItem(serial: $serial) {
      id serial status material { name } location { name } connection { id pppoeUsername customer { name } }
      moves { id kind reason at from { name } to { name } workOrder { number } actor { name } }
    }
  }
`);

const ReceiveDoc = graphql(`
  mutation ReceiveStockView($input: StockMoveInput!) {
    receiveStock(input: $input) { __typename ... on ReceiveStockSuccess { result { moved } } ... on Error { message } }
  }
`);
const TransferDoc = graphql(`
  mutation TransferStockView($input: StockMoveInput!) {
    transferStock(input: $input) { __typename ... on TransferStockSuccess { result { moved } } ... on Error { message } }
  }
`);
const AdjustDoc = graphql(`
  mutation AdjustStockView($locationId: ID!, $materialId: ID!, $quantity: Float!, $reason: String!) {
    adjustStock(locationId: $locationId, materialId: $materialId, quantity: $quantity, reason: $reason) { __typename ... on Error { message } }
  }
`);
const ThresholdDoc = graphql(`
  mutation StockThresholdView($locationId: ID!, $materialId: ID!, $minQuantity: Float) {
    setStockThreshold(locationId: $locationId, materialId: $materialId, minQuantity: $minQuantity) { __typename ... on Error { message } }
  }
`);

const SaveLocationDoc = graphql(`
  mutation SaveStockLocationView($input: StockLocationInput!) {
    saveStockLocation(input: $input) { __typename ... on SaveStockLocationSuccess { location { id } } ... on Error { message } }
  }
`);
const TechniciansDoc = graphql(`query StockTechnicians { users(first: 100, role: [TECHNICIAN]) { nodes { id name } } teams { id name } }`);
const FaultyDoc = graphql(`
  mutation StockFaultyView($serial: String!, $reason: String!) {
    markStockItemFaulty(serial: $serial, reason: $reason) { __typename ... on Error { message } }
  }
`);
const ReturnDoc = graphql(`
  mutation StockReturnView($serial: String!, $locationId: ID!, $reason: String!) {
    returnStockItem(serial: $serial, locationId: $locationId, reason: $reason) { __typename ... on Error { message } }
  }
`);

type Action = 'receive' | 'transfer' | 'adjust' | 'threshold';

export default function StockPage({ me }: { me: Me }) {
  const { t, date, number } = useI18n();
  const keeper = me.role === 'ADMIN' || me.role === 'SUPPORT';
  const [{ data }, refetch] = useQuery({ query: StockDoc });
  const [selected, setSelected] = useState<string | null>(null);
  const locations = data?.stockLocations ?? [];
  const current = locations.find((l) => l.id === selected) ?? locations[0];
  const [serial, setSerial] = useState('');
  const [lookup] = useDebouncedValue(serial.trim(), 250);
  const [item] = useQuery({ query: ItemDoc, variables: { serial: lookup }, pause: lookup.length < 6 });
  const [action, setAction] = useState<Action | null>(null);
  const [form, setForm] = useState<{
    materialId: string | null;
    to: string | null;
    quantity: number | '';
    serials: string;
    reason: string;
  }>({
    materialId: null,
    to: null,
    quantity: '',
    serials: '',
    reason: '',
  });
  const [, receive] = useMutation(ReceiveDoc);
  const [, transfer] = useMutation(TransferDoc);
  const [, adjust] = useMutation(AdjustDoc);
  const [, threshold] = useMutation(ThresholdDoc);
  const [, saveLocation] = useMutation(SaveLocationDoc);
  const [, faulty] = useMutation(FaultyDoc);
  const [, giveBack] = useMutation(ReturnDoc);
  const [techs] = useQuery({ query: TechniciansDoc, pause: !keeper });
  const [newLocation, setNewLocation] = useState<{
    kind: 'WAREHOUSE' | 'VAN';
    name: string;
    technicianId: string | null;
    teamId: string | null;
  } | null>(null);
  const [itemReason, setItemReason] = useState('');
  const [returnTo, setReturnTo] = useState<string | null>(null);
  const material = data?.materials.find((m) => m.id === form.materialId);
  const materialOptions = useMemo(
    () =>
      (data?.materials ?? [])
        .filter((m) => m.active)
        .map((m) => ({ value: m.id, label: `${m.name} (${m.serialKind ? t('stock.bySerial') : m.unit})` })),
    [data, t],
  );

  const open = (a: Action) => {
    setForm({ materialId: null, to: null, quantity: '', serials: '', reason: '' });
    setAction(a);
  };
  const submit = async () => {
    if (!current || !form.materialId) return;
    const serials = form.serials
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const amount = material?.serialKind ? { serials } : { quantity: form.quantity === '' ? 0 : form.quantity };
    let res: { data?: Record<string, unknown> | null; error?: { message: string } } | undefined;
    if (action === 'receive') {
      res = await receive({ input: { materialId: form.materialId, toLocationId: current.id, reason: form.reason, ...amount } });
      reportResult(res.data?.receiveStock as object, res.error?.message, t('stock.done'));
    } else if (action === 'transfer') {
      res = await transfer({
        input: { materialId: form.materialId, fromLocationId: current.id, toLocationId: form.to, reason: form.reason, ...amount },
      });
      reportResult(res.data?.transferStock as object, res.error?.message, t('stock.done'));
    } else if (action === 'adjust') {
      res = await adjust({
        locationId: current.id,
        materialId: form.materialId,
        quantity: form.quantity === '' ? 0 : form.quantity,
        reason: form.reason,
      });
      reportResult(res.data?.adjustStock as object, res.error?.message, t('stock.done'));
    } else if (action === 'threshold') {
      res = await threshold({
        locationId: current.id,
        materialId: form.materialId,
        minQuantity: form.quantity === '' ? null : form.quantity,
      });
      reportResult(res.data?.setStockThreshold as object, res.error?.message, t('stock.done'));
    }
    const typename = (Object.values(res?.data ?? {})[0] as { __typename?: string } | undefined)?.__typename ?? '';
    if (typename.endsWith('Success')) setAction(null);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {keeper || me.role === 'NOC' ? t('nav.stock') : t('stock.myVan')}
        </Title>
        {me.role !== 'TECHNICIAN' && (
          <Group gap="xs">
            {keeper && (
              <Button
                size="xs"
                variant="default"
                onClick={() => setNewLocation({ kind: 'VAN', name: '', technicianId: null, teamId: null })}
              >
                {t('stock.newLocation')}
              </Button>
            )}
            <ExportLink kind="stock-items" />
            <ExportLink kind="stock-moves" />
          </Group>
        )}
      </Group>
      {(data?.lowStock.length ?? 0) > 0 && (
        <Alert color="orange" title={t('stock.lowTitle')} data-testid="low-stock">
          {data!.lowStock.map((l) => (
            <Text key={`${l.location.id}-${l.material.name}`} size="sm">
              {l.location.name}: {l.material.name} {number(l.quantity)} {l.material.unit} ({t('stock.min')} {number(l.minQuantity ?? 0)})
            </Text>
          ))}
        </Alert>
      )}
      <Group align="flex-start" wrap="wrap">
        <Stack gap="xs" style={{ flex: '0 1 260px', minWidth: 220 }} data-testid="stock-locations">
          {locations.map((l) => (
            <UnstyledButton key={l.id} onClick={() => setSelected(l.id)} aria-pressed={current?.id === l.id}>
              <Card withBorder padding="xs" bg={current?.id === l.id ? 'var(--mantine-color-teal-light)' : undefined}>
                <Group justify="space-between" wrap="nowrap">
                  <div>
                    <Text fw={600} size="sm">
                      {l.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t(`stockKind.${l.kind}` as never)}
                      {l.technician ? ` · ${l.technician.name}` : l.team ? ` · ${l.team.name}` : ''}
                    </Text>
                  </div>
                  {l.lowCount > 0 && (
                    <Badge color="orange" variant="light">
                      {l.lowCount} {t('stock.low')}
                    </Badge>
                  )}
                </Group>
              </Card>
            </UnstyledButton>
          ))}
          {locations.length === 0 && <Text c="dimmed">{t('stock.none')}</Text>}
        </Stack>
        {current && (
          <Stack style={{ flex: '1 1 480px', minWidth: 0 }} data-testid="stock-location" data-name={current.name}>
            <Group justify="space-between">
              <Title order={2} size="h4">
                {current.name}
              </Title>
              {keeper && (
                <Group gap="xs">
                  <Button size="xs" onClick={() => open('receive')} data-testid="stock-receive">
                    {t('stock.receive')}
                  </Button>
                  <Button size="xs" variant="default" onClick={() => open('transfer')} data-testid="stock-transfer">
                    {t('stock.transfer')}
                  </Button>
                  <Button size="xs" variant="default" onClick={() => open('adjust')}>
                    {t('stock.adjust')}
                  </Button>
                  <Button size="xs" variant="default" onClick={() => open('threshold')}>
                    {t('stock.threshold')}
                  </Button>
                </Group>
              )}
            </Group>
            <Card withBorder p={0}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('stock.material')}</Table.Th>
                    <Table.Th style={{ textAlign: 'right' }}>{t('stock.quantity')}</Table.Th>
                    <Table.Th style={{ textAlign: 'right' }}>{t('stock.min')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {current.levels.map((l) => (
                    <Table.Tr key={l.material.id} data-testid="stock-level" data-code={l.material.code} data-quantity={l.quantity}>
                      <Table.Td>
                        {l.material.name}{' '}
                        {l.low && (
                          <Badge color="orange" size="xs">
                            {t('stock.low')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td style={{ textAlign: 'right' }}>
                        {number(l.quantity)} {l.material.unit}
                      </Table.Td>
                      <Table.Td style={{ textAlign: 'right' }}>{l.minQuantity === null ? '—' : number(l.minQuantity)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
            <Title order={3} size="h5">
              {t('stock.units')} ({current.items.length})
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="xs" data-testid="stock-items">
              {current.items.map((i) => (
                <UnstyledButton key={i.id} onClick={() => setSerial(i.serial)}>
                  <Card withBorder padding="xs">
                    <Text size="sm" ff="monospace">
                      {i.serial}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {i.material.name} · {t(`stockStatus.${i.status}` as never)}
                    </Text>
                  </Card>
                </UnstyledButton>
              ))}
            </SimpleGrid>
          </Stack>
        )}
      </Group>
      {me.role !== 'TECHNICIAN' && (
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            {t('stock.history')}
          </Title>
          <TextInput
            label={t('stock.serial')}
            value={serial}
            onChange={(e) => setSerial(e.currentTarget.value)}
            data-testid="stock-serial"
            maw={320}
          />
          {item.data?.stockItem && (
            <Stack gap={4} mt="sm" data-testid="stock-history">
              <Text size="sm" fw={600}>
                {item.data.stockItem.serial} · {item.data.stockItem.material.name} ·{' '}
                {t(`stockStatus.${item.data.stockItem.status}` as never)}
                {item.data.stockItem.location ? ` · ${item.data.stockItem.location.name}` : ''}
                {item.data.stockItem.connection
                  ? ` · ${item.data.stockItem.connection.customer.name} (${item.data.stockItem.connection.pppoeUsername ?? ''})`
                  : ''}
              </Text>
              {item.data.stockItem.moves.map((m) => (
                <Text key={m.id} size="xs" data-testid="stock-move" data-kind={m.kind}>
                  {date(m.at)} · {t(`stockMove.${m.kind}` as never)} · {m.from?.name ?? '—'} →{' '}
                  {m.to?.name ?? (m.workOrder ? `OT #${m.workOrder.number}` : '—')} · {m.actor?.name ?? 'Emerald'} · {m.reason}
                </Text>
              ))}
            </Stack>
          )}
          {keeper && item.data?.stockItem && ['IN_STOCK', 'INSTALLED'].includes(item.data.stockItem.status) && (
            <Group mt="sm" align="flex-end" gap="xs" data-testid="stock-item-actions">
              <TextInput label={t('stock.reason')} value={itemReason} onChange={(e) => setItemReason(e.currentTarget.value)} />
              {item.data.stockItem.status === 'INSTALLED' && (
                <>
                  <Select
                    label={t('stock.returnTo')}
                    data={locations.map((l) => ({ value: l.id, label: l.name }))}
                    value={returnTo}
                    onChange={setReturnTo}
                  />
                  <Button
                    size="sm"
                    variant="default"
                    disabled={!returnTo || itemReason.trim().length < 3}
                    onClick={async () => {
                      const r = await giveBack({ serial: item.data!.stockItem!.serial, locationId: returnTo!, reason: itemReason });
                      reportResult(r.data?.returnStockItem, r.error?.message, t('stock.done'));
                      refetch({ requestPolicy: 'network-only' });
                    }}
                  >
                    {t('stock.return')}
                  </Button>
                </>
              )}
              <Button
                size="sm"
                color="red"
                variant="light"
                disabled={itemReason.trim().length < 3}
                onClick={async () => {
                  const r = await faulty({ serial: item.data!.stockItem!.serial, reason: itemReason });
                  reportResult(r.data?.markStockItemFaulty, r.error?.message, t('stock.done'));
                  refetch({ requestPolicy: 'network-only' });
                }}
              >
                {t('stock.faulty')}
              </Button>
            </Group>
          )}
          {lookup.length >= 6 && item.data && !item.data.stockItem && (
            <Text size="sm" c="dimmed" mt="xs">
              {t('stock.unknownSerial')}
            </Text>
          )}
        </Card>
      )}
      <Modal opened={newLocation !== null} onClose={() => setNewLocation(null)} title={t('stock.newLocation')}>
        {newLocation && (
          <Stack>
            <Select
              label={t('stock.kind')}
              data={(['WAREHOUSE', 'VAN'] as const).map((k) => ({ value: k, label: t(`stockKind.${k}` as never) }))}
              value={newLocation.kind}
              onChange={(v) => setNewLocation({ ...newLocation, kind: v === 'WAREHOUSE' ? 'WAREHOUSE' : 'VAN' })}
              allowDeselect={false}
            />
            <TextInput
              label={t('stock.name')}
              value={newLocation.name}
              onChange={(e) => setNewLocation({ ...newLocation, name: e.currentTarget.value })}
            />
            {newLocation.kind === 'VAN' && (
              <Select
                label={t('wo.technician')}
                data={(techs.data?.users.nodes ?? []).map((u) => ({ value: u.id, label: u.name }))}
                value={newLocation.technicianId}
                onChange={(v) => setNewLocation({ ...newLocation, technicianId: v, teamId: v ? null : newLocation.teamId })}
                clearable
              />
            )}
            {newLocation.kind === 'VAN' && !newLocation.technicianId && (
              <Select
                label={t('stock.vanTeam')}
                data={(techs.data?.teams ?? []).map((team) => ({ value: team.id, label: team.name }))}
                value={newLocation.teamId}
                onChange={(v) => setNewLocation({ ...newLocation, teamId: v })}
                clearable
              />
            )}
            <Button
              disabled={newLocation.name.trim().length < 2}
              onClick={async () => {
                const r = await saveLocation({
                  input: {
                    kind: newLocation.kind,
                    name: newLocation.name.trim(),
                    ...(newLocation.kind === 'VAN' && newLocation.technicianId ? { technicianId: newLocation.technicianId } : {}),
                    ...(newLocation.kind === 'VAN' && newLocation.teamId ? { teamId: newLocation.teamId } : {}),
                  },
                });
                reportResult(r.data?.saveStockLocation, r.error?.message, t('stock.done'));
                if (r.data?.saveStockLocation.__typename === 'SaveStockLocationSuccess') setNewLocation(null);
                refetch({ requestPolicy: 'network-only' });
              }}
            >
              {t('stock.save')}
            </Button>
          </Stack>
        )}
      </Modal>
      <Modal opened={action !== null} onClose={() => setAction(null)} title={action ? t(`stock.${action}` as never) : ''}>
        <Stack>
          <Select
            label={t('stock.material')}
            data={materialOptions}
            value={form.materialId}
            onChange={(v) => setForm({ ...form, materialId: v })}
            searchable
          />
          {action === 'transfer' && (
            <Select
              label={t('stock.to')}
              data={locations.filter((l) => l.id !== current?.id).map((l) => ({ value: l.id, label: l.name }))}
              value={form.to}
              onChange={(v) => setForm({ ...form, to: v })}
            />
          )}
          {material?.serialKind && (action === 'receive' || action === 'transfer') ? (
            <Textarea
              label={t('stock.serials')}
              description={t('stock.serialsHelp')}
              value={form.serials}
              onChange={(e) => setForm({ ...form, serials: e.currentTarget.value })}
              autosize
              minRows={3}
            />
          ) : (
            <NumberInput
              label={action === 'threshold' ? t('stock.min') : action === 'adjust' ? t('stock.counted') : t('stock.quantity')}
              value={form.quantity}
              onChange={(v) => setForm({ ...form, quantity: v === '' ? '' : Number(v) })}
              min={0}
              decimalScale={2}
            />
          )}
          {action !== 'threshold' && (
            <TextInput
              label={t('stock.reason')}
              value={form.reason}
              onChange={(e) => setForm({ ...form, reason: e.currentTarget.value })}
            />
          )}
          <Button onClick={submit} disabled={!form.materialId} data-testid="stock-confirm">
            {t('stock.save')}
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}
