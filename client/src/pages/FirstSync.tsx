/**
 * Shown on the dashboard while the mirror is still empty (a new install's first start):
 * the inventory runs as they queue, progress and finish, pushed live, so the NOC sees the
 * network being filled in rather than an empty screen.
 */
import { Alert, Badge, Group, Progress, Stack, Text } from '@mantine/core';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';

const FirstSyncDoc = graphql(`
  query FirstSync { syncRuns(first: 12) { nodes { id source kind scope scopeRef status progressDone progressTotal seen errorMessage } } }
`);
const FirstSyncLive = graphql(`
  subscription FirstSyncRuns { syncRunChanged { resync runs { id status progressDone progressTotal seen errorMessage } } }
`);

const COLOR: Record<string, string> = { QUEUED: 'gray', RUNNING: 'blue', SUCCEEDED: 'teal', FAILED: 'red', REJECTED: 'orange' };

export default function FirstSync() {
  const { t, number } = useI18n();
  const [{ data }, refetch] = useQuery({ query: FirstSyncDoc });
  useSubscription({ query: FirstSyncLive }, (_p, res) => {
    // New runs (the inventory fans out per router and OLT) need the list again.
    if (res.syncRunChanged.resync || res.syncRunChanged.runs.some((r) => !data?.syncRuns.nodes.some((n) => n.id === r.id)))
      refetch({ requestPolicy: 'network-only' });
    return res;
  });
  const runs = data?.syncRuns.nodes ?? [];
  return (
    <Alert color="blue" title={t('firstSync.title')} data-testid="first-sync">
      <Stack gap={6}>
        <Text size="sm">{runs.length ? t('firstSync.filling') : t('firstSync.nothing')}</Text>
        {runs.map((r) => (
          <Group key={r.id} gap="sm" wrap="nowrap">
            <Text size="sm" w={260}>
              {r.source} · {t(`syncKind.${r.kind}` as never)}
              {r.scopeRef ? ` ${r.scopeRef}` : ''}
            </Text>
            <Badge color={COLOR[r.status]} w={110}>
              {t(`runStatus.${r.status}` as never)}
            </Badge>
            {r.status === 'RUNNING' && r.progressTotal ? (
              <Progress value={(100 * r.progressDone) / r.progressTotal} w={200} aria-label={`${r.source} ${r.kind}`} />
            ) : (
              <Text size="xs" c={r.errorMessage ? 'red' : 'dimmed'} lineClamp={1}>
                {r.errorMessage ?? (r.status === 'SUCCEEDED' ? number(r.seen) : '')}
              </Text>
            )}
          </Group>
        ))}
      </Stack>
    </Alert>
  );
}
