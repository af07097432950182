/**
 * Work orders. Technicians get "my work today" (their own orders: start, then complete with
 * the resolution, the measured signal and the ONU installed); support and admins get the
 * planning board.
 */
import {
  Alert,
  Badge,
  Button,
  FileInput,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { lazy, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import type { Me } from '../me.ts';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { discard, enqueue, flush, newKey, pendingOps, recall, remember, resizePhoto, type Op, type QueuedFile } from '../offline.ts';
import { WorkOrderCard, type WorkOrderCardData } from './WorkOrderCard.tsx';
import { DeviceActionsPanel } from './DeviceActions.tsx';

const PlanningBoard = lazy(() => import('./PlanningBoard.tsx'));

const MyWorkDoc = graphql(`
  query MyWorkToday($filter: WorkOrderFilter) {
    workOrders(first: 100, filter: $filter) { nodes { ...WorkOrderCardFields } }
  }
`);

const VanDoc = graphql(`
  query MyVan {
    stockLocations { id name items { serial status material { name } } levels { quantity material { id name unit serialKind } } }
  }
`);

const RESOLUTIONS = [
  'FIBRE_REPAIRED',
  'CONNECTOR_CLEANED',
  'ONU_REPLACED',
  'ROUTER_REPLACED',
  'CONFIGURATION',
  'INSTALLED',
  'EQUIPMENT_PICKED_UP',
  'NO_FAULT_FOUND',
  'OTHER',
] as const;
type ResolutionType = (typeof RESOLUTIONS)[number];

const OTHER_SERIAL = '__other__';
const RANK: Record<string, number> = { PENDING_PLANNING: 0, SCHEDULED: 0, IN_PROGRESS: 1, COMPLETED: 2, FAILED: 2 };

export default function WorkOrders({ me }: { me: Me }) {
  return me.role === 'TECHNICIAN' ? <MyWork /> : <PlanningBoard />;
}

/** The outbox as the screen needs it: what is queued, and whether the phone is online. */
function useOutbox(): { ops: Op[]; online: boolean } {
  const [ops, setOps] = useState<Op[]>([]);
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const load = () => void pendingOps().then(setOps);
    const up = () => {
      setOnline(true);
      void flush();
    };
    const down = () => setOnline(false);
    load();
    void flush();
    window.addEventListener('emerald:outbox', load);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    // Coverage can come back without an "online" event (a captive portal, a flaky cell): retry.
    const timer = setInterval(() => navigator.onLine && void flush(), 20_000);
    return () => {
      window.removeEventListener('emerald:outbox', load);
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      clearInterval(timer);
    };
  }, []);
  return { ops, online };
}

/** Data of a query, or — without coverage — what it last returned on this phone. */
function useRemembered<T>(key: string, data: T | undefined): T | undefined {
  const [kept, setKept] = useState<T | undefined>(undefined);
  useEffect(() => {
    if (data) {
      setKept(data);
      void remember(key, data);
    } else {
      // Only what this phone kept, and never over something newer it already has.
      void recall<T>(key).then((v) => setKept((current) => current ?? v));
    }
  }, [key, data]);
  return data ?? kept;
}

interface CompletionForm {
  resolution: ResolutionType;
  rx: number | '';
  serial: string | null;
  otherSerial: string;
  overrideReason: string;
  notes: string;
  used: Record<string, number | ''>;
  photos: Blob[];
  signature: Blob | null;
  signedBy: string;
}

const emptyForm = (): CompletionForm => ({
  resolution: 'FIBRE_REPAIRED',
  rx: '',
  serial: null,
  otherSerial: '',
  overrideReason: '',
  notes: '',
  used: {},
  photos: [],
  signature: null,
  signedBy: '',
});

