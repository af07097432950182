/**
 * Where attachment bytes live, behind one interface: a local folder (the default, inside
 * the data folder) or any S3-compatible store (AWS S3, MinIO, Ceph RGW…) through the AWS
 * SDK. Keys are opaque and chosen by Emerald (`yyyy/mm/<uuid>`), never by the uploader.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface FileStore {
  /** Where files go, for logs and the README's checks (no secrets). */
  readonly describe: string;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The bytes, or null when the key holds nothing. */
  get(key: string): Promise<Readable | null>;
  delete(key: string): Promise<void>;
}

/** A new storage key: by month, then random. */
export function newStorageKey(now = new Date()): string {
  return `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${randomUUID()}`;
}

const KEY = /^\d{4}\/\d{2}\/[0-9a-f-]{36}$/;

/** A folder on this machine; files are written to a temporary name and renamed, so a crash never leaves half a file. */
export function localStore(dir: string): FileStore {
  const file = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key');
    return path.join(dir, ...key.split('/'));
  };
  return {
    describe: `folder ${dir}`,
    async put(key, body) {
      const target = file(key);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, body, { mode: 0o600 });
      await fs.promises.rename(tmp, target);
    },
    async get(key) {
      try {
        const handle = await fs.promises.open(file(key), 'r');
        return handle.createReadStream();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await fs.promises.rm(file(key), { force: true });
    },
  };
}

export interface S3Options {
  endpoint: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** An S3-compatible bucket (created on first use when missing, as MinIO starts empty). */
export function s3Store(o: S3Options): FileStore {
  const client = new S3Client({
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
  });
  let ready: Promise<void> | null = null;
  const bucket = () => {
    ready ??= client
      .send(new HeadBucketCommand({ Bucket: o.bucket }))
      .then(() => undefined)
      .catch(async (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        if (error.name !== 'NotFound' && error.$metadata?.httpStatusCode !== 404) throw error;
        await client.send(new CreateBucketCommand({ Bucket: o.bucket }));
      })
      .catch((error) => {
        ready = null;
        throw error;
      });
    return ready;
  };
  return {
    describe: `S3 bucket ${o.bucket}${o.endpoint ? ` at ${new URL(o.endpoint).host}` : ''}`,
    async put(key, body, contentType) {
      await bucket();
      await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(key) {
      await bucket();
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
        return res.Body instanceof Readable ? res.Body : Readable.from(Buffer.from(await res.Body!.transformToByteArray()));
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
    },
  };
}

/** What a file's first bytes say it is (the declared type must agree). */
export function sniff(head: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf' | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head.length >= 12 && head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  if (head.length >= 5 && head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

/** The store the configuration names (FILES_STORAGE). */
export function fileStoreFor(files: { storage: { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Options) }): FileStore {
  return files.storage.kind === 'local' ? localStore(files.storage.dir) : s3Store(files.storage);
}
