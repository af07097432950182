/** Sync runs with live progress and "sync now", users, teams and catalogues, and API keys. */
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Progress,
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
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';
import { reportResult } from '../ui.tsx';
import type { Source } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import Catalogues from './AdminCatalogues.tsx';

const AdminDoc = graphql(`
  query AdminView {
    syncRuns(first: 30) { nodes { id source kind scope scopeRef status trigger seen inserted updated removed progressDone progressTotal queuedAt durationMs errorMessage } }
  }
`);

const UsersDoc = graphql(
  `query AdminUsers { users(first: 100, includeInactive: true) { nodes { id username name role active lastLoginAt } } }`,
);

const RunsLive = graphql(`
  subscription AdminRuns { syncRunChanged { resync runs { id status progressDone progressTotal seen inserted updated removed durationMs errorMessage } } }
`);

const SyncNow = graphql(`
  mutation SyncNow($source: Source!) { requestSync(input: { source: $source }) { __typename ... on RequestSyncSuccess { syncRun { id } } ... on Error { message } } }
`);

const KeysDoc = graphql(`query AdminKeys { apiKeys { id name prefix scopes createdAt lastUsedAt revokedAt owner { username } } }`);
const CreateKeyDoc = graphql(`
  mutation AdminCreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { created { token apiKey { id } } } ... on Error { message } }
  }
`);
const RevokeKeyDoc = graphql(`mutation AdminRevokeKey($id: ID!) { revokeApiKey(id: $id) { __typename ... on Error { message } } }`);

