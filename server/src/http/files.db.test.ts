/**
 * Attachments through the real HTTP server: who may upload and read (the API's own rules,
 * so a technician reaches only their visits' files), types checked against the bytes,
 * size limits, an upload retried with its key stored once, and the same through an
 * S3-compatible store (s3rver, speaking the S3 protocol on 127.0.0.1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../../../test/api.ts';
import { s3Store } from '../files/store.ts';
import { buildApp } from './app.ts';

let api: TestApi;
let url: string;
let tech: Caller;
let tech2: Caller;
let support: Caller;
let noc: Caller;
let workOrder: string;
let otherWorkOrder: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-files-'));

/** A tiny but real JPEG (SOI, APP0 JFIF, EOI) and PNG (signature, IHDR…) by their magic bytes. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(200, 7),
  Buffer.from([0xff, 0xd9]),
]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(120, 3)]);
const PDF = Buffer.from('%PDF-1.4\n% informe\n%%EOF\n');

beforeAll(async () => {
  api = await createTestApi({ subscribers: 120, env: { FILES_DIR: dir, FILES_MAX_MB: '2' } });
  url = (await api.app.start(0)).url;
  [tech, tech2, support, noc] = await Promise.all([api.as('tecnico'), api.as('tecnico2'), api.as('soporte'), api.as('noc')]);
  const wo = async (username: string) =>
    encodeGlobalID(
      'WorkOrder',
      String(
        (
          await api.db.pool.query(
            `SELECT w.id FROM work_orders w JOIN users u ON u.id = w.technician_id WHERE u.username = $1 ORDER BY w.id LIMIT 1`,
            [username],
          )
        ).rows[0].id,
      ),
    );
  workOrder = await wo('tecnico');
  otherWorkOrder = await wo('tecnico2');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function upload(
  base: string,
  who: Caller | null,
  query: Record<string, string>,
  body: Buffer,
  type: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/files?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(who?.token ? { authorization: `Bearer ${who.token}` } : {}), ...headers },
    body: new Uint8Array(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

const read = async (base: string, who: Caller | null, file: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${file}`, { headers: { ...(who?.token ? { authorization: `Bearer ${who.token}` } : {}), ...headers } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
};

describe('attachments', () => {
  it('stores a visit’s photo and signature, and gives them only to who may see the visit', async () => {
    const photo = await upload(url, tech, { workOrderId: workOrder, kind: 'PHOTO', name: 'caja-nap.jpg' }, JPEG, 'image/jpeg');
    expect(photo.status).toBe(201);
    expect(photo.json).toMatchObject({ kind: 'PHOTO', fileName: 'caja-nap.jpg', contentType: 'image/jpeg', size: JPEG.length });
    const signature = await upload(url, tech, { workOrderId: workOrder, kind: 'SIGNATURE' }, PNG, 'image/png');
    expect(signature.status).toBe(201);

    const own = await read(url, tech, photo.json.url);
    expect(own).toMatchObject({ status: 200, type: 'image/jpeg' });
    expect(own.body.equals(JPEG)).toBe(true);
    expect((await read(url, support, signature.json.url)).body.equals(PNG)).toBe(true);
    // Another technician, the NOC (no work orders), nobody: as if it did not exist.
    expect((await read(url, tech2, photo.json.url)).status).toBe(404);
    expect((await read(url, noc, photo.json.url)).status).toBe(404);
    expect((await read(url, null, photo.json.url)).status).toBe(401);
    // Nor may anyone attach to a visit they cannot see.
    expect((await upload(url, tech2, { workOrderId: workOrder, kind: 'PHOTO' }, JPEG, 'image/jpeg')).status).toBe(404);
    expect((await upload(url, tech, { workOrderId: otherWorkOrder, kind: 'PHOTO' }, JPEG, 'image/jpeg')).status).toBe(404);

    // The API lists them.
    const listed = await support.query<{ node: { attachments: { kind: string; url: string; size: number }[] } }>(
      `{ node(id: "${workOrder}") { ... on WorkOrder { attachments { kind url size } } } }`,
    );
    expect(listed.data!.node.attachments).toEqual([
      { kind: 'PHOTO', url: photo.json.url, size: JPEG.length },
      { kind: 'SIGNATURE', url: signature.json.url, size: PNG.length },
    ]);
    // On disk under the data folder, not under the name the uploader chose.
    const stored = fs.readdirSync(dir, { recursive: true }).map(String);
    expect(stored.some((f) => f.includes('caja-nap'))).toBe(false);
    expect(stored.filter((f) => /[0-9a-f-]{36}$/.test(f))).toHaveLength(2);
  });

  it('checks the type against the bytes and the size, and refuses a foreign page with the cookie', async () => {
    const q = { workOrderId: workOrder, kind: 'PHOTO' };
    expect((await upload(url, tech, q, JPEG, 'image/png')).json.error.code).toBe('TYPE_MISMATCH');
    expect((await upload(url, tech, q, Buffer.from('<script>alert(1)</script>'), 'text/html')).json.error.code).toBe('UNSUPPORTED_TYPE');
    expect((await upload(url, tech, q, PDF, 'application/pdf')).json.error.code).toBe('UNSUPPORTED_TYPE');
    expect((await upload(url, support, { workOrderId: workOrder, kind: 'FILE', name: 'informe.pdf' }, PDF, 'application/pdf')).status).toBe(
      201,
    );
    const big = Buffer.concat([JPEG.subarray(0, 6), Buffer.alloc(2 * 1024 * 1024 + 10)]);
    expect((await upload(url, tech, q, big, 'image/jpeg')).status).toBe(413);
    const bigSignature = Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]);
    expect((await upload(url, tech, { workOrderId: workOrder, kind: 'SIGNATURE' }, bigSignature, 'image/png')).status).toBe(413);
    expect((await upload(url, null, q, JPEG, 'image/jpeg')).status).toBe(401);

    const login = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(username: "tecnico", password: "emerald-demo") { __typename } }' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await upload(url, null, q, JPEG, 'image/jpeg', { cookie, origin: 'https://evil.example' })).status).toBe(403);
    const sameSite = await upload(url, null, q, JPEG, 'image/jpeg', { cookie, origin: url });
    expect(sameSite.status).toBe(201);
    expect((await read(url, null, sameSite.json.url, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    const n = (await api.db.pool.query(`SELECT count(*)::int AS n FROM attachments`)).rows[0].n;
    expect(n).toBe(4); // photo, signature, the PDF, the same-site photo: nothing refused was kept
  });

  it('stores an upload retried with its key once', async () => {
    const q = { workOrderId: workOrder, kind: 'PHOTO', uploadKey: 'offline-photo-0001' };
    const [a, b] = await Promise.all([upload(url, tech, q, JPEG, 'image/jpeg'), upload(url, tech, q, JPEG, 'image/jpeg')]);
    const c = await upload(url, tech, q, JPEG, 'image/jpeg');
    expect(new Set([a.json.id, b.json.id, c.json.id]).size).toBe(1);
    expect((await api.db.pool.query(`SELECT count(*)::int AS n FROM attachments WHERE upload_key = 'offline-photo-0001'`)).rows[0].n).toBe(
      1,
    );
    expect(
      fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => /[0-9a-f-]{36}$/.test(f)),
    ).toHaveLength(5);
    const ticket = encodeGlobalID(
      'Ticket',
      String((await api.db.pool.query(`SELECT ticket_id FROM work_orders WHERE technician_id IS NOT NULL LIMIT 1`)).rows[0].ticket_id),
    );
    expect(
      (await upload(url, support, { ticketId: ticket, kind: 'PHOTO', uploadKey: 'offline-photo-0001' }, JPEG, 'image/jpeg')).status,
    ).toBe(409);
  });
});

describe('attachments in an S3-compatible store', () => {
  it('puts and gets the bytes through the S3 protocol', async () => {
    const bucketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-s3-'));
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: bucketDir });
    const { port } = await s3.run();
    try {
      const store = s3Store({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: 'emerald-files',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
      });
      const app = buildApp({ ...api.services, files: store }, { clientDir: null });
      const running = await app.start(0);
      try {
        const up = await upload(running.url, tech, { workOrderId: workOrder, kind: 'PHOTO' }, JPEG, 'image/jpeg');
        expect(up.status).toBe(201);
        const back = await read(running.url, tech, up.json.url);
        expect(back.status).toBe(200);
        expect(back.body.equals(JPEG)).toBe(true);
        // It is in the bucket (created on first use), not in the local folder.
        const key = (await api.db.pool.query(`SELECT storage_key FROM attachments ORDER BY id DESC LIMIT 1`)).rows[0].storage_key;
        const object = await store.get(key);
        const chunks: Buffer[] = [];
        for await (const c of object!) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).equals(JPEG)).toBe(true);
        expect(
          fs
            .readdirSync(dir, { recursive: true })
            .map(String)
            .some((f) => f.endsWith(key.split('/').at(-1)!)),
        ).toBe(false);
      } finally {
        await running.stop();
      }
    } finally {
      await s3.close();
      fs.rmSync(bucketDir, { recursive: true, force: true });
    }
  });
});
