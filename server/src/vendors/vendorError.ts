/**
 * What can go wrong talking to a vendor, as a code that decides retry versus fail:
 * UNREACHABLE, TIMEOUT, RATE_LIMITED and TEMPORARY (the vendor itself said "try again
 * later") are transient: retried with backoff. AUTH_FAILED and BAD_RESPONSE are permanent
 * until someone fixes credentials or the vendor; PARTIAL_SNAPSHOT waits for the next run.
 */
export type VendorErrorCode =
  | 'UNREACHABLE'
  | 'AUTH_FAILED'
  | 'TIMEOUT'
  | 'BAD_RESPONSE'
  | 'RATE_LIMITED'
  | 'TEMPORARY'
  | 'PARTIAL_SNAPSHOT'
  /** Emerald refused to send credentials: the address is outside the allowed networks, or its certificate is not trusted. */
  | 'NOT_ALLOWED';

/** Codes retried with backoff (by the job queue, and followed as such by `npm run sync`). */
export const TRANSIENT_VENDOR_ERRORS: readonly VendorErrorCode[] = ['UNREACHABLE', 'TIMEOUT', 'RATE_LIMITED', 'TEMPORARY'];

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
    return TRANSIENT_VENDOR_ERRORS.includes(this.code);
  }
}

export function networkCode(error: unknown): 'UNREACHABLE' | 'TIMEOUT' | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  )
    return 'TIMEOUT';
  if (['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET'].includes(code))
    return 'UNREACHABLE';
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause && cause !== error ? networkCode(cause) : null;
}
