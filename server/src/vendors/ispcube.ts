/**
 * ISPCube client. Sanctum token from /sanctum/token (headers api-key, client-id,
 * login-type: api), cached (in the database when several workers share it), one
 * re-login on 401, paged customers_list, a long timeout for connections_list.
 * ISPCube bills per request beyond 2.5 × active connections a month: bulk lists only.
 */
import { hash } from 'node:crypto';
import { VendorError } from './vendorError.ts';
import { parseBody, requestBytes, requestJson } from './http.ts';
import type { Queryable } from '../db/sql.ts';

export interface IspcubeConfig {
  url: string;
  apiKey: string;
  clientId: string;
  username: string;
  password: string;
  timeoutMs?: number;
  /** connections_list is large and slow on real instances. */
  connectionsTimeoutMs?: number;
}

export interface TokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  /**
   * Forget `stale` — only if it is still the stored token: another worker may already have
   * logged in again and stored a fresh one, which must not be thrown away.
   */
  clear(stale: string): Promise<void>;
}

export function memoryTokenStore(): TokenStore {
  let token: string | null = null;
  return {
    get: async () => token,
    set: async (t) => void (token = t),
    clear: async (stale) => {
      if (token === stale) token = null;
    },
  };
}

/** The token shared by every worker (vendor_tokens). Never exposed through the API. */
export function databaseTokenStore(db: Queryable, source: 'ISPCUBE' = 'ISPCUBE'): TokenStore {
  return {
    get: async () =>
      (await db.query<{ token: string }>('SELECT token FROM vendor_tokens WHERE source = $1', [source])).rows[0]?.token ?? null,
    set: async (token) => {
      await db.query(
        `INSERT INTO vendor_tokens (source, token, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (source) DO UPDATE SET token = EXCLUDED.token, updated_at = now()`,
        [source, token],
      );
    },
    clear: async (stale) => {
      await db.query('DELETE FROM vendor_tokens WHERE source = $1 AND token = $2', [source, stale]);
    },
  };
}