function ApiKeys() {
  const { t, date } = useI18n();
  const [{ data }, refetch] = useQuery({ query: KeysDoc });
  const [, create] = useMutation(CreateKeyDoc);
  const [, revoke] = useMutation(RevokeKeyDoc);
  const [name, setName] = useState('');
  const [write, setWrite] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Stack>
      <Group align="end">
        <TextInput label={t('admin.keyName')} value={name} onChange={(e) => setName(e.currentTarget.value)} w={260} />
        <Switch label="WRITE" checked={write} onChange={(e) => setWrite(e.currentTarget.checked)} />
        <Button
          disabled={name.trim().length < 3}
          onClick={async () => {
            const res = await create({ input: { name: name.trim(), scopes: write ? ['READ', 'WRITE'] : ['READ'] } });
            const r = res.data?.createApiKey;
            if (reportResult(r, res.error?.message) && r?.__typename === 'CreateApiKeySuccess') {
              setSecret(r.created.token);
              setName('');
            }
            refetch({ requestPolicy: 'network-only' });
          }}
        >
          {t('admin.createKey')}
        </Button>
      </Group>
      {secret && (
        <Alert color="yellow" title={t('admin.keyOnce')} withCloseButton onClose={() => setSecret(null)}>
          <Code>{secret}</Code>
        </Alert>
      )}
      <Card withBorder>
        <Table>
          <Table.Tbody>
            {(data?.apiKeys ?? []).map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>
                  <Code>{k.prefix}…</Code>
                </Table.Td>
                <Table.Td>{k.scopes.join(', ')}</Table.Td>
                <Table.Td>{k.owner.username}</Table.Td>
                <Table.Td>{k.lastUsedAt ? date(k.lastUsedAt) : '—'}</Table.Td>
                <Table.Td>
                  {k.revokedAt ? (
                    <Badge color="gray">{date(k.revokedAt)}</Badge>
                  ) : (
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      onClick={async () => {
                        await revoke({ id: k.id });
                        refetch({ requestPolicy: 'network-only' });
                      }}
                    >
                      {t('admin.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

const CreateUserDoc = graphql(`
  mutation AdminCreateUser($input: CreateUserInput!) {
    createUser(input: $input) { __typename ... on CreateUserSuccess { user { id } } ... on Error { message } }
  }
`);
const UpdateUserDoc = graphql(`
  mutation AdminUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { __typename ... on Error { message } }
  }
`);
const DeactivateUserDoc = graphql(
  `mutation AdminDeactivateUser($id: ID!) { deactivateUser(id: $id) { __typename ... on Error { message } } }`,
);

type RoleValue = 'ADMIN' | 'NOC' | 'SUPPORT' | 'TECHNICIAN';
const ROLES: RoleValue[] = ['ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN'];

function Users() {
  const { t, date } = useI18n();
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`role.${r}` as never) }));
  const [{ data }, refetch] = useQuery({ query: UsersDoc });
  const [, createUser] = useMutation(CreateUserDoc);
  const [, updateUser] = useMutation(UpdateUserDoc);
  const [, deactivate] = useMutation(DeactivateUserDoc);
  const [form, setForm] = useState({ username: '', name: '', role: 'SUPPORT' as RoleValue, password: '' });
  const report = (r: object | undefined, ok: string) => {
    reportResult(r, undefined, ok);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Stack>
      <Group align="end">
        <TextInput
          label={t('login.username')}
          value={form.username}
          onChange={(e) => setForm({ ...form, username: e.currentTarget.value })}
          w={160}
        />
        <TextInput
          label={t('admin.fullName')}
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          w={220}
        />
        <Select
          label={t('admin.role')}
          data={roleOptions}
          value={form.role}
          onChange={(v) => v && setForm({ ...form, role: v as RoleValue })}
          w={150}
        />
        <TextInput
          label={t('login.password')}
          type="password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
          w={200}
        />
        <Button
          onClick={async () => {
            const res = await createUser({ input: form });
            report(res.data?.createUser, form.username);
            if (res.data?.createUser.__typename === 'CreateUserSuccess') setForm({ username: '', name: '', role: 'SUPPORT', password: '' });
          }}
        >
          {t('admin.createUser')}
        </Button>
      </Group>
      <Card withBorder>
        <Table data-testid="users">
          <Table.Tbody>
            {(data?.users.nodes ?? []).map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.username}</Table.Td>
                <Table.Td>{u.name}</Table.Td>
                <Table.Td>
                  <Select
                    size="xs"
                    data={roleOptions}
                    value={u.role}
                    w={140}
                    aria-label={t('admin.role')}
                    onChange={async (v) =>
                      v && report((await updateUser({ input: { id: u.id, role: v as RoleValue } })).data?.updateUser, u.username)
                    }
                  />
                </Table.Td>
                <Table.Td>{u.lastLoginAt ? date(u.lastLoginAt) : '—'}</Table.Td>
                <Table.Td>
                  {u.active ? (
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      onClick={async () => report((await deactivate({ id: u.id })).data?.deactivateUser, u.username)}
                    >
                      {t('admin.deactivate')}
                    </Button>
                  ) : (
                    <Badge color="gray">{t('admin.inactive')}</Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

const STATUS_COLOR: Record<string, string> = { QUEUED: 'gray', RUNNING: 'blue', SUCCEEDED: 'teal', FAILED: 'red', REJECTED: 'orange' };

export default function Admin() {
  const { t, date } = useI18n();
  const [{ data }, refetch] = useQuery({ query: AdminDoc });
  const [, syncNow] = useMutation(SyncNow);
  useSubscription({ query: RunsLive }, (_p, res) => {
    if (res.syncRunChanged.resync || res.syncRunChanged.runs.some((r) => !data?.syncRuns.nodes.some((n) => n.id === r.id)))
      refetch({ requestPolicy: 'network-only' });
    return res;
  });
  const request = async (source: Source) => {
    const res = await syncNow({ source });
    reportResult(res.data?.requestSync, res.error?.message, `${source}: ${t('admin.syncNow')}`);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Stack>
      <Title order={2}>{t('admin.title')}</Title>
      <Tabs defaultValue="syncs">
        <Tabs.List>
          <Tabs.Tab value="syncs">{t('admin.syncRuns')}</Tabs.Tab>
          <Tabs.Tab value="users">{t('admin.users')}</Tabs.Tab>
          <Tabs.Tab value="catalogues">{t('admin.catalogues')}</Tabs.Tab>
          <Tabs.Tab value="keys">{t('admin.apiKeys')}</Tabs.Tab>
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
                      {r.source} · {t(`syncKind.${r.kind}` as never)} · {t(`syncScope.${r.scope}` as never)}
                      {r.scopeRef ? ` ${r.scopeRef}` : ''}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[r.status]}>{t(`runStatus.${r.status}` as never)}</Badge>
                    </Table.Td>
                    <Table.Td w={180}>
                      {r.status === 'RUNNING' && r.progressTotal ? (
                        <Progress value={(100 * r.progressDone) / r.progressTotal} />
                      ) : (
                        <Text size="xs">{`${r.seen} · +${r.inserted} ~${r.updated} -${r.removed}`}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c={r.errorMessage ? 'red' : 'dimmed'} lineClamp={2}>
                        {r.errorMessage ??
                          (r.durationMs !== null && r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '')}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
        <Tabs.Panel value="catalogues" pt="md">
          <Catalogues />
        </Tabs.Panel>
        <Tabs.Panel value="keys" pt="md">
          <ApiKeys />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
