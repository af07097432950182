/**
 * Admin → reference data: field teams (leader, members), the ticket catalogue (categories
 * and reasons, Spanish and English names), tags and materials. Create, rename (edit in
 * place, saved on Enter or leaving the field) and deactivate; nothing is deleted.
 */
import { Badge, Button, Card, Group, MultiSelect, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import type { TicketType } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { reportResult } from '../ui.tsx';

const CataloguesDoc = graphql(`
  query AdminCatalogues {
    teams(includeInactive: true) { id name active leader { id } members { id } }
    users(first: 100) { nodes { id name role } }
    ticketCategories(includeInactive: true) { id name nameEn type active reasons(includeInactive: true) { id name nameEn active } }
    tags(includeInactive: true) { id name active ticketCount }
    materials(includeInactive: true) { id code name unit active }
  }
`);

const TeamDoc = graphql(`
  mutation AdminTeam($input: TeamInput!, $update: Boolean!) {
    createTeam(input: $input) @skip(if: $update) { __typename ... on Error { message } }
    updateTeam(input: $input) @include(if: $update) { __typename ... on Error { message } }
  }
`);
const CategoryDoc = graphql(`
  mutation AdminCategory($input: TicketCategoryInput!, $update: Boolean!) {
    createTicketCategory(input: $input) @skip(if: $update) { __typename ... on Error { message } }
    updateTicketCategory(input: $input) @include(if: $update) { __typename ... on Error { message } }
  }
`);
const ReasonDoc = graphql(`
  mutation AdminReason($input: TicketReasonInput!, $update: Boolean!) {
    createTicketReason(input: $input) @skip(if: $update) { __typename ... on Error { message } }
    updateTicketReason(input: $input) @include(if: $update) { __typename ... on Error { message } }
  }
`);
const TagDoc = graphql(`
  mutation AdminTag($input: TagInput!, $update: Boolean!) {
    createTag(input: $input) @skip(if: $update) { __typename ... on Error { message } }
    updateTag(input: $input) @include(if: $update) { __typename ... on Error { message } }
  }
`);
const MaterialDoc = graphql(`
  mutation AdminMaterial($input: MaterialInput!, $update: Boolean!) {
    createMaterial(input: $input) @skip(if: $update) { __typename ... on Error { message } }
    updateMaterial(input: $input) @include(if: $update) { __typename ... on Error { message } }
  }
`);

type Result = { data?: Record<string, object | null | undefined> | null; error?: { message: string } };
/** The one mutation result a create-or-update document returned, reported to the user. */
function report(res: Result, ok: string): boolean {
  const payload = Object.values(res.data ?? {}).find(Boolean) ?? undefined;
  return reportResult(payload, res.error?.message, ok) && !!payload && !('message' in payload);
}

/** A name edited in place: saved on Enter or when the field loses focus, if it changed. */
function InlineText(props: { value: string; label: string; width?: number; onSave: (v: string) => Promise<boolean> }) {
  const [draft, setDraft] = useState(props.value);
  const save = async () => {
    if (draft.trim() === props.value) return;
    if (!(await props.onSave(draft.trim()))) setDraft(props.value);
  };
  return (
    <TextInput
      size="xs"
      aria-label={props.label}
      value={draft}
      w={props.width ?? 220}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={() => void save()}
      onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
    />
  );
}

function ActiveSwitch(props: { active: boolean; label: string; onChange: (active: boolean) => void }) {
  const { t } = useI18n();
  return (
    <Switch
      size="sm"
      aria-label={`${t('catalogue.active')}: ${props.label}`}
      label={props.active ? t('catalogue.active') : t('admin.inactive')}
      checked={props.active}
      onChange={(e) => props.onChange(e.currentTarget.checked)}
    />
  );
}

/** A row of inputs with a "create" button that clears them on success. */
function CreateRow(props: { children: ReactNode; disabled: boolean; label: string; onCreate: () => Promise<boolean> }) {
  return (
    <Group align="end">
      {props.children}
      <Button disabled={props.disabled} onClick={() => void props.onCreate()}>
        {props.label}
      </Button>
    </Group>
  );
}

export default function Catalogues() {
  const { t, locale } = useI18n();
  const [{ data }, refetch] = useQuery({ query: CataloguesDoc });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [, team] = useMutation(TeamDoc);
  const [, category] = useMutation(CategoryDoc);
  const [, reason] = useMutation(ReasonDoc);
  const [, tag] = useMutation(TagDoc);
  const [, material] = useMutation(MaterialDoc);
  const saved = t('catalogue.saved');
  const done = (res: Result) => {
    const ok = report(res, saved);
    reload();
    return ok;
  };

  const [newTeam, setNewTeam] = useState('');
  const [newCategory, setNewCategory] = useState({ name: '', nameEn: '', type: 'TECHNICAL' as TicketType });
  const [newReason, setNewReason] = useState<Record<string, { name: string; nameEn: string }>>({});
  const [newTag, setNewTag] = useState('');
  const [newMaterial, setNewMaterial] = useState({ code: '', name: '', unit: 'u' });

  const people = (data?.users.nodes ?? []).map((u) => ({ value: u.id, label: `${u.name} (${t(`role.${u.role}` as never)})` }));
  const typeOptions = (['TECHNICAL', 'INSTALLATION', 'RELOCATION', 'WITHDRAWAL', 'ADMINISTRATIVE'] as TicketType[]).map((v) => ({
    value: v,
    label: t(`ticketType.${v}` as never),
  }));

  return (
    <Stack gap="xl">
      <Stack data-testid="teams">
        <Title order={4}>{t('catalogue.teams')}</Title>
        <CreateRow
          label={t('catalogue.createTeam')}
          disabled={newTeam.trim().length < 2}
          onCreate={async () => {
            const ok = done(await team({ update: false, input: { name: newTeam.trim() } }));
            if (ok) setNewTeam('');
            return ok;
          }}
        >
          <TextInput label={t('catalogue.name')} value={newTeam} onChange={(e) => setNewTeam(e.currentTarget.value)} w={240} />
        </CreateRow>
        <Card withBorder>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('catalogue.name')}</Table.Th>
                <Table.Th>{t('catalogue.leader')}</Table.Th>
                <Table.Th>{t('catalogue.members')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(data?.teams ?? []).map((tm) => (
                <Table.Tr key={tm.id}>
                  <Table.Td>
                    <InlineText
                      value={tm.name}
                      label={t('catalogue.name')}
                      onSave={async (name) => done(await team({ update: true, input: { id: tm.id, name } }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      size="xs"
                      clearable
                      aria-label={`${t('catalogue.leader')}: ${tm.name}`}
                      data={people}
                      value={tm.leader?.id ?? null}
                      w={240}
                      onChange={async (v) =>
                        done(await team({ update: true, input: v ? { id: tm.id, leaderId: v } : { id: tm.id, clearLeader: true } }))
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <MultiSelect
                      size="xs"
                      aria-label={`${t('catalogue.members')}: ${tm.name}`}
                      data={people}
                      value={tm.members.map((m) => m.id)}
                      w={340}
                      searchable
                      onChange={async (memberIds) => done(await team({ update: true, input: { id: tm.id, memberIds } }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActiveSwitch
                      active={tm.active}
                      label={tm.name}
                      onChange={async (active) => done(await team({ update: true, input: { id: tm.id, active } }))}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </Stack>

      <Stack data-testid="ticket-catalogue">
        <Title order={4}>{t('catalogue.categories')}</Title>
        <CreateRow
          label={t('catalogue.createCategory')}
          disabled={newCategory.name.trim().length < 2}
          onCreate={async () => {
            const input = { name: newCategory.name, nameEn: newCategory.nameEn || null, type: newCategory.type };
            const ok = done(await category({ update: false, input }));
            if (ok) setNewCategory({ name: '', nameEn: '', type: 'TECHNICAL' });
            return ok;
          }}
        >
          <TextInput
            label={t('catalogue.nameEs')}
            value={newCategory.name}
            onChange={(e) => setNewCategory({ ...newCategory, name: e.currentTarget.value })}
            w={220}
          />
          <TextInput
            label={t('catalogue.nameEn')}
            value={newCategory.nameEn}
            onChange={(e) => setNewCategory({ ...newCategory, nameEn: e.currentTarget.value })}
            w={220}
          />
          <Select
            label={t('catalogue.type')}
            data={typeOptions}
            value={newCategory.type}
            onChange={(v) => v && setNewCategory({ ...newCategory, type: v as TicketType })}
            w={180}
          />
        </CreateRow>
        {(data?.ticketCategories ?? []).map((c) => {
          const draft = newReason[c.id] ?? { name: '', nameEn: '' };
          const label = locale === 'en' && c.nameEn ? c.nameEn : c.name;
          return (
            <Card withBorder key={c.id} data-testid={`category-${c.name}`}>
              <Group justify="space-between" mb="xs">
                <Group>
                  <InlineText
                    value={c.name}
                    label={`${t('catalogue.nameEs')}: ${label}`}
                    onSave={async (name) => done(await category({ update: true, input: { id: c.id, name } }))}
                  />
                  <InlineText
                    value={c.nameEn ?? ''}
                    label={`${t('catalogue.nameEn')}: ${label}`}
                    onSave={async (nameEn) => done(await category({ update: true, input: { id: c.id, nameEn } }))}
                  />
                  <Badge variant="light">{t(`ticketType.${c.type}` as never)}</Badge>
                </Group>
                <ActiveSwitch
                  active={c.active}
                  label={label}
                  onChange={async (active) => done(await category({ update: true, input: { id: c.id, active } }))}
                />
              </Group>
              <Table>
                <Table.Tbody>
                  {c.reasons.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>
                        <InlineText
                          value={r.name}
                          label={`${t('catalogue.nameEs')}: ${r.name}`}
                          onSave={async (name) => done(await reason({ update: true, input: { id: r.id, name } }))}
                        />
                      </Table.Td>
                      <Table.Td>
                        <InlineText
                          value={r.nameEn ?? ''}
                          label={`${t('catalogue.nameEn')}: ${r.name}`}
                          onSave={async (nameEn) => done(await reason({ update: true, input: { id: r.id, nameEn } }))}
                        />
                      </Table.Td>
                      <Table.Td>
                        <ActiveSwitch
                          active={r.active}
                          label={r.name}
                          onChange={async (active) => done(await reason({ update: true, input: { id: r.id, active } }))}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <CreateRow
                label={t('catalogue.addReason')}
                disabled={draft.name.trim().length < 2}
                onCreate={async () => {
                  const input = { categoryId: c.id, name: draft.name, nameEn: draft.nameEn || null };
                  const ok = done(await reason({ update: false, input }));
                  if (ok) setNewReason({ ...newReason, [c.id]: { name: '', nameEn: '' } });
                  return ok;
                }}
              >
                <TextInput
                  size="xs"
                  label={t('catalogue.newReason')}
                  aria-label={`${t('catalogue.newReason')}: ${label}`}
                  value={draft.name}
                  onChange={(e) => setNewReason({ ...newReason, [c.id]: { ...draft, name: e.currentTarget.value } })}
                  w={220}
                />
                <TextInput
                  size="xs"
                  label={t('catalogue.nameEn')}
                  value={draft.nameEn}
                  onChange={(e) => setNewReason({ ...newReason, [c.id]: { ...draft, nameEn: e.currentTarget.value } })}
                  w={220}
                />
              </CreateRow>
            </Card>
          );
        })}
      </Stack>

      <Stack data-testid="tags">
        <Title order={4}>{t('catalogue.tags')}</Title>
        <CreateRow
          label={t('catalogue.createTag')}
          disabled={!newTag.trim()}
          onCreate={async () => {
            const ok = done(await tag({ update: false, input: { name: newTag } }));
            if (ok) setNewTag('');
            return ok;
          }}
        >
          <TextInput label={t('catalogue.name')} value={newTag} onChange={(e) => setNewTag(e.currentTarget.value)} w={220} />
        </CreateRow>
        <Card withBorder>
          <Table>
            <Table.Tbody>
              {(data?.tags ?? []).map((tg) => (
                <Table.Tr key={tg.id}>
                  <Table.Td>
                    <InlineText
                      value={tg.name}
                      label={t('catalogue.name')}
                      onSave={async (name) => done(await tag({ update: true, input: { id: tg.id, name } }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {t('catalogue.ticketCount', { n: tg.ticketCount })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <ActiveSwitch
                      active={tg.active}
                      label={tg.name}
                      onChange={async (active) => done(await tag({ update: true, input: { id: tg.id, active } }))}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </Stack>

      <Stack data-testid="materials">
        <Title order={4}>{t('catalogue.materials')}</Title>
        <CreateRow
          label={t('catalogue.createMaterial')}
          disabled={newMaterial.code.trim().length < 2 || newMaterial.name.trim().length < 2 || !newMaterial.unit.trim()}
          onCreate={async () => {
            const ok = done(await material({ update: false, input: newMaterial }));
            if (ok) setNewMaterial({ code: '', name: '', unit: 'u' });
            return ok;
          }}
        >
          <TextInput
            label={t('catalogue.code')}
            value={newMaterial.code}
            onChange={(e) => setNewMaterial({ ...newMaterial, code: e.currentTarget.value })}
            w={160}
          />
          <TextInput
            label={t('catalogue.name')}
            value={newMaterial.name}
            onChange={(e) => setNewMaterial({ ...newMaterial, name: e.currentTarget.value })}
            w={240}
          />
          <TextInput
            label={t('catalogue.unit')}
            value={newMaterial.unit}
            onChange={(e) => setNewMaterial({ ...newMaterial, unit: e.currentTarget.value })}
            w={80}
          />
        </CreateRow>
        <Card withBorder>
          <Table>
            <Table.Tbody>
              {(data?.materials ?? []).map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>
                    <Text ff="monospace" size="sm">
                      {m.code}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <InlineText
                      value={m.name}
                      label={`${t('catalogue.name')}: ${m.code}`}
                      onSave={async (name) => done(await material({ update: true, input: { id: m.id, name } }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <InlineText
                      value={m.unit}
                      width={80}
                      label={`${t('catalogue.unit')}: ${m.code}`}
                      onSave={async (unit) => done(await material({ update: true, input: { id: m.id, unit } }))}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActiveSwitch
                      active={m.active}
                      label={m.code}
                      onChange={async (active) => done(await material({ update: true, input: { id: m.id, active } }))}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </Stack>
    </Stack>
  );
}
