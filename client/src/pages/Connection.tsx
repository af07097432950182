/**
 * The customer/connection view support lives in: who, what plan, where; the PPPoE session
 * and the ONU live (pushed); signal history against the thresholds; past sessions; the
 * diagnosis with its evidence; tickets and work orders; "open ticket from diagnosis".
 */
import { LineChart } from '@mantine/charts';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  CopyButton,
  Grid,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { checkLabel, evidenceNote, evidenceText } from '../evidence.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { DeviceActionsPanel, SuggestedAction, TrafficChart } from './DeviceActions.tsx';
import { Fresh, PriorityBadge, reportResult, SignalBadge, StatusBadge, VerdictBadge } from '../ui.tsx';

const ConnectionDoc = graphql(`
  query ConnectionView($id: ID!) {
    connection(id: $id) {
      id pppoeUsername address ipAddress
      plan { name speed }
      router { name }
      openIncident { id title kind }
      customer { id name docNumber address city status debt phones { number } emails { email } }
      session { address callerId uptimeSeconds startedAt observedAt }
      pppSecret { lastLoggedOut lastDisconnectReason lastCallerId profile disabled observedAt }
      onu {
        id serial onuType
        ponPort { label }
        status { value since observedAt source }
        signal { rxPower level observedAt }
        signalHistory { rxPower observedAt }
      }
      sessionHistory(first: 10) { nodes { id startedAt endedAt durationSeconds disconnectReason address } }
      tickets(first: 10) { nodes { id number subject status priority createdAt } }
      workOrders { id number status type scheduledStart technician { name } }
    }
  }
`);

const ConnectionLive = graphql(`
  subscription ConnectionLive($id: ID!) {
    connectionChanged(id: $id) {
      resync
      connection {
        id
        session { address callerId uptimeSeconds startedAt observedAt }
        onu { id status { value since observedAt source } signal { rxPower level observedAt } }
        openIncident { id title kind }
      }
    }
  }
`);

const DiagnoseDoc = graphql(`
  query Diagnose($id: ID!) {
    diagnose(connectionId: $id) {
      __typename
      ... on DiagnoseSuccess {
        diagnosis {
          verdict reasons summaryEs summaryEn tookMs diagnosedAt
          action { ticketType priority visit es en }
          deviceAction { kind available unavailableReason targetProfile labelEs labelEn confirmEs confirmEn }
          evidence { check result value detail source live observedAt ageSeconds note noteCode }
        }
      }
      ... on Error { message }
    }
  }
`);

const TicketFromDiagnosis = graphql(`
  mutation TicketFromDiagnosis($id: ID!) {
    createTicketFromDiagnosis(input: { connectionId: $id }) {
      __typename
      ... on CreateTicketFromDiagnosisSuccess { ticket { id number subject } }
      ... on Error { message }
    }
  }
`);

const RESULT_COLOR: Record<string, string> = { OK: 'teal', WARN: 'yellow', FAIL: 'red', UNKNOWN: 'gray' };

function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', `${m}m`].filter(Boolean).join(' ');
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

