/**
 * Alerting set-up: notification rules, webhooks and the delivery log (admins), maintenance
 * windows (admins and the NOC).
 */
import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import type { DeliveryStatus, IncidentKind, NotificationChannel, NotificationEvent, NotificationRuleInput, Role } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import type { Me } from '../me.ts';
import { reportResult } from '../ui.tsx';

const RulesDoc = graphql(`
  query AlertRules {
    notificationRules { id name enabled kinds events minAffected oltIds routerIds zones days fromMinute toMinute userIds roles teamIds channels webhookIds escalateAfterMinutes escalateUserIds escalateRoles }
    webhooks { id name url enabled }
    olts { id name }
    users(first: 100) { nodes { id name role active } }
    teams { id name }
  }
`);
const CreateRule = graphql(
  `mutation AlertCreateRule($input: NotificationRuleInput!) { createNotificationRule(input: $input) { __typename ... on Error { message } } }`,
);
const UpdateRule = graphql(
  `mutation AlertUpdateRule($id: ID!, $input: NotificationRuleInput!) { updateNotificationRule(id: $id, input: $input) { __typename ... on Error { message } } }`,
);
const DeleteRule = graphql(`mutation AlertDeleteRule($id: ID!) { deleteNotificationRule(id: $id) }`);
const CreateHook = graphql(
  `mutation AlertCreateHook($input: WebhookInput!) { createWebhook(input: $input) { __typename ... on Error { message } } }`,
);
const UpdateHook = graphql(
  `mutation AlertUpdateHook($id: ID!, $input: WebhookInput!) { updateWebhook(id: $id, input: $input) { __typename ... on Error { message } } }`,
);

const WindowsDoc = graphql(`
  query AlertWindows {
    maintenanceWindows { id title startsAt endsAt cancelledAt note olt { id name } ponPort { id label olt { name } } router { id name } createdBy { name } }
    olts { id name }
    routers(first: 100) { nodes { id name } }
  }
`);
const CreateWindow = graphql(
  `mutation AlertCreateWindow($input: MaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { __typename ... on Error { message } } }`,
);
const CancelWindow = graphql(
  `mutation AlertCancelWindow($id: ID!) { cancelMaintenanceWindow(id: $id) { __typename ... on Error { message } } }`,
);

const DeliveriesDoc = graphql(`
  query AlertDeliveries($status: DeliveryStatus) {
    notificationDeliveries(first: 100, status: $status) {
      totalCount
      nodes { id event channel address status attempts lastError sentAt createdAt incident { id number title } }
    }
  }
`);

const KINDS: IncidentKind[] = ['FIBRE_CUT', 'POWER_OUTAGE', 'ROUTER_OUTAGE'];
const EVENTS: NotificationEvent[] = ['OPENED', 'CLASSIFIED', 'GREW', 'CLEARED'];
const CHANNELS: NotificationChannel[] = ['EMAIL', 'TELEGRAM', 'WEBHOOK'];
const ROLES: Role[] = ['ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN'];
const STATUS_COLOR: Record<string, string> = { QUEUED: 'blue', SENT: 'teal', FAILED: 'red', SUPPRESSED: 'gray' };

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const toMinutes = (s: string): number | null => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 1440 ? v : null;
};

type Rule = NonNullable<ReturnType<typeof useRules>['data']>['notificationRules'][number];
function useRules() {
  const [result, refetch] = useQuery({ query: RulesDoc });
  return { data: result.data, refetch: () => refetch({ requestPolicy: 'network-only' }) };
}

const EMPTY: NotificationRuleInput = { name: '', channels: ['TELEGRAM'], roles: ['NOC'], events: EVENTS, fromMinute: 0, toMinute: 1440 };

