/**
 * Attachments of a ticket or work order: photos as thumbnails, the signature, files as
 * links (all fetched from /files/<id> with the session), and a button to add one.
 */
import { Anchor, Badge, FileButton, Group, Image, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useI18n } from './i18n.tsx';
import { resizePhoto } from './offline.ts';

export interface AttachmentView {
  id: string;
  kind: 'PHOTO' | 'SIGNATURE' | 'FILE';
  fileName: string;
  url: string;
  size: number;
}

export function Attachments({ items, label }: { items: readonly AttachmentView[]; label?: string }) {
  const { t } = useI18n();
  if (!items.length) return null;
  return (
    <Stack gap={4}>
      {label && (
        <Text size="sm" fw={500}>
          {label}
        </Text>
      )}
      <Group gap="xs" data-testid="attachments">
        {items.map((a) =>
          a.kind === 'FILE' && !/\.(jpe?g|png|webp)$/i.test(a.fileName) ? (
            <Anchor key={a.id} href={a.url} target="_blank" rel="noopener" size="sm">
              {a.fileName}
            </Anchor>
          ) : (
            <Anchor key={a.id} href={a.url} target="_blank" rel="noopener" underline="never">
              <Stack gap={2} align="center">
                <Image
                  src={a.url}
                  alt={`${t(`attachment.${a.kind}` as never)}: ${a.fileName}`}
                  w={96}
                  h={72}
                  fit="contain"
                  radius="sm"
                  bg="gray.1"
                />
                <Badge size="xs" variant="light" color={a.kind === 'SIGNATURE' ? 'violet' : 'gray'}>
                  {t(`attachment.${a.kind}` as never)}
                </Badge>
              </Stack>
            </Anchor>
          ),
        )}
      </Group>
    </Stack>
  );
}

/** Attach a photo or a file to a ticket (support) or a work order. */
export function AttachButton({ owner, onDone }: { owner: { ticketId: string } | { workOrderId: string }; onDone(): void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const send = async (file: File | null) => {
    if (!file) return;
    setBusy(true);
    try {
      const image = file.type.startsWith('image/');
      const body = image ? await resizePhoto(file) : file;
      const q = new URLSearchParams({
        ...owner,
        kind: image ? 'PHOTO' : 'FILE',
        name: image ? file.name.replace(/\.\w+$/, '.jpg') : file.name,
      });
      const res = await fetch(`/files?${q}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': image ? 'image/jpeg' : file.type },
        body,
      });
      if (!res.ok) {
        const e = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        notifications.show({ color: 'red', message: e?.error?.message ?? t('attachment.failed') });
      } else onDone();
    } finally {
      setBusy(false);
    }
  };
  return (
    <FileButton onChange={(f) => void send(f)} accept="image/jpeg,image/png,image/webp,application/pdf">
      {(props) => (
        <Anchor component="button" type="button" size="sm" {...props} disabled={busy} data-testid="attach-file">
          {busy ? t('common.loading') : t('attachment.add')}
        </Anchor>
      )}
    </FileButton>
  );
}
