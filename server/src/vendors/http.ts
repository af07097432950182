/** JSON over HTTP for vendor clients: timeouts, and failures as VendorErrors. */
import { VendorError, networkCode } from './vendorError.ts';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface HttpBytes {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** A request whose reply is kept as it came (to be hashed before, or instead of, parsing). */
export async function requestBytes(
  source: VendorError['source'],
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<HttpBytes> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
  } catch (error) {
    const code = networkCode(error) ?? 'UNREACHABLE';
    throw new VendorError(
      source,
      code,
      `${source} ${code === 'TIMEOUT' ? `did not answer in ${init.timeoutMs} ms` : 'is unreachable'} (${new URL(url).host})`,
      null,
      { cause: error },
    );
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    throw new VendorError(source, networkCode(error) ?? 'UNREACHABLE', `${source} connection broke while reading the reply`, null, {
      cause: error,
    });
  }
  return { status: res.status, headers: res.headers, bytes };
}

/** A reply body as JSON; an error status (5xx) may carry text instead, which is kept. */
export function parseBody(source: VendorError['source'], status: number, bytes: Buffer): unknown {
  if (bytes.length === 0) return null;
  // As fetch's text() would: UTF-8, without a byte-order mark.
  const text = bytes.toString('utf8', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  try {
    return JSON.parse(text);
  } catch {
    if (status >= 500) return text;
    throw new VendorError(source, 'BAD_RESPONSE', `${source} answered HTTP ${status} with something that is not JSON`);
  }
}

export async function requestJson(
  source: VendorError['source'],
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<HttpResult> {
  const { status, headers, bytes } = await requestBytes(source, url, init);
  return { status, headers, body: parseBody(source, status, bytes) };
}

/** Seconds (or an HTTP date) in Retry-After → milliseconds. */
export function retryAfterMs(header: string | null, fallbackMs = 60_000): number {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - Date.now());
}
