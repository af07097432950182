/**
 * Attachments over HTTP: `POST /files` uploads one (a visit photo, the customer's
 * signature, a file) to a work order or a ticket; `GET /files/<id>` streams it back.
 * Who may do either is decided by the GraphQL API itself: the caller must be able to see
 * the work order or ticket (`node(id)` as them) — so a technician reaches only the files
 * of their own visits. Uploads: the declared type must match the bytes (JPEG, PNG, WebP,
 * PDF; photos and signatures only images), at most FILES_MAX_MB (signatures 1 MB), and an
 * `uploadKey` chosen by the client makes a retried upload (an offline queue) the same one.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { resolveActor } from '../auth/tokens.ts';
import { writeAudit } from '../db/audit.ts';
import { newStorageKey, sniff, type FileStore } from '../files/store.ts';
import type { Services } from '../services.ts';
import { originAllowed, usesSessionCookie } from './security.ts';

type Execute = (
  body: { query: string; variables: Record<string, unknown> },
  headers: Record<string, string>,
) => Promise<{ data?: { node?: { id: string } | null } | null; errors?: { extensions?: { code?: string } }[] }>;

const KINDS = ['PHOTO', 'SIGNATURE', 'FILE'] as const;
type Kind = (typeof KINDS)[number];
const SIGNATURE_MAX = 1024 * 1024;

function fail(res: http.ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Read at most `max` bytes of the body, or null (and stop reading) when it is larger. */
async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function serveFiles(
  services: Services,
  store: FileStore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  execute: Execute,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const credentials = { cookie: req.headers.cookie ?? '', authorization: req.headers.authorization ?? '' };
  const actor = await resolveActor(services.db, credentials);
  if (!actor) return fail(res, 401, 'UNAUTHENTICATED', 'Sign in first');
  // A foreign page may not use the cookie, for reading as for writing.
  if (usesSessionCookie(req.headers) && !originAllowed(req.headers.origin, req.headers.host, services.config.http.allowedOrigins)) {
    return fail(res, 403, 'FORBIDDEN_ORIGIN', 'Requests from other sites may not use the session cookie');
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credentials.cookie) headers.cookie = credentials.cookie;
  if (credentials.authorization) headers.authorization = credentials.authorization;
  if (req.headers.origin) headers.origin = req.headers.origin;
  if (req.headers.host) headers.host = req.headers.host;
  /** Whether the caller can see this work order or ticket, asked of the API as them. */
  const maySee = async (globalId: string) => {
    const r = await execute({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: globalId } }, headers);
    return !r.errors?.length && r.data?.node?.id === globalId;
  };
  const who = { actor, ip: req.socket.remoteAddress ?? null, requestId: null };

  const m = /^\/files\/(\d{1,12})$/.exec(url.pathname);
  if (req.method === 'GET' && m) {
    const row = (
      await services.db.pool.query<{
        work_order_id: number | null;
        ticket_id: number | null;
        file_name: string;
        content_type: string;
        size: number;
        storage_key: string;
        sha256: string;
      }>('SELECT work_order_id, ticket_id, file_name, content_type, size, storage_key, sha256 FROM attachments WHERE id = $1', [
        Number(m[1]),
      ])
    ).rows[0];
    // Not found and not allowed look the same.
    const owner = row
      ? row.work_order_id !== null
        ? encodeGlobalID('WorkOrder', String(row.work_order_id))
        : encodeGlobalID('Ticket', String(row.ticket_id))
      : null;
    if (!row || !owner || !(await maySee(owner))) return fail(res, 404, 'NOT_FOUND', 'No such file');
    const body = await store.get(row.storage_key);
    if (!body) return fail(res, 404, 'NOT_FOUND', 'The file is missing from storage');
    res.statusCode = 200;
    res.setHeader('Content-Type', row.content_type);
    res.setHeader('Content-Length', String(row.size));
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(row.file_name)}`);
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('ETag', `"${row.sha256}"`);
    // Never rendered as a page of this origin, whatever it holds.
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; sandbox");
    body.on('error', (error) => {
      services.log.error({ err: error }, 'reading an attachment failed');
      res.destroy(error);
    });
    body.pipe(res);
    return;
  }

  if (req.method !== 'POST' || url.pathname !== '/files') return fail(res, 404, 'NOT_FOUND', 'POST /files or GET /files/<id>');
  if (!actor.scopes.write) return fail(res, 403, 'FORBIDDEN', 'This API key may not write');
  const kind = (url.searchParams.get('kind') ?? 'FILE').toUpperCase() as Kind;
  if (!KINDS.includes(kind)) return fail(res, 400, 'INVALID', 'kind must be PHOTO, SIGNATURE or FILE');
  const workOrder = url.searchParams.get('workOrderId');
  const ticket = url.searchParams.get('ticketId');
  if (!workOrder === !ticket) return fail(res, 400, 'INVALID', 'Give workOrderId or ticketId (one of them)');
  const owner = (workOrder ?? ticket)!;
  let ownerId: number;
  try {
    const decoded = Buffer.from(owner, 'base64').toString('utf8');
    const [type, id] = decoded.split(':');
    if (type !== (workOrder ? 'WorkOrder' : 'Ticket') || !/^\d{1,12}$/.test(id ?? '')) throw new Error('bad id');
    ownerId = Number(id);
  } catch {
    return fail(
      res,
      400,
      'INVALID_ID',
      `${workOrder ? 'workOrderId' : 'ticketId'} is not the id of a ${workOrder ? 'WorkOrder' : 'Ticket'}`,
    );
  }
  const uploadKey = url.searchParams.get('uploadKey');
  if (uploadKey !== null && !/^[A-Za-z0-9_-]{8,100}$/.test(uploadKey))
    return fail(res, 400, 'INVALID', 'uploadKey has 8–100 letters, digits, - or _');
  // No path separators or control characters in a name that ends up in a header.
  const name =
    [...(url.searchParams.get('name') ?? kind.toLowerCase())]
      .map((ch) => (ch === '/' || ch === '\\' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '_' : ch))
      .join('')
      .slice(0, 200) || 'file';
  const declared = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(await maySee(owner))) return fail(res, 404, 'NOT_FOUND', 'No such work order or ticket');

  const describe = (row: { id: number; size: number; content_type: string; file_name: string; kind: string }) => ({
    id: encodeGlobalID('Attachment', String(row.id)),
    url: `/files/${row.id}`,
    kind: row.kind,
    fileName: row.file_name,
    contentType: row.content_type,
    size: row.size,
  });
  if (uploadKey) {
    const same = (
      await services.db.pool.query<{
        id: number;
        size: number;
        content_type: string;
        file_name: string;
        kind: string;
        work_order_id: number | null;
        ticket_id: number | null;
      }>(`SELECT id, size, content_type, file_name, kind::text, work_order_id, ticket_id FROM attachments WHERE upload_key = $1`, [
        uploadKey,
      ])
    ).rows[0];
    if (same) {
      const sameOwner = workOrder ? same.work_order_id === ownerId : same.ticket_id === ownerId;
      if (!sameOwner || same.kind !== kind) return fail(res, 409, 'KEY_REUSED', 'That uploadKey was used for another upload');
      req.resume();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(describe(same)));
      return;
    }
  }
  const max = kind === 'SIGNATURE' ? Math.min(SIGNATURE_MAX, services.config.files.maxBytes) : services.config.files.maxBytes;
  const body = await readBody(req, max);
  if (!body) return fail(res, 413, 'TOO_LARGE', `At most ${Math.round(max / 1024 / 1024)} MB`);
  if (body.length === 0) return fail(res, 400, 'EMPTY', 'The file is empty');
  const actual = sniff(body.subarray(0, 16));
  const allowed =
    kind === 'FILE' ? ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] : ['image/jpeg', 'image/png', 'image/webp'];
  if (!actual || !allowed.includes(actual)) return fail(res, 415, 'UNSUPPORTED_TYPE', `Accepted: ${allowed.join(', ')}`);
  if (declared !== actual) return fail(res, 415, 'TYPE_MISMATCH', `The file is ${actual}, not ${declared || 'what it says'}`);

  const key = newStorageKey();
  await store.put(key, body, actual);
  try {
    const row = (
      await services.db.pool.query<{ id: number; size: number; content_type: string; file_name: string; kind: string }>(
        `INSERT INTO attachments (kind, work_order_id, ticket_id, file_name, content_type, size, sha256, storage_key, upload_key, uploaded_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (upload_key) DO NOTHING
         RETURNING id, size, content_type, file_name, kind::text`,
        [
          kind,
          workOrder ? ownerId : null,
          ticket ? ownerId : null,
          name,
          actual,
          body.length,
          createHash('sha256').update(body).digest('hex'),
          key,
          uploadKey,
          actor.userId,
        ],
      )
    ).rows[0];
    if (!row) {
      // The same upload, sent twice at once: the other one won.
      await store.delete(key);
      const same = (
        await services.db.pool.query<{ id: number; size: number; content_type: string; file_name: string; kind: string }>(
          'SELECT id, size, content_type, file_name, kind::text FROM attachments WHERE upload_key = $1',
          [uploadKey],
        )
      ).rows[0]!;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(describe(same)));
      return;
    }
    await writeAudit(services.db.pool, who, {
      action: 'attachment.upload',
      entityType: workOrder ? 'WorkOrder' : 'Ticket',
      entityId: ownerId,
      after: { attachmentId: row.id, kind, fileName: name, contentType: actual, size: body.length },
    });
    res.statusCode = 201;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(describe(row)));
  } catch (error) {
    await store.delete(key).catch(() => {});
    throw error;
  }
}