function DiagnosisPanel({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const [{ data, fetching }, run] = useQuery({ query: DiagnoseDoc, variables: { id }, requestPolicy: 'network-only' });
  const [opening, openTicket] = useMutation(TicketFromDiagnosis);
  const d = data?.diagnose.__typename === 'DiagnoseSuccess' ? data.diagnose.diagnosis : null;
  const summary = d ? (locale === 'es' ? d.summaryEs : d.summaryEn) : '';
  const copyText = d
    ? `${t(`verdict.${d.verdict}` as never)}: ${summary}\n${t('diag.action')}: ${locale === 'es' ? d.action.es : d.action.en}`
    : '';
  return (
    <Card withBorder data-testid="diagnosis">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('diag.title')}</Title>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => run({ requestPolicy: 'network-only' })} loading={fetching}>
            {t('diag.run')}
          </Button>
          <CopyButton value={copyText}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy} disabled={!d}>
                {copied ? t('diag.copied') : t('diag.copy')}
              </Button>
            )}
          </CopyButton>
          <Button
            size="xs"
            disabled={!d}
            loading={opening.fetching}
            data-testid="ticket-from-diagnosis"
            onClick={async () => {
              const res = await openTicket({ id });
              const r = res.data?.createTicketFromDiagnosis;
              if (r?.__typename === 'CreateTicketFromDiagnosisSuccess') {
                notifications.show({
                  color: 'teal',
                  title: t('diag.ticketOpened', { n: r.ticket.number }),
                  message: (
                    <Anchor component={Link} href={`/tickets/${encodeURIComponent(r.ticket.id)}`}>
                      {r.ticket.subject}
                    </Anchor>
                  ),
                });
              } else {
                reportResult(r, res.error?.message);
              }
            }}
          >
            {t('diag.openTicket')}
          </Button>
        </Group>
      </Group>
      {!d ? (
        <Group>
          <Loader size="sm" />
          <Text c="dimmed">{t('diag.running')}</Text>
        </Group>
      ) : (
        <Stack gap="sm">
          <Group>
            <VerdictBadge verdict={d.verdict} />
            <Text fw={600} data-testid="diagnosis-summary">
              {summary}
            </Text>
          </Group>
          <Alert color={d.action.visit ? 'orange' : 'blue'} title={t('diag.action')}>
            {locale === 'es' ? d.action.es : d.action.en} · <PriorityBadge priority={d.action.priority} /> ·{' '}
            {d.action.visit ? t('diag.visit') : t('diag.noVisit')}
            {d.deviceAction && (
              <Group mt="xs">
                <SuggestedAction connectionId={id} option={d.deviceAction} onDone={() => run({ requestPolicy: 'network-only' })} />
              </Group>
            )}
          </Alert>
          <Table striped data-testid="evidence">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('diag.evidence')}</Table.Th>
                <Table.Th />
                <Table.Th />
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.evidence.map((e) => (
                <Table.Tr key={e.check}>
                  <Table.Td>
                    <Badge color={RESULT_COLOR[e.result]} variant="light" size="sm">
                      {checkLabel(e.check, i18n)}
                    </Badge>
                  </Table.Td>
                  <Table.Td data-testid="evidence-value">{evidenceText(e, i18n)}</Table.Td>
                  <Table.Td>
                    <Badge size="xs" variant={e.live ? 'filled' : 'outline'} color={e.live ? 'teal' : 'gray'}>
                      {e.live ? t('diag.live') : t('diag.mirror')}
                    </Badge>{' '}
                    <Fresh at={e.observedAt} source={e.source} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed" title={e.note ?? undefined}>
                      {evidenceNote(e, i18n)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            {d.tookMs} ms
          </Text>
        </Stack>
      )}
    </Card>
  );
}

