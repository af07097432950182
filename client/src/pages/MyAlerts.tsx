/** Where the signed-in user is told about incidents: their e-mail addresses and Telegram chats. */
import { Alert, Button, Card, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import type { NotificationChannel } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { reportResult } from '../ui.tsx';

const MyContacts = graphql(`query MyContacts { me { id contacts { id channel address enabled } } }`);
const AddContact = graphql(
  `mutation MyAddContact($channel: NotificationChannel!, $address: String!) { addContact(channel: $channel, address: $address) { __typename ... on Error { message } } }`,
);
const RemoveContact = graphql(`mutation MyRemoveContact($id: ID!) { removeContact(id: $id) }`);

export default function MyAlerts() {
  const { t } = useI18n();
  const [{ data }, refetch] = useQuery({ query: MyContacts });
  const [, add] = useMutation(AddContact);
  const [, remove] = useMutation(RemoveContact);
  const [channel, setChannel] = useState<NotificationChannel>('EMAIL');
  const [address, setAddress] = useState('');
  const again = () => refetch({ requestPolicy: 'network-only' });
  const contacts = data?.me?.contacts ?? [];
  return (
    <Stack maw={720}>
      <Title order={2}>{t('my.title')}</Title>
      <Text c="dimmed">{t('my.intro')}</Text>
      <Group align="end">
        <SegmentedControl
          value={channel}
          onChange={(v) => setChannel(v as NotificationChannel)}
          data={[
            { value: 'EMAIL', label: t('channel.EMAIL') },
            { value: 'TELEGRAM', label: t('channel.TELEGRAM') },
          ]}
        />
        <TextInput
          label={t('my.address')}
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          placeholder={channel === 'EMAIL' ? 'guardia@isp.com.ar' : '123456789'}
          style={{ flex: 1 }}
          data-testid="contact-address"
        />
        <Button
          data-testid="contact-add"
          onClick={async () => {
            const res = await add({ channel, address });
            if (reportResult(res.data?.addContact, res.error?.message, t('my.added'))) setAddress('');
            again();
          }}
        >
          {t('my.add')}
        </Button>
      </Group>
      {channel === 'TELEGRAM' && <Alert color="blue">{t('my.telegramHint')}</Alert>}
      <Card withBorder>
        {contacts.length === 0 ? (
          <Text c="dimmed">{t('my.none')}</Text>
        ) : (
          <Table data-testid="contacts">
            <Table.Tbody>
              {contacts.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{t(`channel.${c.channel}` as never)}</Table.Td>
                  <Table.Td>{c.address}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      onClick={async () => {
                        await remove({ id: c.id });
                        again();
                      }}
                    >
                      {t('my.remove')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </Stack>
  );
}
