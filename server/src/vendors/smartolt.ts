/**
 * SmartOLT client. `X-Token` auth; every reply's `status` is checked (false arrives with
 * HTTP 200); the tenant's hourly call budget (~1,000/hour) is tracked before each call
 * and exposed; 429 records Retry-After and is honoured. Bulk endpoints per OLT only.
 */
import { VendorError } from './vendorError.ts';
import { createHash, type Hash } from 'node:crypto';
import { parseBody, requestBytes, retryAfterMs } from './http.ts';
import type { Queryable } from '../db/sql.ts';

export interface SmartoltConfig {
  url: string;
  token: string;
  hourlyBudget: number;
  timeoutMs?: number;
  /** Share of the budget background polls leave for targeted outage reads (default 5 %). */
  outageReserve?: number;
}

/** Share of the hourly budget kept for people (diagnosis): background work never spends it. */
export const PEOPLE_RESERVE = 0.1;

/** Calls left this hour, shared by every process. */
export interface CallBudget {
  /** Count one call; false when the budget (minus `reserve` calls kept back) is spent or a 429 is in force. */
  take(reserve?: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** SmartOLT said 429: no calls until then. */
  rateLimitedUntil(until: Date): Promise<void>;
  remaining(): Promise<number>;
}

const HOUR = 3_600_000;
const windowOf = (t: number): Date => new Date(Math.floor(t / HOUR) * HOUR);

export function memoryCallBudget(limit: number): CallBudget {
  let window = 0;
  let calls = 0;
  let blockedUntil = 0;
  const roll = (): void => {
    const w = windowOf(Date.now()).getTime();
    if (w !== window) {
      window = w;
      calls = 0;
    }
  };
  return {
    async take(reserve = 0) {
      roll();
      if (Date.now() < blockedUntil) return { allowed: false, retryAfterMs: blockedUntil - Date.now() };
      if (calls >= limit - reserve) return { allowed: false, retryAfterMs: window + HOUR - Date.now() };
      calls++;
      return { allowed: true, retryAfterMs: 0 };
    },
    async rateLimitedUntil(until) {
      blockedUntil = until.getTime();
    },
    async remaining() {
      roll();
      return Math.max(0, limit - calls);
    },
  };
}

/** The budget in `vendor_call_budget`: atomic across workers and API processes. */
export function databaseCallBudget(db: Queryable, limit: number): CallBudget {
  return {
    async take(reserve = 0) {
      const now = Date.now();
      const window = windowOf(now);
      const res = await db.query<{ calls: number }>(
        `INSERT INTO vendor_call_budget AS b (source, window_start, calls, call_limit) VALUES ('SMARTOLT', $1, 1, $2)
         ON CONFLICT (source, window_start) DO UPDATE SET calls = b.calls + 1, call_limit = EXCLUDED.call_limit
         WHERE b.calls < $2 - $3 AND (b.rate_limited_until IS NULL OR b.rate_limited_until <= now())
         RETURNING calls`,
        [window, limit, reserve],
      );
      if (res.rowCount) return { allowed: true, retryAfterMs: 0 };
      const row = await db.query<{ until: Date | null }>(
        `SELECT rate_limited_until AS until FROM vendor_call_budget WHERE source = 'SMARTOLT' AND window_start = $1`,
        [window],
      );
      const until = row.rows[0]?.until?.getTime() ?? 0;
      return { allowed: false, retryAfterMs: until > now ? until - now : window.getTime() + HOUR - now };
    },
    async rateLimitedUntil(until) {
      await db.query(
        `INSERT INTO vendor_call_budget (source, window_start, calls, call_limit, rate_limited_until) VALUES ('SMARTOLT', $1, 0, $2, $3)
         ON CONFLICT (source, window_start) DO UPDATE SET rate_limited_until = GREATEST(vendor_call_budget.rate_limited_until, EXCLUDED.rate_limited_until)`,
        [windowOf(Date.now()), limit, until],
      );
    },
    async remaining() {
      const res = await db.query<{ calls: number }>(
        `SELECT calls FROM vendor_call_budget WHERE source = 'SMARTOLT' AND window_start = $1`,
        [windowOf(Date.now())],
      );
      return Math.max(0, limit - (res.rows[0]?.calls ?? 0));
    },
  };
}

/** How SmartOLT words a passing failure ("Temporary error, please try again", "try again later"). */
const TEMPORARY_MESSAGE = /try again|temporar|later|busy|timed? ?out|overload/i;

interface Envelope {
  status?: unknown;
  error?: unknown;
  response?: unknown;
}

export class SmartoltClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: SmartoltConfig,
    readonly budget: CallBudget = memoryCallBudget(config.hourlyBudget),
    /** Calls a background sync leaves for people (diagnosis). */
    private readonly reserve = 0,
    /** Longest Retry-After honoured by waiting inside a call; longer ones fail with RATE_LIMITED. */
    private readonly maxWaitMs = 5_000,
  ) {
    this.base = config.url.replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 60_000;
  }

  /** A client drawing from the same budget but keeping `reserve` calls back (for background syncs). */
  withReserve(reserve: number): SmartoltClient {
    return new SmartoltClient(this.config, this.budget, reserve, this.maxWaitMs);
  }

  /** One call within the budget; `digest`, if given, is fed the bytes of the reply it returns. */
  private async call(path: string, method: 'GET' | 'POST' = 'GET', digest?: Hash): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const slot = await this.budget.take(this.reserve);
      if (!slot.allowed) {
        throw new VendorError(
          'SMARTOLT',
          'RATE_LIMITED',
          `SmartOLT call budget spent; next call in ${Math.ceil(slot.retryAfterMs / 1000)} s`,
          slot.retryAfterMs,
        );
      }
      const res = await requestBytes('SMARTOLT', `${this.base}/${path}`, {
        method,
        headers: { 'X-Token': this.config.token, accept: 'application/json' },
        timeoutMs: this.timeoutMs,
      });
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        await this.budget.rateLimitedUntil(new Date(Date.now() + wait));
        // An action is never repeated on our own: the caller decides (it may have been carried out).
        if (attempt === 0 && wait <= this.maxWaitMs && method === 'GET') {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        throw new VendorError('SMARTOLT', 'RATE_LIMITED', `SmartOLT rate-limited ${path}; retry after ${Math.ceil(wait / 1000)} s`, wait);
      }
      if (res.status === 401 || res.status === 403)
        throw new VendorError('SMARTOLT', 'AUTH_FAILED', 'SmartOLT rejected the X-Token (SMARTOLT_TOKEN)');
      if (res.status >= 500) throw new VendorError('SMARTOLT', 'UNREACHABLE', `SmartOLT failed on ${path} (HTTP ${res.status})`);
      const body = parseBody('SMARTOLT', res.status, res.bytes) as Envelope | null;
      if (res.status !== 200 || !body || typeof body !== 'object')
        throw new VendorError('SMARTOLT', 'BAD_RESPONSE', `SmartOLT answered HTTP ${res.status} on ${path}`);
      // status:false comes with HTTP 200: an error all the same. When SmartOLT says to try
      // again later it is a passing fault (retried like a 5xx); anything else is a refusal.
      if (body.status !== true && body.status !== 'true') {
        const message = String(body.error ?? 'status false');
        throw new VendorError(
          'SMARTOLT',
          TEMPORARY_MESSAGE.test(message) ? 'TEMPORARY' : 'BAD_RESPONSE',
          `SmartOLT refused ${path}: ${message}`,
        );
      }
      digest?.update(res.bytes);
      return body as Record<string, unknown>;
    }
  }

  private static list(body: Record<string, unknown>, key: string, path: string): unknown[] {
    const value = body[key];
    if (!Array.isArray(value)) throw new VendorError('SMARTOLT', 'BAD_RESPONSE', `SmartOLT ${path} has no ${key} list`);
    return value;
  }

  async olts(): Promise<unknown[]> {
    return SmartoltClient.list(await this.call('system/get_olts'), 'response', 'get_olts');
  }

  /** ONU inventory of one OLT, page by page (never the unpaged tenant-wide call). */
  async onuDetails(oltExternalId: string, pageSize = 500, onPage?: (done: number, total: number) => void): Promise<unknown[]> {
    return (await this.onuInventory(oltExternalId, pageSize, onPage)).onus;
  }

  /**
   * The ONU inventory of one OLT with the digest of every page's bytes, in order: the same
   * digest means SmartOLT said exactly the same thing as when it was last seen.
   */
  async onuInventory(
    oltExternalId: string,
    pageSize = 500,
    onPage?: (done: number, total: number) => void,
  ): Promise<{ onus: unknown[]; digest: string }> {
    const all: unknown[] = [];
    const digest = createHash('sha1');
    for (let page = 1; ; page++) {
      const body = await this.call(
        `onu/get_all_onus_details?olt_id=${encodeURIComponent(oltExternalId)}&page=${page}&page_size=${pageSize}`,
        'GET',
        digest,
      );
      const onus = SmartoltClient.list(body, 'onus', 'get_all_onus_details');
      all.push(...onus);
      const totalPages = Number(body.total_pages ?? 1);
      onPage?.(all.length, Number(body.total_items ?? all.length));
      if (page >= totalPages || onus.length === 0) return { onus: all, digest: digest.digest('base64url') };
    }
  }

  async statuses(oltExternalId: string, board?: number, port?: number): Promise<unknown[]> {
    const extra = board !== undefined ? `&board=${board}${port !== undefined ? `&port=${port}` : ''}` : '';
    return SmartoltClient.list(
      await this.call(`onu/get_onus_statuses?olt_id=${encodeURIComponent(oltExternalId)}${extra}`),
      'response',
      'get_onus_statuses',
    );
  }

  async signals(oltExternalId: string): Promise<unknown[]> {
    return SmartoltClient.list(
      await this.call(`onu/get_onus_signals?olt_id=${encodeURIComponent(oltExternalId)}`),
      'response',
      'get_onus_signals',
    );
  }

  async onuStatus(externalId: string): Promise<{ status: string; lastStatusChange: string | null }> {
    const body = await this.call(`onu/get_onu_status/${encodeURIComponent(externalId)}`);
    if (typeof body.onu_status !== 'string') throw new VendorError('SMARTOLT', 'BAD_RESPONSE', 'SmartOLT get_onu_status has no onu_status');
    return { status: body.onu_status, lastStatusChange: typeof body.last_status_change === 'string' ? body.last_status_change : null };
  }

  async onuSignal(externalId: string): Promise<{ category: string; rx1490: string | null; rx1310: string | null }> {
    const body = await this.call(`onu/get_onu_signal/${encodeURIComponent(externalId)}`);
    return {
      category: String(body.onu_signal ?? '-'),
      rx1490: typeof body.onu_signal_1490 === 'string' ? body.onu_signal_1490 : null,
      rx1310: typeof body.onu_signal_1310 === 'string' ? body.onu_signal_1310 : null,
    };
  }

  /**
   * An ONU action (POST `onu/reboot|resync_config|disable|enable/{unique_external_id}`).
   * Resolves with SmartOLT's message; a refusal (`status:false`) is a VendorError.
   */
  async onuAction(action: SmartoltOnuAction, externalId: string): Promise<string> {
    const body = await this.call(`onu/${action}/${encodeURIComponent(externalId)}`, 'POST');
    return typeof body.response === 'string' ? body.response : 'done';
  }
}

export type SmartoltOnuAction = 'reboot' | 'resync_config' | 'disable' | 'enable';
