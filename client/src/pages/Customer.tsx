/** A customer and their connections; one connection opens its view. */
import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import { StatusBadge } from '../ui.tsx';

const CustomerDoc = graphql(`
  query CustomerView($id: ID!) {
    customer(id: $id) {
      id name docNumber address city status debt
      phones { number }
      connections { id pppoeUsername address plan { name } session { address } onu { status { value } } }
    }
  }
`);

export default function CustomerPage({ id }: { id: string }) {
  const { t, number } = useI18n();
  const [{ data }] = useQuery({ query: CustomerDoc, variables: { id } });
  const [, navigate] = useLocation();
  const c = data?.customer;
  useEffect(() => {
    if (c?.connections.length === 1) navigate(`/connections/${encodeURIComponent(c.connections[0]!.id)}`, { replace: true });
  }, [c, navigate]);
  if (!c) return <Text c="dimmed">{t('common.loading')}</Text>;
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2}>{c.name}</Title>
          <Text c="dimmed">
            {c.docNumber} · {[c.address, c.city].filter(Boolean).join(', ')} · {c.phones.map((p) => p.number).join(', ')}
          </Text>
        </div>
        <Badge color={c.status === 'BLOCKED' ? 'violet' : 'teal'} size="lg">
          {t(`customerStatus.${c.status}` as never)}
          {c.debt ? ` · $${number(Number(c.debt))}` : ''}
        </Badge>
      </Group>
      <Card withBorder>
        <Table>
          <Table.Tbody>
            {c.connections.map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>
                  <Anchor component={Link} href={`/connections/${encodeURIComponent(k.id)}`}>
                    {k.pppoeUsername ?? k.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{k.address}</Table.Td>
                <Table.Td>{k.plan?.name}</Table.Td>
                <Table.Td>
                  <Badge color={k.session ? 'teal' : 'red'} variant="light">
                    PPPoE {k.session ? t('conn.up') : t('conn.down')}
                  </Badge>
                </Table.Td>
                <Table.Td>{k.onu ? <StatusBadge status={k.onu.status.value} /> : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}