function MyWork() {
  const { t } = useI18n();
  const today = useMemo(() => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    return { from: from.toISOString(), to: new Date(from.getFullYear(), from.getMonth(), from.getDate() + 1).toISOString() };
  }, []);
  const [{ data: live }, refetch] = useQuery({ query: MyWorkDoc, variables: { filter: { mine: true, ...today } } });
  const [{ data: vanLive }, refetchVan] = useQuery({ query: VanDoc });
  const data = useRemembered(`mywork:${today.from}`, live);
  const vanData = useRemembered('myvan', vanLive);
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  const { ops, online } = useOutbox();
  const [completing, setCompleting] = useState<string | null>(null);
  const [devicesOf, setDevicesOf] = useState<string | null>(null);
  const [form, setForm] = useState<CompletionForm>(emptyForm);
  const [busy, setBusy] = useState(false);
  const orders = data?.workOrders.nodes ?? [];
  const van = vanData?.stockLocations[0] ?? null;
  const vanSerials = (van?.items ?? []).filter((i) => i.status === 'IN_STOCK');
  const vanBulk = (van?.levels ?? []).filter((l) => !l.material.serialKind && l.quantity > 0);
  const queued = (id: string) => ops.filter((o) => o.workOrderId === id);
  // What this phone did, shown at once and kept until the server's answer catches up.
  const [done, setDone] = useState<Record<string, 'IN_PROGRESS' | 'COMPLETED'>>({});
  const shown = (w: WorkOrderCardData): WorkOrderCardData['status'] => {
    const local = done[w.id];
    return local && RANK[local]! > (RANK[w.status] ?? 0) ? local : w.status;
  };

  // Whatever the outbox delivers (now, or later when coverage returns), reload from the server.
  useEffect(() => {
    const synced = () => {
      refetch({ requestPolicy: 'network-only' });
      refetchVan({ requestPolicy: 'network-only' });
    };
    window.addEventListener('emerald:synced', synced);
    return () => window.removeEventListener('emerald:synced', synced);
  }, [refetch, refetchVan]);
  const afterSend = () => flush();

  const start = async (id: string) => {
    setDone((d) => ({ ...d, [id]: 'IN_PROGRESS' }));
    await enqueue({ id: newKey('start'), at: Date.now(), kind: 'start', workOrderId: id });
    await afterSend();
  };

  const complete = async () => {
    if (!completing) return;
    setBusy(true);
    try {
      const serial = form.serial === OTHER_SERIAL ? form.otherSerial.trim() : form.serial;
      const materials = Object.entries(form.used)
        .filter(([, q]) => q !== '' && Number(q) > 0)
        .map(([materialId, quantity]) => ({ materialId, quantity: Number(quantity) }));
      const files: QueuedFile[] = [
        ...form.photos.map((blob, i) => ({
          kind: 'PHOTO' as const,
          name: `foto-${i + 1}.jpg`,
          type: 'image/jpeg',
          blob,
          uploadKey: newKey('photo'),
        })),
        ...(form.signature
          ? [{ kind: 'SIGNATURE' as const, name: 'firma.png', type: 'image/png', blob: form.signature, uploadKey: newKey('signature') }]
          : []),
      ];
      await enqueue({
        id: newKey('complete'),
        at: Date.now(),
        kind: 'complete',
        workOrderId: completing,
        files,
        input: {
          id: completing,
          completionKey: newKey('done'),
          resolutionType: form.resolution,
          ...(form.rx === '' ? {} : { measuredRxPower: form.rx }),
          ...(serial ? { installedOnuSerial: serial } : {}),
          ...(form.serial === OTHER_SERIAL && form.overrideReason.trim() ? { stockOverrideReason: form.overrideReason.trim() } : {}),
          ...(form.notes.trim() ? { resolutionNotes: form.notes.trim() } : {}),
          ...(form.signedBy.trim() ? { signedBy: form.signedBy.trim() } : {}),
          ...(materials.length ? { materials } : {}),
        },
      });
      setDone((d) => ({ ...d, [completing]: 'COMPLETED' }));
      setCompleting(null);
      setForm(emptyForm());
      await afterSend();
      notifications.show({ color: 'teal', message: navigator.onLine ? t('wo.completed') : t('offline.queued') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('wo.my')}
      </Title>
      {(!online || ops.length > 0) && (
        <Alert color={online ? 'blue' : 'orange'} data-testid="offline-banner" data-online={String(online)} data-pending={ops.length}>
          {!online && <Text fw={600}>{t('offline.title')}</Text>}
          {ops.length > 0 && <Text size="sm">{t('offline.pending', { n: ops.length })}</Text>}
          {ops
            .filter((o) => o.error)
            .map((o) => (
              <Group key={o.id} gap="xs" mt={4}>
                <Text size="sm" c="red.8">
                  {t('offline.failed', { message: o.error ?? '' })}
                </Text>
                <Button size="compact-xs" variant="default" onClick={() => void discard(o.id)}>
                  {t('offline.discard')}
                </Button>
              </Group>
            ))}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }} data-testid="my-work">
        {orders.length === 0 ? (
          <Text c="dimmed">{t('wo.none')}</Text>
        ) : (
          orders.map((w) => {
            const mine = queued(w.id);
            const status = shown(w);
            return (
              <WorkOrderCard key={w.id} w={{ ...w, status }}>
                {mine.length > 0 && (
                  <Badge color="orange" variant="light" mt={4} data-testid="pending-sync">
                    {t('offline.badge')}
                  </Badge>
                )}
                <Group mt="xs" gap="xs">
                  {status === 'SCHEDULED' && (
                    <Button size="xs" onClick={() => void start(w.id)}>
                      {t('wo.start')}
                    </Button>
                  )}
                  {status === 'IN_PROGRESS' && (
                    <Button size="xs" color="teal.8" onClick={() => setCompleting(w.id)} data-testid="complete-work-order">
                      {t('wo.complete')}
                    </Button>
                  )}
                  {status === 'IN_PROGRESS' && w.ticket.connection && online && (
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
            );
          })
        )}
      </SimpleGrid>
      {van && (
        <Text size="sm" c="dimmed" data-testid="my-van">
          {van.name}: {vanSerials.length} ONU · {vanBulk.map((l) => `${l.material.name} ${l.quantity} ${l.material.unit}`).join(' · ')}
        </Text>
      )}
      {/* On site, the technician can reboot the ONU or reconnect the session of this connection (their work order's). */}
      <Modal opened={devicesOf !== null} onClose={() => setDevicesOf(null)} title={t('wo.devices')} size="lg">
        {devicesOf && <DeviceActionsPanel connectionId={devicesOf} />}
      </Modal>
      <Modal opened={completing !== null} onClose={() => setCompleting(null)} title={t('wo.complete')} fullScreen={isPhone()}>
        <Stack>
          <Select
            label={t('wo.resolution')}
            data={RESOLUTIONS.map((r) => ({ value: r, label: t(`resolution.${r}` as never) }))}
            value={form.resolution}
            onChange={(v) => v && setForm({ ...form, resolution: v as ResolutionType })}
            data-testid="resolution"
            allowDeselect={false}
          />
          <NumberInput
            label={t('wo.signal')}
            value={form.rx}
            onChange={(v) => setForm({ ...form, rx: v === '' ? '' : Number(v) })}
            decimalScale={2}
            step={0.1}
            data-testid="measured-signal"
          />
          <Select
            label={t('wo.serial')}
            description={van ? t('wo.serialFromVan', { van: van.name }) : undefined}
            data={[
              ...vanSerials.map((i) => ({ value: i.serial, label: `${i.serial} · ${i.material.name}` })),
              { value: OTHER_SERIAL, label: t('wo.otherSerial') },
            ]}
            value={form.serial}
            onChange={(v) => setForm({ ...form, serial: v })}
            clearable
            data-testid="installed-serial"
          />
          {form.serial === OTHER_SERIAL && (
            <>
              <TextInput
                label={t('wo.serial')}
                value={form.otherSerial}
                onChange={(e) => setForm({ ...form, otherSerial: e.currentTarget.value })}
              />
              <TextInput
                label={t('wo.overrideReason')}
                value={form.overrideReason}
                onChange={(e) => setForm({ ...form, overrideReason: e.currentTarget.value })}
              />
            </>
          )}
          {vanBulk.length > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                {t('wo.materialsUsed')}
              </Text>
              {vanBulk.map((l) => (
                <NumberInput
                  key={l.material.id}
                  label={`${l.material.name} (${l.material.unit}, ${t('wo.inVan', { n: l.quantity })})`}
                  value={form.used[l.material.id] ?? ''}
                  min={0}
                  max={l.quantity}
                  onChange={(v) => setForm({ ...form, used: { ...form.used, [l.material.id]: v === '' ? '' : Number(v) } })}
                  data-testid={`used-${l.material.id}`}
                  size="xs"
                />
              ))}
            </Stack>
          )}
          <Textarea label={t('wo.notes')} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
          <FileInput
            label={t('wo.photos')}
            accept="image/*"
            multiple
            capture="environment"
            value={[]}
            placeholder={form.photos.length ? t('wo.photosTaken', { n: form.photos.length }) : t('wo.addPhotos')}
            onChange={async (files) => {
              try {
                const resized = await Promise.all(files.map((f) => resizePhoto(f)));
                setForm((f) => ({ ...f, photos: [...f.photos, ...resized] }));
              } catch {
                notifications.show({ color: 'red', message: t('wo.photoUnreadable') });
              }
            }}
            data-testid="photos"
          />
          <TextInput
            label={t('wo.signedBy')}
            value={form.signedBy}
            onChange={(e) => setForm({ ...form, signedBy: e.currentTarget.value })}
            data-testid="signed-by"
          />
          <SignaturePad
            label={t('wo.signature')}
            clearLabel={t('wo.clearSignature')}
            onChange={(b) => setForm((f) => ({ ...f, signature: b }))}
          />
          <Button data-testid="confirm-complete" loading={busy} onClick={() => void complete()}>
            {t('wo.complete')}
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}

const isPhone = () => window.matchMedia('(max-width: 600px)').matches;

/** The customer signs with a finger: a canvas that records strokes, exported as PNG. */
function SignaturePad({ label, clearLabel, onChange }: { label: string; clearLabel: string; onChange(b: Blob | null): void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const [signed, setSigned] = useState(false);
  const point = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) * e.currentTarget.width) / r.width, ((e.clientY - r.top) * e.currentTarget.height) / r.height] as const;
  };
  const clear = () => {
    const c = ref.current!;
    const g = c.getContext('2d')!;
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, c.width, c.height);
    setSigned(false);
    onChange(null);
  };
  // A blank (white) pad once, when it appears.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once; clear only paints and reports "no signature"
  useEffect(clear, []);
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500} id="signature-label">
          {label}
        </Text>
        <Button size="compact-xs" variant="subtle" onClick={clear} disabled={!signed}>
          {clearLabel}
        </Button>
      </Group>
      <canvas
        ref={ref}
        width={600}
        height={220}
        aria-labelledby="signature-label"
        data-testid="signature-pad"
        data-signed={String(signed)}
        style={{
          width: '100%',
          height: 160,
          border: '1px solid var(--mantine-color-gray-5)',
          borderRadius: 6,
          touchAction: 'none',
          background: '#fff',
        }}
        onPointerDown={(e) => {
          drawing.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          const g = e.currentTarget.getContext('2d')!;
          const [x, y] = point(e);
          g.beginPath();
          g.moveTo(x, y);
        }}
        onPointerMove={(e) => {
          if (!drawing.current) return;
          const g = e.currentTarget.getContext('2d')!;
          const [x, y] = point(e);
          g.lineWidth = 3;
          g.lineCap = 'round';
          g.strokeStyle = '#111111';
          g.lineTo(x, y);
          g.stroke();
        }}
        onPointerUp={(e) => {
          if (!drawing.current) return;
          drawing.current = false;
          setSigned(true);
          e.currentTarget.toBlob((b) => onChange(b), 'image/png');
        }}
      />
    </Stack>
  );
}
