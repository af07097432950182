/**
 * Photos, signatures and files of work orders and tickets. The bytes are uploaded with
 * `POST /files` and read with `GET /files/<id>` (see server/src/http/files.ts); here is what
 * is attached, and where to fetch it. Whoever may see the work order or ticket may see its
 * attachments.
 */
import { builder } from '../builder.ts';

const AttachmentKindEnum = builder.enumType('AttachmentKind', {
  description: 'What an attachment is.',
  values: {
    PHOTO: { description: 'A photo of the visit.' },
    SIGNATURE: { description: 'The customer’s signature, taken on the phone at completion.' },
    FILE: { description: 'Any other file (an image or a PDF).' },
  } as const,
});

builder.prismaObject('Attachment', {
  description: 'A photo, signature or file attached to a work order or a ticket.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Attachment id (numeric).' }),
    kind: t.field({ type: AttachmentKindEnum, description: 'Photo, signature or file.', resolve: (a) => a.kind }),
    fileName: t.exposeString('fileName', { description: 'File name as uploaded.' }),
    contentType: t.exposeString('contentType', { description: 'MIME type (checked against the bytes).' }),
    size: t.exposeInt('size', { description: 'Size in bytes.' }),
    url: t.string({
      description: 'Where to fetch it (same origin; needs the same sign-in as the API).',
      select: { id: true },
      resolve: (a) => `/files/${a.id}`,
    }),
    uploadedBy: t.relation('uploadedBy', { nullable: true, description: 'Who uploaded it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When.' }),
  }),
});

builder.prismaObjectFields('WorkOrder', (t) => ({
  attachments: t.relation('attachments', {
    description: 'Photos, the signature and files, oldest first.',
    query: { orderBy: { id: 'asc' } },
  }),
}));

builder.prismaObjectFields('Ticket', (t) => ({
  attachments: t.relation('attachments', { description: 'Files attached to the ticket, oldest first.', query: { orderBy: { id: 'asc' } } }),
}));
