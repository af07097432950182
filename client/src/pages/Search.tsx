import { Anchor, Card, Group, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
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
      <Title order={1} size="h2">
        {t('nav.search')}
      </Title>
      <TextInput
        size="md"
        placeholder={t('search.placeholder')}
        value={value}
        onChange={(e) => setValue(e.currentTarget.value)}
        aria-label={t('nav.search')}
        data-testid="search-page-input"
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
            <Group key={i} gap="xs" wrap="nowrap" align="stretch">
              <UnstyledButton onClick={() => href && navigate(href)} style={{ flex: 1, minWidth: 0 }}>
                <Card withBorder padding="sm">
                  <HitLine hit={hit} />
                </Card>
              </UnstyledButton>
              {hit.connection && (
                <Anchor
                  component={Link}
                  href={`/map?connection=${encodeURIComponent(hit.connection.id)}`}
                  size="sm"
                  style={{ alignSelf: 'center' }}
                  data-testid="show-on-map"
                >
                  {t('map.show')}
                </Anchor>
              )}
            </Group>
          );
        })}
      </Stack>
    </Stack>
  );
}
