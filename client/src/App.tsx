import { Anchor, Badge, Card, Center, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';

interface Health {
  ok: boolean;
  version: string;
}

export function App() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    void fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { ok version } }' }),
    })
      .then((r) => r.json() as Promise<{ data?: { health: Health } }>)
      .then((r) => setHealth(r.data?.health ?? null));
  }, []);
  return (
    <Center h="100vh">
      <Card withBorder padding="xl" radius="md" w={420}>
        <Stack>
          <Group justify="space-between">
            <Title order={2}>Emerald</Title>
            <Badge color={health?.ok ? 'teal' : 'gray'}>{health ? `v${health.version}` : '…'}</Badge>
          </Group>
          <Text c="dimmed">Plataforma de operaciones para ISPs.</Text>
          <Anchor href="/graphql">GraphiQL</Anchor>
        </Stack>
      </Card>
    </Center>
  );
}
