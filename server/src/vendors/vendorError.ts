/**
 * What can go wrong talking to a vendor, as a code that decides retry versus fail:
 * UNREACHABLE, TIMEOUT and RATE_LIMITED are transient (retry with backoff); AUTH_FAILED
 * and BAD_RESPONSE are permanent until someone fixes credentials or the vendor.
 */
export type VendorErrorCode = 'UNREACHABLE' | 'AUTH_FAILED' | 'TIMEOUT' | 'BAD_RESPONSE' | 'RATE_LIMITED' | 'PARTIAL_SNAPSHOT';

export class VendorError extends Error {
  override readonly name = 'VendorError';
  constructor(
    readonly source: 'ISPCUBE' | 'ROUTEROS' | 'SMARTOLT',
    readonly code: VendorErrorCode,
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get transient(): boolean {
    return this.code === 'UNREACHABLE' || this.code === 'TIMEOUT' || this.code === 'RATE_LIMITED';
  }
}

export function networkCode(error: unknown): 'UNREACHABLE' | 'TIMEOUT' | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'TIMEOUT';
  if (['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET'].includes(code)) return 'UNREACHABLE';
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause && cause !== error ? networkCode(cause) : null;
}
