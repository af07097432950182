/**
 * Device actions on the connection view: the menu of what can be done now (or why not),
 * one confirmation that says exactly what will happen and asks why, the history with
 * whether each action helped; and the traffic chart against the plan with the drops.
 */
import { LineChart } from '@mantine/charts';
import { Badge, Button, Card, Group, Modal, SegmentedControl, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import type { DeviceActionKind } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';

const ActionsDoc = graphql(`
  query ConnectionDeviceActions($id: ID!) {
    connection(id: $id) {
      id
      deviceActionOptions { kind available unavailableReason targetProfile labelEs labelEn confirmEs confirmEn }
      deviceActions(first: 10) { id kind label labelEn status outcome reason actorLabel message errorCode requestedAt checkedAt verdictBefore verdictAfter }
    }
  }
`);

const DOCS = {
  DISCONNECT_SESSION: graphql(
    `mutation DisconnectSession($input: DeviceActionInput!) { r: disconnectSession(input: $input) { __typename ... on Error { message code } } }`,
  ),
  DISABLE_SECRET: graphql(
    `mutation DisableSecret($input: DeviceActionInput!) { r: disableSecret(input: $input) { __typename ... on Error { message code } } }`,
  ),
  ENABLE_SECRET: graphql(
    `mutation EnableSecret($input: DeviceActionInput!) { r: enableSecret(input: $input) { __typename ... on Error { message code } } }`,
  ),
  SET_SECRET_PROFILE: graphql(
    `mutation SetSecretProfile($input: SetSecretProfileInput!) { r: setSecretProfile(input: $input) { __typename ... on Error { message code } } }`,
  ),
  REBOOT_ONU: graphql(
    `mutation RebootOnu($input: DeviceActionInput!) { r: rebootOnu(input: $input) { __typename ... on Error { message code } } }`,
  ),
  RESYNC_ONU: graphql(
    `mutation ResyncOnu($input: DeviceActionInput!) { r: resyncOnu(input: $input) { __typename ... on Error { message code } } }`,
  ),
  DISABLE_ONU: graphql(
    `mutation DisableOnu($input: DeviceActionInput!) { r: disableOnu(input: $input) { __typename ... on Error { message code } } }`,
  ),
  ENABLE_ONU: graphql(
    `mutation EnableOnu($input: DeviceActionInput!) { r: enableOnu(input: $input) { __typename ... on Error { message code } } }`,
  ),
} as const;

export interface ActionOption {
  kind: DeviceActionKind;
  available: boolean;
  unavailableReason?: string | null;
  targetProfile?: string | null;
  labelEs: string;
  labelEn: string;
  confirmEs: string;
  confirmEn: string;
}

const TEXT = {
  es: {
    title: 'Acciones sobre los equipos',
    history: 'Acciones recientes',
    none: 'Sin acciones todavía',
    reason: 'Motivo (queda en la auditoría)',
    profile: 'Perfil',
    confirm: 'Confirmar',
    cancel: 'Cancelar',
    done: 'Acción ejecutada',
    checking: 'verificando…',
    why: {
      WRITES_DISABLED: 'escrituras en routers apagadas (ROUTEROS_WRITE)',
      NO_DEVICE: 'no hay equipo',
      AMBIGUOUS_DEVICE: 'ID externo repetido en SmartOLT',
      NOT_CONFIGURED: 'proveedor sin configurar',
    } as Record<string, string>,
    outcome: { HELPED: 'resolvió', NOT_HELPED: 'no resolvió', UNCHANGED: 'sin cambios', UNKNOWN: 'no se sabe' } as Record<string, string>,
    suggested: 'Acción sugerida',
  },
  en: {
    title: 'Device actions',
    history: 'Recent actions',
    none: 'No actions yet',
    reason: 'Reason (kept in the audit log)',
    profile: 'Profile',
    confirm: 'Confirm',
    cancel: 'Cancel',
    done: 'Action carried out',
    checking: 'checking…',
    why: {
      WRITES_DISABLED: 'router writes are off (ROUTEROS_WRITE)',
      NO_DEVICE: 'no such device',
      AMBIGUOUS_DEVICE: 'external id shared in SmartOLT',
      NOT_CONFIGURED: 'vendor not configured',
    } as Record<string, string>,
    outcome: { HELPED: 'helped', NOT_HELPED: 'did not help', UNCHANGED: 'no change', UNKNOWN: 'unknown' } as Record<string, string>,
    suggested: 'Suggested action',
  },
};

const OUTCOME_COLOR: Record<string, string> = { HELPED: 'teal', NOT_HELPED: 'red', UNCHANGED: 'gray', UNKNOWN: 'gray' };

/** The confirmation: exactly what will happen, and why (required). */
export function ConfirmAction({
  connectionId,
  option,
  onClose,
}: {
  connectionId: string;
  option: ActionOption | null;
  onClose: (done: boolean) => void;
}) {
  const { locale } = useI18n();
  const L = TEXT[locale === 'es' ? 'es' : 'en'];
  const [reason, setReason] = useState('');
  const [profile, setProfile] = useState('');
  const kind = option?.kind ?? 'DISCONNECT_SESSION';
  const [state, run] = useMutation(DOCS[kind] as (typeof DOCS)['DISCONNECT_SESSION']);
  useEffect(() => {
    setReason('');
    setProfile(option?.targetProfile ?? '');
  }, [option]);
  if (!option) return null;
  return (
    <Modal opened onClose={() => onClose(false)} title={locale === 'es' ? option.labelEs : option.labelEn} data-testid="action-confirm">
      <Stack>
        <Text data-testid="action-confirm-text">{locale === 'es' ? option.confirmEs : option.confirmEn}</Text>
        {kind === 'SET_SECRET_PROFILE' && (
          <TextInput label={L.profile} value={profile} onChange={(e) => setProfile(e.currentTarget.value)} />
        )}
        <TextInput
          label={L.reason}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-testid="action-reason"
          required
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => onClose(false)}>
            {L.cancel}
          </Button>
          <Button
            color="orange"
            loading={state.fetching}
            disabled={reason.trim().length < 3}
            data-testid="action-confirm-button"
            onClick={async () => {
              const input = { connectionId, reason, ...(kind === 'SET_SECRET_PROFILE' ? { profile } : {}) };
              const res = await run({ input } as never);
              const r = (res.data as { r?: { __typename: string; message?: string } } | undefined)?.r;
              if (r?.__typename.endsWith('Success')) {
                notifications.show({ color: 'teal', title: L.done, message: locale === 'es' ? option.labelEs : option.labelEn });
                onClose(true);
              } else
                notifications.show({
                  color: 'red',
                  title: locale === 'es' ? option.labelEs : option.labelEn,
                  message: r?.message ?? res.error?.message ?? '?',
                });
            }}
          >
            {L.confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function DeviceActionsPanel({ connectionId }: { connectionId: string }) {
  const { locale, date } = useI18n();
  const L = TEXT[locale === 'es' ? 'es' : 'en'];
  const [{ data }, refetch] = useQuery({ query: ActionsDoc, variables: { id: connectionId }, requestPolicy: 'cache-and-network' });
  const [open, setOpen] = useState<ActionOption | null>(null);
  const c = data?.connection;
  const pending = c?.deviceActions.some((a) => a.status === 'SUCCEEDED' && !a.checkedAt);
  // While an action waits for its follow-up diagnosis, look again every few seconds.
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), 4000);
    return () => clearInterval(timer);
  }, [pending, refetch]);
  if (!c) return null;
  return (
    <Card withBorder data-testid="device-actions">
      <Title order={5} mb="xs">
        {L.title}
      </Title>
      <Group gap="xs" mb="sm">
        {c.deviceActionOptions.map((o) => (
          <Tooltip
            key={o.kind}
            label={o.unavailableReason ? (L.why[o.unavailableReason] ?? o.unavailableReason) : locale === 'es' ? o.confirmEs : o.confirmEn}
            multiline
            w={320}
          >
            <Button size="xs" variant="light" disabled={!o.available} onClick={() => setOpen(o)} data-testid={`action-${o.kind}`}>
              {locale === 'es' ? o.labelEs : o.labelEn}
            </Button>
          </Tooltip>
        ))}
      </Group>
      <Title order={6}>{L.history}</Title>
      {c.deviceActions.length === 0 ? (
        <Text size="sm" c="dimmed">
          {L.none}
        </Text>
      ) : (
        <Table data-testid="device-action-history">
          <Table.Tbody>
            {c.deviceActions.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{date(a.requestedAt)}</Table.Td>
                <Table.Td>{locale === 'es' ? a.label : a.labelEn}</Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {a.actorLabel}: {a.reason}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {a.status === 'FAILED' ? (
                    <Tooltip label={a.message ?? ''}>
                      <Badge color="red">{a.errorCode}</Badge>
                    </Tooltip>
                  ) : a.outcome ? (
                    <Badge color={OUTCOME_COLOR[a.outcome]} data-testid="action-outcome">
                      {L.outcome[a.outcome]} ({a.verdictBefore} → {a.verdictAfter})
                    </Badge>
                  ) : (
                    <Badge color="gray" variant="outline">
                      {L.checking}
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmAction
        connectionId={connectionId}
        option={open}
        onClose={(done) => {
          setOpen(null);
          if (done) refetch({ requestPolicy: 'network-only' });
        }}
      />
    </Card>
  );
}

/** The diagnosis' suggested action, as one button (with the same confirmation). */
export function SuggestedAction({ connectionId, option, onDone }: { connectionId: string; option: ActionOption; onDone: () => void }) {
  const { locale } = useI18n();
  const L = TEXT[locale === 'es' ? 'es' : 'en'];
  const [open, setOpen] = useState(false);
  return (
    <>
      <Tooltip label={option.unavailableReason ? (L.why[option.unavailableReason] ?? option.unavailableReason) : L.suggested}>
        <Button size="xs" color="orange" disabled={!option.available} onClick={() => setOpen(true)} data-testid="suggested-action">
          {locale === 'es' ? option.labelEs : option.labelEn}
        </Button>
      </Tooltip>
      <ConfirmAction
        connectionId={connectionId}
        option={open ? option : null}
        onClose={(done) => {
          setOpen(false);
          if (done) onDone();
        }}
      />
    </>
  );
}

const TrafficDoc = graphql(`
  query ConnectionTraffic($id: ID!, $hours: Int!) {
    connection(id: $id) {
      id
      trafficHistory(hours: $hours) { resolution planDownBps planUpBps points { at downBps upBps downPeakBps } drops { at reason } }
    }
  }
`);

export function TrafficChart({ connectionId }: { connectionId: string }) {
  const { locale, date } = useI18n();
  const [hours, setHours] = useState('24');
  const [{ data }] = useQuery({ query: TrafficDoc, variables: { id: connectionId, hours: Number(hours) } });
  const h = data?.connection?.trafficHistory;
  const mbps = (bps: number) => Math.round(bps / 1e4) / 100;
  const points = (h?.points ?? []).map((p) => ({ at: date(p.at), t: new Date(p.at).getTime(), down: mbps(p.downBps), up: mbps(p.upBps) }));
  // Each session drop is marked on the point it fell in (the last point that starts before it).
  const dropMarks = (h?.drops ?? []).flatMap((d) => {
    const t = new Date(d.at).getTime();
    const point = [...points].reverse().find((p) => p.t <= t);
    return point ? [{ x: point.at, label: '✕', color: 'red.6' }] : [];
  });
  return (
    <Card withBorder data-testid="traffic">
      <Group justify="space-between" mb="xs">
        <Title order={5}>{locale === 'es' ? 'Tráfico (Mbps)' : 'Traffic (Mbps)'}</Title>
        <SegmentedControl
          size="xs"
          value={hours}
          onChange={setHours}
          data={[
            { value: '24', label: '24 h' },
            { value: '168', label: locale === 'es' ? '7 días' : '7 days' },
            { value: '2160', label: locale === 'es' ? '90 días' : '90 days' },
          ]}
        />
      </Group>
      {points.length === 0 ? (
        <Text size="sm" c="dimmed">
          {locale === 'es' ? 'Sin muestras todavía (se toman cada 5 minutos)' : 'No samples yet (taken every 5 minutes)'}
        </Text>
      ) : (
        <LineChart
          h={200}
          data={points}
          dataKey="at"
          withDots={false}
          series={[
            { name: 'down', label: locale === 'es' ? 'Bajada' : 'Download', color: 'teal.6' },
            { name: 'up', label: locale === 'es' ? 'Subida' : 'Upload', color: 'blue.6' },
          ]}
          referenceLines={[...(h?.planDownBps ? [{ y: mbps(h.planDownBps), label: 'Plan', color: 'gray.6' }] : []), ...dropMarks]}
        />
      )}
      {h && h.drops.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="traffic-drops">
          {locale === 'es' ? 'Cortes' : 'Drops'}: {h.drops.map((d) => `${date(d.at)} (${d.reason ?? '?'})`).join(' · ')}
        </Text>
      )}
    </Card>
  );
}
