/** Sync runs with live progress and "sync now", users, and incident history. */
import { Badge, Button, Card, Group, Progress, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';
import type { Source } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';

const AdminDoc = graphql(`
  query AdminView {
    syncRuns(first: 30) { nodes { id source kind scope scopeRef status trigger seen inserted updated removed progressDone progressTotal queuedAt durationMs errorMessage } }
    incidents(first: 30) { nodes { id kind status title openedAt durationSeconds affectedCount recoveredCount } }
  }
`);

const UsersDoc = graphql(`query AdminUsers { users(first: 100) { nodes { id username name role active lastLoginAt } } }`);

const RunsLive = graphql(`
  subscription AdminRuns { syncRunChanged { resync runs { id status progressDone progressTotal seen inserted updated removed durationMs errorMessage } } }
`);

const SyncNow = graphql(`
  mutation SyncNow($source: Source!) { requestSync(input: { source: $source }) { __typename ... on RequestSyncSuccess { syncRun { id } } ... on Error { message } } }
`);

const STATUS_COLOR: Record<string, string> = { QUEUED: 'gray', RUNNING: 'blue', SUCCEEDED: 'teal', FAILED: 'red', REJECTED: 'orange' };

export default function Admin() {
  const { t, date } = useI18n();
  const [{ data }, refetch] = useQuery({ query: AdminDoc });
  const [users] = useQuery({ query: UsersDoc });
  const [, syncNow] = useMutation(SyncNow);
  useSubscription({ query: RunsLive }, (_p, res) => {
    if (res.syncRunChanged.resync || res.syncRunChanged.runs.some((r) => !data?.syncRuns.nodes.some((n) => n.id === r.id))) refetch({ requestPolicy: 'network-only' });
    return res;
  });
  const request = async (source: Source) => {
    const res = await syncNow({ source });
    const r = res.data?.requestSync;
    notifications.show(r?.__typename === 'RequestSyncSuccess' ? { color: 'teal', message: `${source}: ${t('admin.syncNow')}` } : { color: 'red', message: r && 'message' in r ? r.message : (res.error?.message ?? '') });
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Stack>
      <Title order={2}>{t('admin.title')}</Title>
      <Tabs defaultValue="syncs">
        <Tabs.List>
          <Tabs.Tab value="syncs">{t('admin.syncRuns')}</Tabs.Tab>
          <Tabs.Tab value="users">{t('admin.users')}</Tabs.Tab>
          <Tabs.Tab value="incidents">{t('admin.incidents')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="syncs" pt="md">
          <Group mb="sm">
            {(['ISPCUBE', 'ROUTEROS', 'SMARTOLT'] as Source[]).map((s) => (
              <Button key={s} variant="default" onClick={() => void request(s)}>
                {t('admin.syncNow')} · {s}
              </Button>
            ))}
          </Group>
          <Card withBorder>
            <Table striped data-testid="sync-runs">
              <Table.Tbody>
                {(data?.syncRuns.nodes ?? []).map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{date(r.queuedAt)}</Table.Td>
                    <Table.Td>
                      {r.source} · {r.kind} · {r.scope}
                      {r.scopeRef ? ` ${r.scopeRef}` : ''}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[r.status]}>{r.status}</Badge>
                    </Table.Td>
                    <Table.Td w={180}>
                      {r.status === 'RUNNING' && r.progressTotal ? <Progress value={(100 * r.progressDone) / r.progressTotal} /> : <Text size="xs">{`${r.seen} · +${r.inserted} ~${r.updated} -${r.removed}`}</Text>}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c={r.errorMessage ? 'red' : 'dimmed'} lineClamp={2}>
                        {r.errorMessage ?? (r.durationMs !== null && r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '')}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Card withBorder>
            <Table>
              <Table.Tbody>
                {(users.data?.users.nodes ?? []).map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>{u.username}</Table.Td>
                    <Table.Td>{u.name}</Table.Td>
                    <Table.Td>
                      <Badge variant="light">{u.role}</Badge>
                    </Table.Td>
                    <Table.Td>{u.active ? '✓' : '✗'}</Table.Td>
                    <Table.Td>{u.lastLoginAt ? date(u.lastLoginAt) : '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="incidents" pt="md">
          <Card withBorder>
            <Table>
              <Table.Tbody>
                {(data?.incidents.nodes ?? []).map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>{date(i.openedAt)}</Table.Td>
                    <Table.Td>{i.title}</Table.Td>
                    <Table.Td>
                      <Badge color={i.status === 'OPEN' ? 'red' : 'gray'}>{i.status}</Badge>
                    </Table.Td>
                    <Table.Td>
                      {i.recoveredCount}/{i.affectedCount}
                    </Table.Td>
                    <Table.Td>{Math.round(i.durationSeconds / 60)} min</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