export default function ConnectionPage({ id }: { id: string }) {
  const { t, date, number } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: ConnectionDoc, variables: { id } });
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  useSubscription({ query: ConnectionLive, variables: { id } }, (_p, res) => {
    if (res.connectionChanged.resync) refetch({ requestPolicy: 'network-only' });
    return res;
  });
  if (error && !data) return <Text c="red">{t('common.error', { message: error.message })}</Text>;
  const c = data?.connection;
  if (!c) return <Text c="dimmed">{t('common.loading')}</Text>;
  const warn = -25;
  const critical = -27;
  const history = (c.onu?.signalHistory ?? []).filter((s) => s.rxPower !== null).map((s) => ({ at: date(s.observedAt), rx: s.rxPower }));
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            <Anchor component={Link} href={`/customers/${encodeURIComponent(c.customer.id)}`} inherit>
              {c.customer.name}
            </Anchor>
          </Title>
          <Text c="dimmed">
            {c.pppoeUsername} · {c.address ?? c.customer.address} ·{' '}
            <Anchor component={Link} href={`/map?connection=${encodeURIComponent(c.id)}`} data-testid="show-on-map">
              {t('map.show')}
            </Anchor>
          </Text>
        </div>
        {c.customer.status === 'BLOCKED' && (
          <Badge color="violet" size="lg">{`${t('customerStatus.BLOCKED')} · $ ${number(Number(c.customer.debt ?? 0))}`}</Badge>
        )}
      </Group>
      {c.openIncident && (
        <Alert color="red" data-testid="connection-incident">
          <Anchor component={Link} href={`/incidents/${encodeURIComponent(c.openIncident.id)}`} c="inherit">
            {t('conn.incident', { title: c.openIncident.title })}
          </Anchor>
        </Alert>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack>
            <Card withBorder>
              <SimpleGrid cols={2}>
                <Field label={t('conn.doc')}>{c.customer.docNumber ?? '—'}</Field>
                <Field label={t('conn.plan')}>{c.plan ? `${c.plan.name}${c.plan.speed ? ` · ${c.plan.speed}` : ''}` : '—'}</Field>
                <Field label={t('conn.address')}>{[c.address ?? c.customer.address, c.customer.city].filter(Boolean).join(', ')}</Field>
                <Field label={t('conn.router')}>{c.router?.name ?? '—'}</Field>
                <Field label="Tel.">{c.customer.phones.map((p) => p.number).join(', ') || '—'}</Field>
                <Field label="Email">{c.customer.emails.map((e) => e.email).join(', ') || '—'}</Field>
              </SimpleGrid>
            </Card>
            <Card withBorder data-testid="pppoe">
              <Group justify="space-between" mb="xs">
                <Title order={5}>{t('conn.pppoe')}</Title>
                <Badge color={c.session ? 'teal' : 'red'} data-testid="pppoe-state">
                  {c.session ? t('conn.up') : t('conn.down')}
                </Badge>
              </Group>
              <SimpleGrid cols={2}>
                <Field label={t('conn.uptime')}>{duration(c.session?.uptimeSeconds)}</Field>
                <Field label={t('conn.ip')}>{c.session?.address ?? c.ipAddress ?? '—'}</Field>
                <Field label={t('conn.mac')}>{c.session?.callerId ?? c.pppSecret?.lastCallerId ?? '—'}</Field>
                <Field label={t('conn.lastLogout')}>
                  {c.pppSecret?.lastLoggedOut ? date(c.pppSecret.lastLoggedOut) : '—'}
                  {c.pppSecret?.lastDisconnectReason ? ` (${c.pppSecret.lastDisconnectReason})` : ''}
                </Field>
              </SimpleGrid>
              <Fresh at={c.session?.observedAt ?? c.pppSecret?.observedAt} source="RouterOS" />
            </Card>
            {c.onu && (
              <Card withBorder data-testid="onu">
                <Group justify="space-between" mb="xs">
                  <Title order={5}>
                    {t('conn.onu')} · {c.onu.serial}
                  </Title>
                  <StatusBadge status={c.onu.status.value} />
                </Group>
                <Text size="sm">
                  {t('conn.onuSince', { status: t(`status.${c.onu.status.value}` as never), when: date(c.onu.status.since) })} ·{' '}
                  {c.onu.ponPort?.label}
                </Text>
                <Group mt="xs">
                  <SignalBadge level={c.onu.signal.level} rx={c.onu.signal.rxPower} />
                  <Fresh at={c.onu.status.observedAt} source={c.onu.status.source} />
                </Group>
                {history.length > 1 && (
                  <>
                    <Text size="xs" c="dimmed" mt="sm">
                      {t('conn.signalHistory')}
                    </Text>
                    <LineChart
                      h={160}
                      data={history}
                      dataKey="at"
                      series={[{ name: 'rx', color: 'teal.6', label: 'Rx dBm' }]}
                      yAxisProps={{ domain: [-32, -12] }}
                      xAxisProps={{ hide: true }}
                      referenceLines={[
                        { y: warn, label: `${warn}`, color: 'yellow.6' },
                        { y: critical, label: `${critical}`, color: 'red.6' },
                      ]}
                      withDots={false}
                    />
                  </>
                )}
              </Card>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack>
            <DiagnosisPanel id={c.id} />
            <DeviceActionsPanel connectionId={c.id} />
            <TrafficChart connectionId={c.id} />
            <Card withBorder>
              <Title order={5} mb="xs">
                {t('conn.tickets')}
              </Title>
              {c.tickets.nodes.length === 0 ? (
                <Text c="dimmed">{t('conn.noTickets')}</Text>
              ) : (
                <Table>
                  <Table.Tbody>
                    {c.tickets.nodes.map((tk) => (
                      <Table.Tr key={tk.id}>
                        <Table.Td>
                          <Anchor component={Link} href={`/tickets/${encodeURIComponent(tk.id)}`}>
                            #{tk.number}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{tk.subject}</Table.Td>
                        <Table.Td>{t(`ticketStatus.${tk.status}` as never)}</Table.Td>
                        <Table.Td>
                          <PriorityBadge priority={tk.priority} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              {c.workOrders.length > 0 && (
                <>
                  <Title order={6} mt="sm">
                    {t('conn.workOrders')}
                  </Title>
                  {c.workOrders.map((w) => (
                    <Text size="sm" key={w.id}>
                      OT #{w.number} · {t(`woStatus.${w.status}` as never)} · {w.scheduledStart ? date(w.scheduledStart) : '—'} ·{' '}
                      {w.technician?.name ?? '—'}
                    </Text>
                  ))}
                </>
              )}
            </Card>
            <Card withBorder>
              <Title order={5} mb="xs">
                {t('conn.sessions')}
              </Title>
              <Table>
                <Table.Tbody>
                  {c.sessionHistory.nodes.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>{date(s.startedAt)}</Table.Td>
                      <Table.Td>{date(s.endedAt)}</Table.Td>
                      <Table.Td>{duration(s.durationSeconds)}</Table.Td>
                      <Table.Td>
                        <Tooltip label={s.address ?? ''}>
                          <Text size="sm">{s.disconnectReason ?? '—'}</Text>
                        </Tooltip>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
