/** JSON over HTTP for vendor clients: timeouts, and failures as VendorErrors. */
import { VendorError, networkCode } from './vendorError.ts';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function requestJson(
  source: VendorError['source'],
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<HttpResult> {
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
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    throw new VendorError(source, networkCode(error) ?? 'UNREACHABLE', `${source} connection broke while reading the reply`, null, {
      cause: error,
    });
  }
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (res.status >= 500) body = text;
      else throw new VendorError(source, 'BAD_RESPONSE', `${source} answered HTTP ${res.status} with something that is not JSON`);
    }
  }
  return { status: res.status, headers: res.headers, body };
}

/** Seconds (or an HTTP date) in Retry-After → milliseconds. */
export function retryAfterMs(header: string | null, fallbackMs = 60_000): number {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - Date.now());
}
