/**
 * One box for everything, reachable from every screen (Ctrl/⌘+K): results as you type;
 * Enter opens the first (or the only) result; unlinked PPP secrets and ONUs say so.
 */
import { Badge, Combobox, Group, Loader, Text, TextInput, useCombobox } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery } from 'urql';
import { useLocation } from 'wouter';
import { graphql } from './gql/index.ts';
import type { SearchBoxQuery } from './gql/graphql.ts';
import { useI18n } from './i18n.tsx';

export const SearchDoc = graphql(`
  query SearchBox($q: String!, $first: Int) {
    search(query: $q, first: $first) {
      query
      hits {
        kind
        exact
        linked
        matchedField
        matchedValue
        customer { id name docNumber address }
        connection { id pppoeUsername address }
        pppSecret { id name router { name } }
        onu { id serial name }
      }
    }
  }
`);

export type Hit = SearchBoxQuery['search']['hits'][number];

/** Where a hit leads. */
export function hitHref(hit: Hit): string | null {
  if (hit.connection) return `/connections/${encodeURIComponent(hit.connection.id)}`;
  if (hit.customer) return `/customers/${encodeURIComponent(hit.customer.id)}`;
  return null;
}

export function HitLine({ hit }: { hit: Hit }) {
  const { t } = useI18n();
  const title = hit.customer?.name ?? hit.pppSecret?.name ?? hit.onu?.serial ?? hit.matchedValue;
  const sub = [
    hit.connection?.pppoeUsername,
    hit.customer?.docNumber,
    hit.connection?.address ?? hit.customer?.address,
    hit.pppSecret?.router?.name,
    hit.onu?.name,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Group justify="space-between" wrap="nowrap" gap="xs">
      <div style={{ minWidth: 0 }}>
        <Text size="sm" fw={600} truncate>
          {title}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {sub || `${hit.matchedField}: ${hit.matchedValue}`}
        </Text>
      </div>
      <Group gap={4} wrap="nowrap">
        <Badge size="xs" variant="light">
          {t(`kind.${hit.kind}` as never)}
        </Badge>
        {!hit.linked && (
          <Badge size="xs" color="orange" variant="light">
            {t('search.unlinked')}
          </Badge>
        )}
      </Group>
    </Group>
  );
}

export function SearchBox() {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [value, setValue] = useState('');
  const [q] = useDebouncedValue(value.trim(), 150);
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [{ data, fetching }] = useQuery({
    query: SearchDoc,
    variables: { q, first: 8 },
    pause: q.length < 2,
    requestPolicy: 'network-only',
  });
  const hits = q.length >= 2 ? (data?.search.hits ?? []) : [];
  const open = (hit: Hit | undefined) => {
    if (!hit) {
      navigate(`/search?q=${encodeURIComponent(value.trim())}`);
    } else {
      const href = hitHref(hit);
      navigate(href ?? `/search?q=${encodeURIComponent(value.trim())}`);
    }
    combobox.closeDropdown();
    setValue('');
  };
  return (
    <Combobox store={combobox} onOptionSubmit={(i) => open(hits[Number(i)])} width={520} position="bottom-start">
      <Combobox.Target>
        <TextInput
          data-testid="search-box"
          aria-label={t('nav.search')}
          placeholder={t('search.placeholder')}
          value={value}
          w={{ base: 180, sm: 300, md: 480 }}
          rightSection={
            fetching ? (
              <Loader size="xs" />
            ) : (
              <Text size="xs" c="dimmed">
                {t('search.shortcut')}
              </Text>
            )
          }
          rightSectionWidth={60}
          onChange={(e) => {
            setValue(e.currentTarget.value);
            combobox.openDropdown();
          }}
          onFocus={() => combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && combobox.getSelectedOptionIndex() < 0) {
              e.preventDefault();
              open(hits.length === 1 ? hits[0] : undefined);
            }
          }}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={q.length < 2}>
        <Combobox.Options data-testid="search-results">
          {hits.length === 0 && !fetching ? (
            <Combobox.Empty>{t('search.none', { q })}</Combobox.Empty>
          ) : (
            hits.map((hit, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the option value is the index too (Combobox selects by it)
              <Combobox.Option value={String(i)} key={`${hit.kind}-${i}`}>
                <HitLine hit={hit} />
              </Combobox.Option>
            ))
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