export class IspcubeClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly connectionsTimeoutMs: number;
  /** Requests made (ISPCube bills per request). */
  requests = 0;

  constructor(
    private readonly config: IspcubeConfig,
    private readonly tokens: TokenStore = memoryTokenStore(),
  ) {
    this.base = config.url.replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.connectionsTimeoutMs = config.connectionsTimeoutMs ?? 300_000;
  }

  private headers(): Record<string, string> {
    return {
      'api-key': this.config.apiKey,
      'client-id': this.config.clientId,
      'login-type': 'api',
      username: this.config.username,
      accept: 'application/json',
    };
  }

  private async login(): Promise<string> {
    this.requests++;
    const res = await requestJson('ISPCUBE', `${this.base}/sanctum/token`, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.config.username, password: this.config.password }),
      timeoutMs: this.timeoutMs,
    });
    const token = (res.body as { token?: unknown } | null)?.token;
    if (res.status === 401 || res.status === 403)
      throw new VendorError('ISPCUBE', 'AUTH_FAILED', 'ISPCube rejected the API credentials (ISPCUBE_USERNAME/PASSWORD/API_KEY/CLIENT_ID)');
    if (res.status >= 500) throw new VendorError('ISPCUBE', 'UNREACHABLE', `ISPCube login failed with HTTP ${res.status}`);
    if (res.status !== 200 || typeof token !== 'string')
      throw new VendorError('ISPCUBE', 'BAD_RESPONSE', `ISPCube login answered HTTP ${res.status} without a token`);
    await this.tokens.set(token);
    return token;
  }

  /** GET a path with the cached token; on 401 log in again once and retry. */
  private async get(path: string, timeoutMs = this.timeoutMs): Promise<unknown> {
    return parseBody('ISPCUBE', 200, await this.getBytes(path, timeoutMs));
  }

  /** The body of a 200 reply to GET `path`, as it came. */
  private async getBytes(path: string, timeoutMs = this.timeoutMs): Promise<Buffer> {
    let token = (await this.tokens.get()) ?? (await this.login());
    for (let attempt = 0; attempt < 2; attempt++) {
      this.requests++;
      const res = await requestBytes('ISPCUBE', `${this.base}${path}`, {
        headers: { ...this.headers(), authorization: `Bearer ${token}` },
        timeoutMs,
      });
      if (res.status === 401 && attempt === 0) {
        // Our token expired. Another worker may have logged in meanwhile: use its token if
        // so, else log in ourselves. Never delete a token other than the one refused.
        await this.tokens.clear(token);
        const stored = await this.tokens.get();
        token = stored && stored !== token ? stored : await this.login();
        continue;
      }
      if (res.status === 401 || res.status === 403)
        throw new VendorError('ISPCUBE', 'AUTH_FAILED', `ISPCube refused ${path} after logging in again (HTTP ${res.status})`);
      if (res.status === 429) throw new VendorError('ISPCUBE', 'RATE_LIMITED', `ISPCube rate-limited ${path}`, 60_000);
      if (res.status >= 500) throw new VendorError('ISPCUBE', 'UNREACHABLE', `ISPCube failed on ${path} (HTTP ${res.status})`);
      if (res.status !== 200) throw new VendorError('ISPCUBE', 'BAD_RESPONSE', `ISPCube answered HTTP ${res.status} on ${path}`);
      return res.bytes;
    }
    throw new VendorError('ISPCUBE', 'AUTH_FAILED', 'ISPCube kept refusing the token');
  }

  private async getList(path: string, what: string, timeoutMs = this.timeoutMs): Promise<RawList> {
    return new RawList(await this.getBytes(path, timeoutMs), what);
  }

  /**
   * Customers page by page (limit/offset); a short page is the last. A page's length is read
   * from `knownLength` when its digest is known there (a page seen before), so it is not
   * parsed just to learn whether another page follows.
   */
  async *customerPages(pageSize = 500, knownLength?: (digest: string) => number | undefined): AsyncGenerator<RawList> {
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.getList(`/customers/customers_list?limit=${pageSize}&offset=${offset}`, 'customers_list');
      const length = knownLength?.(page.digest) ?? page.rows().length;
      yield page;
      if (length < pageSize) return;
    }
  }

  async customers(pageSize = 500): Promise<unknown[]> {
    const all: unknown[] = [];
    for await (const page of this.customerPages(pageSize)) all.push(...page.rows());
    return all;
  }

  /** Every connection, in one (large, slow) reply. */
  async connectionList(): Promise<RawList> {
    return this.getList('/connections/connections_list', 'connections_list', this.connectionsTimeoutMs);
  }

  async connections(): Promise<unknown[]> {
    return (await this.connectionList()).rows();
  }

  async plans(): Promise<unknown[]> {
    return listOf(await this.get('/plans/plans_list'), 'plans_list');
  }

  /** Routers; the list is sometimes wrapped in {data: …}. */
  async nodes(): Promise<unknown[]> {
    return listOf(await this.get('/nodes/nodes_list'), 'nodes_list');
  }

  /** One customer (with its connections) by DNI/CUIT, or null. */
  async customerByDoc(docNumber: string): Promise<Record<string, unknown> | null> {
    try {
      const body = await this.get(`/customer?doc_number=${encodeURIComponent(docNumber)}`);
      const c = Array.isArray(body) ? body[0] : body;
      return c && typeof c === 'object' ? (c as Record<string, unknown>) : null;
    } catch (error) {
      if (error instanceof VendorError && error.code === 'BAD_RESPONSE' && /HTTP 404/.test(error.message)) return null;
      throw error;
    }
  }
}

/** The rows of a list reply; some lists come wrapped in {data: …}. */
function listOf(body: unknown, what: string): unknown[] {
  if (Array.isArray(body)) return body;
  const wrapped = (body as { data?: unknown } | null)?.data;
  if (Array.isArray(wrapped)) return wrapped;
  throw new VendorError('ISPCUBE', 'BAD_RESPONSE', `ISPCube ${what} is not a list`);
}

/**
 * A list reply as it came: the digest of its bytes (to recognise a page read before
 * without parsing it), and its rows, parsed once when first asked for.
 */
export class RawList {
  readonly digest: string;
  readonly size: number;
  private bytes: Buffer | null;
  private parsed: unknown[] | null = null;

  constructor(
    bytes: Buffer,
    private readonly what: string,
  ) {
    this.bytes = bytes;
    this.size = bytes.length;
    this.digest = hash('sha1', bytes, 'base64url');
  }

  rows(): unknown[] {
    if (!this.parsed) {
      this.parsed = listOf(parseBody('ISPCUBE', 200, this.bytes!), this.what);
      this.bytes = null; // the parsed rows are what is kept from here on
    }
    return this.parsed;
  }
}