function RuleForm({ rule, onDone }: { rule: Rule | null; onDone(): void }) {
  const { t } = useI18n();
  const { data } = useRules();
  const [, create] = useMutation(CreateRule);
  const [, update] = useMutation(UpdateRule);
  const [form, setForm] = useState<NotificationRuleInput>(() =>
    rule
      ? {
          name: rule.name,
          enabled: rule.enabled,
          kinds: rule.kinds,
          events: rule.events,
          minAffected: rule.minAffected,
          oltIds: rule.oltIds,
          routerIds: rule.routerIds,
          zones: rule.zones,
          days: rule.days,
          fromMinute: rule.fromMinute,
          toMinute: rule.toMinute,
          userIds: rule.userIds,
          roles: rule.roles,
          teamIds: rule.teamIds,
          channels: rule.channels,
          webhookIds: rule.webhookIds,
          escalateAfterMinutes: rule.escalateAfterMinutes ?? null,
          escalateUserIds: rule.escalateUserIds,
          escalateRoles: rule.escalateRoles,
        }
      : EMPTY,
  );
  const [from, setFrom] = useState(hhmm(form.fromMinute ?? 0));
  const [to, setTo] = useState(hhmm(form.toMinute ?? 1440));
  const set = (patch: Partial<NotificationRuleInput>) => setForm((f) => ({ ...f, ...patch }));
  const people = (data?.users.nodes ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }));
  return (
    <Stack>
      <TextInput
        label={t('alerts.name')}
        value={form.name}
        onChange={(e) => set({ name: e.currentTarget.value })}
        data-testid="rule-name"
      />
      <Switch label={t('alerts.enabled')} checked={form.enabled ?? true} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
      <MultiSelect
        label={t('alerts.kinds')}
        data={KINDS.map((k) => ({ value: k, label: t(`incident.${k}` as never) }))}
        value={form.kinds ?? []}
        onChange={(v) => set({ kinds: v as IncidentKind[] })}
      />
      <MultiSelect
        label={t('alerts.events')}
        data={EVENTS.map((e) => ({ value: e, label: t(`nevent.${e}` as never) }))}
        value={form.events ?? []}
        onChange={(v) => set({ events: v as NotificationEvent[] })}
      />
      <Group grow>
        <NumberInput
          label={t('alerts.minAffected')}
          min={0}
          value={form.minAffected ?? 0}
          onChange={(v) => set({ minAffected: Number(v) || 0 })}
        />
        <TextInput label={t('alerts.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label={t('alerts.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
      </Group>
      <MultiSelect
        label={t('alerts.days')}
        data={[1, 2, 3, 4, 5, 6, 0].map((d) => ({ value: String(d), label: t(`day.${d}` as never) }))}
        value={(form.days ?? []).map(String)}
        onChange={(v) => set({ days: v.map(Number) })}
      />
      <MultiSelect
        label={t('alerts.olts')}
        data={(data?.olts ?? []).map((o) => ({ value: o.id, label: o.name }))}
        value={(form.oltIds ?? []) as string[]}
        onChange={(v) => set({ oltIds: v })}
        searchable
      />
      <MultiSelect
        label={t('alerts.roles')}
        data={ROLES.map((r) => ({ value: r, label: t(`role.${r}` as never) }))}
        value={form.roles ?? []}
        onChange={(v) => set({ roles: v as Role[] })}
        data-testid="rule-roles"
      />
      <MultiSelect
        label={t('alerts.users')}
        data={people}
        value={(form.userIds ?? []) as string[]}
        onChange={(v) => set({ userIds: v })}
        searchable
      />
      <MultiSelect
        label={t('alerts.teams')}
        data={(data?.teams ?? []).map((x) => ({ value: x.id, label: x.name }))}
        value={(form.teamIds ?? []) as string[]}
        onChange={(v) => set({ teamIds: v })}
      />
      <MultiSelect
        label={t('alerts.channels')}
        data={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}` as never) }))}
        value={form.channels}
        onChange={(v) => set({ channels: v as NotificationChannel[] })}
        data-testid="rule-channels"
      />
      {form.channels.includes('WEBHOOK') && (
        <MultiSelect
          label={t('alerts.hooks')}
          data={(data?.webhooks ?? []).map((w) => ({ value: w.id, label: w.name }))}
          value={(form.webhookIds ?? []) as string[]}
          onChange={(v) => set({ webhookIds: v })}
        />
      )}
      <Group grow align="start">
        <NumberInput
          label={t('alerts.escalateAfter')}
          min={1}
          value={form.escalateAfterMinutes ?? ''}
          onChange={(v) => set({ escalateAfterMinutes: v === '' ? null : Number(v) })}
        />
        <MultiSelect
          label={t('alerts.escalateRoles')}
          data={ROLES.map((r) => ({ value: r, label: t(`role.${r}` as never) }))}
          value={form.escalateRoles ?? []}
          onChange={(v) => set({ escalateRoles: v as Role[] })}
        />
        <MultiSelect
          label={t('alerts.escalateUsers')}
          data={people}
          value={(form.escalateUserIds ?? []) as string[]}
          onChange={(v) => set({ escalateUserIds: v })}
          searchable
        />
      </Group>
      <Group justify="end">
        <Button variant="default" onClick={onDone}>
          {t('alerts.cancel')}
        </Button>
        <Button
          data-testid="rule-save"
          onClick={async () => {
            const input = { ...form, fromMinute: toMinutes(from) ?? -1, toMinute: toMinutes(to) ?? -1 };
            const res = rule ? await update({ id: rule.id, input }) : await create({ input });
            const r = rule
              ? res.data && 'updateNotificationRule' in res.data
                ? res.data.updateNotificationRule
                : null
              : res.data && 'createNotificationRule' in res.data
                ? res.data.createNotificationRule
                : null;
            if (reportResult(r, res.error?.message, t('alerts.saved'))) onDone();
          }}
        >
          {t('alerts.save')}
        </Button>
      </Group>
    </Stack>
  );
}

function Rules() {
  const { t } = useI18n();
  const { data, refetch } = useRules();
  const [, remove] = useMutation(DeleteRule);
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const close = () => {
    setEditing(null);
    refetch();
  };
  const names = new Map((data?.users.nodes ?? []).map((u) => [u.id, u.name]));
  return (
    <Stack>
      <Group>
        <Button onClick={() => setEditing('new')} data-testid="rule-new">
          {t('alerts.newRule')}
        </Button>
      </Group>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('alerts.newRule') : t('alerts.editRule')}
        size="lg"
      >
        {editing !== null && <RuleForm rule={editing === 'new' ? null : editing} onDone={close} />}
      </Modal>
      <Card withBorder>
        {data && data.notificationRules.length === 0 && <Text c="dimmed">{t('alerts.noRules')}</Text>}
        <Table data-testid="rules">
          <Table.Tbody>
            {(data?.notificationRules ?? []).map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Text fw={600}>{r.name}</Text>
                  {!r.enabled && <Badge color="gray">off</Badge>}
                </Table.Td>
                <Table.Td>
                  {(r.kinds.length ? r.kinds : KINDS).map((k) => t(`incident.${k}` as never)).join(', ')}
                  {r.minAffected ? ` · ≥ ${r.minAffected}` : ''}
                </Table.Td>
                <Table.Td>
                  {[...r.roles.map((x) => t(`role.${x}` as never)), ...r.userIds.map((id) => names.get(id) ?? id)].join(', ')}
                </Table.Td>
                <Table.Td>{r.channels.map((c) => t(`channel.${c}` as never)).join(', ')}</Table.Td>
                <Table.Td>
                  {r.fromMinute === 0 && r.toMinute === 1440 && !r.days.length
                    ? t('alerts.always')
                    : `${r.days.map((d) => t(`day.${d}` as never)).join(' ')} ${hhmm(r.fromMinute)}–${hhmm(r.toMinute)}`}
                </Table.Td>
                <Table.Td>{r.escalateAfterMinutes ? `⇧ ${r.escalateAfterMinutes} min` : ''}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button size="xs" variant="default" onClick={() => setEditing(r)}>
                      {t('alerts.editRule')}
                    </Button>
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      onClick={async () => {
                        await remove({ id: r.id });
                        refetch();
                      }}
                    >
                      {t('alerts.delete')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

function Webhooks() {
  const { t } = useI18n();
  const { data, refetch } = useRules();
  const [, create] = useMutation(CreateHook);
  const [, update] = useMutation(UpdateHook);
  const [form, setForm] = useState({ name: '', url: '', secret: '' });
  return (
    <Stack>
      <Group align="end">
        <TextInput label={t('alerts.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} w={180} />
        <TextInput label={t('alerts.url')} value={form.url} onChange={(e) => setForm({ ...form, url: e.currentTarget.value })} w={320} />
        <PasswordInput
          label={t('alerts.secret')}
          value={form.secret}
          onChange={(e) => setForm({ ...form, secret: e.currentTarget.value })}
          w={220}
        />
        <Button
          onClick={async () => {
            const res = await create({ input: { name: form.name, url: form.url, secret: form.secret } });
            if (reportResult(res.data?.createWebhook, res.error?.message, t('alerts.saved'))) setForm({ name: '', url: '', secret: '' });
            refetch();
          }}
        >
          {t('alerts.addWebhook')}
        </Button>
      </Group>
      <Card withBorder>
        <Table>
          <Table.Tbody>
            {(data?.webhooks ?? []).map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>{w.name}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {w.url}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Switch
                    checked={w.enabled}
                    label={t('alerts.enabled')}
                    onChange={async (e) => {
                      const res = await update({ id: w.id, input: { name: w.name, url: w.url, enabled: e.currentTarget.checked } });
                      reportResult(res.data?.updateWebhook, res.error?.message);
                      refetch();
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="xs" c="dimmed" mt="xs">
          {t('alerts.secretKeep')}
        </Text>
      </Card>
    </Stack>
  );
}

/** `<input type="datetime-local">` value ⇄ ISO (in the browser's time zone). */
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function Windows() {
  const { t, date } = useI18n();
  const [{ data }, refetch] = useQuery({ query: WindowsDoc });
  const [, create] = useMutation(CreateWindow);
  const [, cancel] = useMutation(CancelWindow);
  const now = new Date();
  const [form, setForm] = useState({
    title: '',
    startsAt: localInput(now),
    endsAt: localInput(new Date(now.getTime() + 2 * 3_600_000)),
    place: '',
  });
  const again = () => refetch({ requestPolicy: 'network-only' });
  const places = [
    { value: '', label: t('alerts.scopeAll') },
    ...(data?.olts ?? []).map((o) => ({ value: `olt:${o.id}`, label: `OLT ${o.name}` })),
    ...(data?.routers.nodes ?? []).map((r) => ({ value: `router:${r.id}`, label: `Router ${r.name}` })),
  ];
  return (
    <Stack>
      <Group align="end">
        <TextInput
          label={t('alerts.windowTitle')}
          value={form.title}
          onChange={(e) => setForm({ ...form, title: e.currentTarget.value })}
          w={240}
          data-testid="window-title"
        />
        <TextInput
          type="datetime-local"
          label={t('alerts.startsAt')}
          value={form.startsAt}
          onChange={(e) => setForm({ ...form, startsAt: e.currentTarget.value })}
        />
        <TextInput
          type="datetime-local"
          label={t('alerts.endsAt')}
          value={form.endsAt}
          onChange={(e) => setForm({ ...form, endsAt: e.currentTarget.value })}
        />
        <Select
          label={t('alerts.scope')}
          data={places}
          value={form.place}
          onChange={(v) => setForm({ ...form, place: v ?? '' })}
          searchable
          w={240}
          data-testid="window-place"
        />
        <Button
          data-testid="window-add"
          onClick={async () => {
            const [kind, id] = form.place.split(':');
            const res = await create({
              input: {
                title: form.title,
                startsAt: new Date(form.startsAt).toISOString(),
                endsAt: new Date(form.endsAt).toISOString(),
                ...(kind === 'olt' ? { oltId: id } : kind === 'router' ? { routerId: id } : {}),
              },
            });
            if (reportResult(res.data?.createMaintenanceWindow, res.error?.message, t('alerts.saved'))) setForm({ ...form, title: '' });
            again();
          }}
        >
          {t('alerts.addWindow')}
        </Button>
      </Group>
      <Card withBorder>
        {data && data.maintenanceWindows.length === 0 && <Text c="dimmed">{t('alerts.noWindows')}</Text>}
        <Table data-testid="windows">
          <Table.Tbody>
            {(data?.maintenanceWindows ?? []).map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>{w.title}</Table.Td>
                <Table.Td>
                  {date(w.startsAt)} – {date(w.endsAt)}
                </Table.Td>
                <Table.Td>
                  {w.ponPort
                    ? `${w.ponPort.olt.name} ${w.ponPort.label}`
                    : w.olt
                      ? `OLT ${w.olt.name}`
                      : w.router
                        ? `Router ${w.router.name}`
                        : t('alerts.scopeAll')}
                </Table.Td>
                <Table.Td c="dimmed">{w.createdBy?.name ?? ''}</Table.Td>
                <Table.Td>
                  {w.cancelledAt ? (
                    <Badge color="gray">{t('alerts.cancelled')}</Badge>
                  ) : new Date(w.endsAt) > new Date() ? (
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      onClick={async () => {
                        await cancel({ id: w.id });
                        again();
                      }}
                    >
                      {t('alerts.cancelWindow')}
                    </Button>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

function Deliveries() {
  const { t, date } = useI18n();
  const [status, setStatus] = useState<DeliveryStatus | null>(null);
  const [{ data }] = useQuery({ query: DeliveriesDoc, variables: { status }, requestPolicy: 'cache-and-network' });
  return (
    <Stack>
      <Select
        label={t('alerts.status')}
        data={(['QUEUED', 'SENT', 'FAILED', 'SUPPRESSED'] as const).map((s) => ({ value: s, label: t(`dstatus.${s}`) }))}
        value={status}
        onChange={(v) => setStatus(v as DeliveryStatus | null)}
        clearable
        w={200}
      />
      <Card withBorder>
        {data && data.notificationDeliveries.nodes.length === 0 && <Text c="dimmed">{t('alerts.noDeliveries')}</Text>}
        <Table striped data-testid="deliveries">
          <Table.Tbody>
            {(data?.notificationDeliveries.nodes ?? []).map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td w={150}>{date(d.createdAt)}</Table.Td>
                <Table.Td>
                  #{d.incident.number} · {t(`nevent.${d.event}` as never)}
                </Table.Td>
                <Table.Td>
                  {t(`channel.${d.channel}` as never)} · {d.address}
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[d.status]}>{t(`dstatus.${d.status}` as never)}</Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c={d.lastError ? 'red' : 'dimmed'} lineClamp={2}>
                    {d.lastError ?? (d.sentAt ? date(d.sentAt, 'time') : '')} · {t('alerts.attempts', { n: d.attempts })}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

export default function Alerts({ me }: { me: Me }) {
  const { t } = useI18n();
  const admin = me.role === 'ADMIN';
  return (
    <Stack>
      <Title order={2}>{t('alerts.title')}</Title>
      <Tabs defaultValue={admin ? 'rules' : 'windows'} keepMounted={false}>
        <Tabs.List>
          {admin && <Tabs.Tab value="rules">{t('alerts.rules')}</Tabs.Tab>}
          <Tabs.Tab value="windows">{t('alerts.windows')}</Tabs.Tab>
          {admin && <Tabs.Tab value="webhooks">{t('alerts.webhooks')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="deliveries">{t('alerts.deliveries')}</Tabs.Tab>}
        </Tabs.List>
        {admin && (
          <Tabs.Panel value="rules" pt="md">
            <Rules />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="windows" pt="md">
          <Windows />
        </Tabs.Panel>
        {admin && (
          <Tabs.Panel value="webhooks" pt="md">
            <Webhooks />
          </Tabs.Panel>
        )}
        {admin && (
          <Tabs.Panel value="deliveries" pt="md">
            <Deliveries />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}
