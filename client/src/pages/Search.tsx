import { Card, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { useLocation, useSearch } from 'wouter';
import { useI18n } from '../i18n.tsx';
import { HitLine, hitHref, SearchDoc } from '../search.tsx';

export default function SearchPage() {
  const { t } = useI18n();
  const params = new URLSearchParams(useSearch());
  const [value, setValue] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(value.trim(), 150);
  const [, navigate] = useLocation();
  const [{ data, fetching }] = useQuery({ query: SearchDoc, variables: { q, first: 50 }, pause: q.length < 2 });
  const hits = data?.search.hits ?? [];
  useEffect(() => {
    // One result opens directly.
    if (!fetching && hits.length === 1 && q === (params.get('q') ?? '').trim()) {
      const href = hitHref(hits[0]!);
      if (href) navigate(href, { replace: true });
    }
  }, [fetching, hits, q, navigate, params]);
  return (
    <Stack>
      <Title order={2}>{t('nav.search')}</Title>
      <TextInput
        size="md"
        placeholder={t('search.placeholder')}
        value={value}
        onChange={(e) => setValue(e.currentTarget.value)}
        autoFocus
      />
      {q.length >= 2 && (
        <Text c="dimmed">
          {hits.length ? t('search.results', { n: hits.length }) : fetching ? t('common.loading') : t('search.none', { q })}
        </Text>
      )}
      <Stack gap="xs" data-testid="search-page-results">
        {hits.map((hit, i) => {
          const href = hitHref(hit);
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: results are replaced whole; their order is the key
            <UnstyledButton key={i} onClick={() => href && navigate(href)}>
              <Card withBorder padding="sm">
                <HitLine hit={hit} />
              </Card>
            </UnstyledButton>
          );
        })}
      </Stack>
    </Stack>
  );
}
