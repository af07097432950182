/**
 * Working without coverage. Two pieces, both in IndexedDB so they survive a reload:
 *
 * - a cache of what the technician's screens last loaded (the day's visits, the van), shown
 *   when the network is gone;
 * - an outbox of what they did meanwhile (start a visit, complete it with photos and the
 *   signature), sent in order when the network is back. Every step carries a key chosen
 *   here once (the completion key, each file's upload key), so a step sent twice — the
 *   answer lost, the phone back online twice — is applied once by the server.
 *
 * The service worker (Workbox, via vite-plugin-pwa) keeps the app itself loadable offline.
 */
import { createStore, del, entries, get, set } from 'idb-keyval';

const outbox = createStore('emerald-outbox', 'ops');
const cache = createStore('emerald-cache', 'data');

export interface QueuedFile {
  kind: 'PHOTO' | 'SIGNATURE';
  name: string;
  type: string;
  blob: Blob;
  uploadKey: string;
}

export type Op =
  | { id: string; at: number; kind: 'start'; workOrderId: string; error?: string }
  | {
      id: string;
      at: number;
      kind: 'complete';
      workOrderId: string;
      input: Record<string, unknown> & { completionKey: string };
      files: QueuedFile[];
      error?: string;
    };

const changed = () => window.dispatchEvent(new CustomEvent('emerald:outbox'));

export const newKey = (prefix: string): string => `${prefix}-${crypto.randomUUID()}`;

export async function enqueue(op: Op): Promise<void> {
  await set(op.id, op, outbox);
  changed();
}

export async function pendingOps(): Promise<Op[]> {
  return (await entries<string, Op>(outbox)).map(([, op]) => op).sort((a, b) => a.at - b.at);
}

export async function discard(id: string): Promise<void> {
  await del(id, outbox);
  changed();
}

export async function remember(key: string, value: unknown): Promise<void> {
  await set(key, value, cache);
}

export async function recall<T>(key: string): Promise<T | undefined> {
  return get<T>(key, cache);
}

class Offline extends Error {}

async function graphql(
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, { __typename: string; message?: string; code?: string; from?: string }>> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new Offline();
  }
  if (res.status >= 500 || res.status === 429) throw new Offline();
  const body = (await res.json()) as { data?: Record<string, never>; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    if (body.errors[0]!.extensions?.code === 'UNAUTHENTICATED') throw new Offline(); // signed out: keep the queue for later
    throw new Error(body.errors[0]!.message);
  }
  return body.data!;
}

async function uploadFile(workOrderId: string, f: QueuedFile): Promise<void> {
  const q = new URLSearchParams({ workOrderId, kind: f.kind, name: f.name, uploadKey: f.uploadKey });
  let res: Response;
  try {
    res = await fetch(`/files?${q}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': f.type }, body: f.blob });
  } catch {
    throw new Offline();
  }
  if (res.status >= 500 || res.status === 429 || res.status === 401) throw new Offline();
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `upload refused (${res.status})`);
  }
}

const START = `mutation OutboxStart($id: ID!) { startWorkOrder(id: $id) { __typename ... on Error { message code } ... on InvalidTransitionError { from } } }`;
const COMPLETE = `mutation OutboxComplete($input: CompleteWorkOrderInput!) { completeWorkOrder(input: $input) { __typename ... on Error { message code } } }`;

async function send(op: Op): Promise<void> {
  if (op.kind === 'start') {
    const r = (await graphql(START, { id: op.workOrderId })).startWorkOrder!;
    // Already started (or further on) elsewhere: nothing left to do.
    if (r.__typename === 'StartWorkOrderSuccess' || (r.__typename === 'InvalidTransitionError' && r.from !== 'SCHEDULED')) return;
    throw new Error(r.message ?? r.__typename);
  }
  for (const f of op.files) await uploadFile(op.workOrderId, f);
  const r = (await graphql(COMPLETE, { input: op.input })).completeWorkOrder!;
  if (r.__typename !== 'CompleteWorkOrderSuccess') throw new Error(r.message ?? r.__typename);
}

let flushing: Promise<number> | null = null;

/**
 * Send what is queued, oldest first; stop at the first step the network refuses (it stays,
 * to be sent later). A step the server refuses for good (a typed error) is kept with its
 * error for the technician to see and fix or discard. Resolves to how many are still queued.
 */
export function flush(): Promise<number> {
  flushing ??= (async () => {
    try {
      for (const op of await pendingOps()) {
        if (op.error) continue;
        try {
          await send(op);
          await del(op.id, outbox);
          // Screens showing what changed reload it from the server.
          window.dispatchEvent(new CustomEvent('emerald:synced', { detail: op }));
        } catch (error) {
          if (error instanceof Offline) break;
          await set(op.id, { ...op, error: (error as Error).message }, outbox);
        }
        changed();
      }
      return (await pendingOps()).length;
    } finally {
      flushing = null;
      changed();
    }
  })();
  return flushing;
}

/** Resize a photo on the phone (longest side `max` px, JPEG) before it is queued and sent. */
export async function resizePhoto(file: Blob, max = 1600, quality = 0.8): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the photo'))), 'image/jpeg', quality),
  );
}

/** The service worker that keeps the app loadable without coverage (production builds only). */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    void import('workbox-window').then(({ Workbox }) => new Workbox('/sw.js').register()).catch(() => {});
  });
}
