/**
 * RouterOS API through node-routeros (1.6.9, unmaintained), made safe:
 * - `!empty` (RouterOS ≥ 7.18) makes it throw from a socket handler (process crash):
 *   the reply is ignored here, so the following `!done` resolves with no rows;
 * - malformed bytes make its receiver throw from a socket handler: caught, the connection
 *   is destroyed and the pending command fails with BAD_RESPONSE;
 * - timeouts arrive as `error` events: always listened to;
 * - TLS needs the port set explicitly (8729).
 * Errors are VendorErrors: UNREACHABLE, AUTH_FAILED, TIMEOUT, BAD_RESPONSE.
 */
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { Channel, Connector, Receiver, RouterOSAPI, RosException } from 'node-routeros';
import { SentenceDecoder } from './routerosWire.ts';
import { VendorError, networkCode } from './vendorError.ts';

type Row = Record<string, string>;

let patched = false;
/**
 * node-routeros' receiver mis-parses replies split at arbitrary TCP boundaries (a length
 * prefix cut in two), throws from the socket handler on bytes it cannot parse and on a
 * tag it no longer knows (a reply arriving after a stream was cancelled). Its parsing is
 * replaced by our decoder (routerosWire.ts, which the simulator's router side shares):
 * whole sentences go to the channel of their tag; anything unparseable destroys the connection with an error the caller sees as BAD_RESPONSE.
 * Its connector also loses the error code of socket errors (Node reports errno as a
 * number): the code is kept so ECONNREFUSED reads as UNREACHABLE.
 */
/**
 * A reply sentence's attribute words as an object, as node-routeros reads them: `=name=value`
 * (the value may hold '=' itself), `=name` an empty value, a word without '=' the key
 * `undefined`.
 */
export function attributesOf(words: readonly string[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (const word of words) {
    const first = word.indexOf('=');
    if (first === -1) {
      row.undefined = '';
      continue;
    }
    const second = word.indexOf('=', first + 1);
    if (second === -1) row[word.slice(first + 1)] = '';
    else row[word.slice(first + 1, second)] = word.slice(second + 1);
  }
  return row;
}

function patchNodeRouteros(): void {
  if (patched) return;
  patched = true;
  const channelProto = Channel.prototype as unknown as { processPacket(packet: string[]): void };
  const processPacket = channelProto.processPacket;
  channelProto.processPacket = function (this: unknown, packet: string[]) {
    if (packet[0] === '!empty') return;
    return processPacket.call(this, packet);
  };
  // Its `=name=value` parsing splits and re-joins every word; the same result, by index.
  (Channel.prototype as unknown as { parsePacket(packet: string[]): Record<string, string> }).parsePacket = attributesOf;
  type ReceiverLike = {
    tags: Map<string, { callback(packet: string[]): void }>;
    socket: { destroy(e?: Error): void; emit(event: string): void };
    emeraldDecoder?: SentenceDecoder;
  };
  (Receiver.prototype as unknown as { processRawData(this: ReceiverLike, data: Buffer): void }).processRawData = function (data: Buffer) {
    this.emeraldDecoder ??= new SentenceDecoder();
    let sentences: string[][];
    try {
      sentences = this.emeraldDecoder.push(data);
    } catch (error) {
      const e = new Error(`malformed RouterOS reply: ${(error as Error).message}`);
      (e as NodeJS.ErrnoException).code = 'EROSBADREPLY';
      this.socket.destroy(e);
      return;
    }
    for (const words of sentences) {
      if (words[0] === '!fatal') {
        this.socket.emit('fatal');
        return;
      }
      // The tag is the last word of the sentences RouterOS (and the simulator) sends.
      let at = words.length - 1;
      if (at >= 0 && !words[at]!.startsWith('.tag=')) at = words.findIndex((w) => w.startsWith('.tag='));
      const tag = at >= 0 ? this.tags.get(words[at]!.slice(5)) : undefined;
      if (tag) {
        words.splice(at, 1);
        tag.callback(words);
      }
    }
  };
  // A pinned certificate (per-router `fingerprint`) is checked once the TLS handshake is
  // done and before node-routeros sends anything — the login included.
  const pinned = Connector.prototype as unknown as {
    onConnect(): void;
    onError(err: NodeJS.ErrnoException): void;
    socket?: tls.TLSSocket;
    tls?: { emeraldPin?: string };
  };
  const onConnect = pinned.onConnect;
  pinned.onConnect = function (this: typeof pinned) {
    const pin = this.tls?.emeraldPin;
    if (pin) {
      const presented = this.socket?.getPeerCertificate?.()?.fingerprint256?.toUpperCase();
      if (presented !== pin) {
        const e: NodeJS.ErrnoException = new Error(`the router's certificate (${presented ?? 'none'}) is not the pinned one`);
        e.code = 'ECERTPIN';
        this.onError(e);
        return;
      }
    }
    return onConnect.call(this);
  };
  const connectorProto = Connector.prototype as unknown as { onError(err: NodeJS.ErrnoException): void };
  const onError = connectorProto.onError;
  connectorProto.onError = function (this: unknown, err: NodeJS.ErrnoException) {
    if (err && typeof err.code === 'string') (err as unknown as { errno: string }).errno = err.code;
    return onError.call(this, err);
  };
}

export interface RouterTarget {
  id: number;
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  tls: boolean;
  /** API-SSL trust: extra CAs / routers' own certificates (PEM), or one pinned SHA-256 fingerprint. */
  trust?: { ca?: string; fingerprint?: string };
}

/** TLS failures that mean "not the router we trust" (never retried, never sent credentials). */
const UNTRUSTED = new Set([
  'ECERTPIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** The certificates of a PEM bundle, by SHA-256 fingerprint. */
function bundleFingerprints(pem: string): Set<string> {
  const out = new Set<string>();
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    out.add(new X509Certificate(block).fingerprint256.toUpperCase());
  }
  return out;
}

/** node-routeros' `tls` option for a target: always verified, by CA/bundle or by pin. */
export function tlsOptions(target: RouterTarget): tls.ConnectionOptions & { emeraldPin?: string } {
  const pin = target.trust?.fingerprint?.toUpperCase();
  // A pinned certificate is trusted as itself (usually self-signed): checked after the handshake.
  if (pin) return { rejectUnauthorized: false, emeraldPin: pin };
  const ca = target.trust?.ca;
  const inBundle = ca ? bundleFingerprints(ca) : new Set<string>();
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}),
    // A router certificate listed in the bundle itself is trusted for that router whatever
    // names it carries (MikroTik's self-signed ones rarely name the address); others must match.
    checkServerIdentity: (host, cert) =>
      inBundle.has(cert.fingerprint256.toUpperCase()) ? undefined : tls.checkServerIdentity(host, cert),
  };
}

export function toVendorError(error: unknown, target: RouterTarget): VendorError {
  if (error instanceof VendorError) return error;
  const where = `router ${target.name} (${target.host}:${target.port})`;
  const tlsCode = String((error as NodeJS.ErrnoException)?.code ?? (error as { errno?: string })?.errno ?? '');
  if (UNTRUSTED.has(tlsCode)) {
    return new VendorError(
      'ROUTEROS',
      'NOT_ALLOWED',
      `${where}: certificate not trusted (${tlsCode}); set ROUTEROS_TLS_CA or pin its fingerprint`,
      null,
      {
        cause: error,
      },
    );
  }
  if (error instanceof RosException) {
    const errno = (error as unknown as { errno?: string }).errno ?? '';
    if (errno === 'CANTLOGIN')
      return new VendorError('ROUTEROS', 'AUTH_FAILED', `${where} rejected the API credentials`, null, { cause: error });
    if (errno === 'EROSBADREPLY')
      return new VendorError('ROUTEROS', 'BAD_RESPONSE', `${where} sent a malformed reply`, null, { cause: error });
    if (errno === 'SOCKTMOUT' || errno === 'ETIMEDOUT')
      return new VendorError('ROUTEROS', 'TIMEOUT', `${where} did not answer in time`, null, { cause: error });
    if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNRESET', 'ENETUNREACH', 'EPIPE'].includes(errno)) {
      return new VendorError('ROUTEROS', 'UNREACHABLE', `${where} is unreachable (${errno})`, null, { cause: error });
    }
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EROSBADREPLY')
    return new VendorError('ROUTEROS', 'BAD_RESPONSE', `${where} sent a malformed reply`, null, { cause: error });
  const net = networkCode(error);
  if (net)
    return new VendorError('ROUTEROS', net, `${where} ${net === 'TIMEOUT' ? 'did not answer in time' : 'is unreachable'}`, null, {
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  if (/invalid user name or password|cannot log in/i.test(message))
    return new VendorError('ROUTEROS', 'AUTH_FAILED', `${where} rejected the API credentials`, null, { cause: error });
  if (/timed? ?out/i.test(message))
    return new VendorError('ROUTEROS', 'TIMEOUT', `${where} did not answer in time`, null, { cause: error });
  return new VendorError('ROUTEROS', 'BAD_RESPONSE', `${where}: ${message}`, null, { cause: error });
}

/** One authenticated API connection to one router. */
export class RouterConnection {
  private api: RouterOSAPI | null = null;
  private connecting: Promise<RouterOSAPI> | null = null;
  /** Rejections of commands in flight when the connection dies. */
  private readonly inFlight = new Set<(e: VendorError) => void>();

  constructor(
    readonly target: RouterTarget,
    private readonly timeoutSeconds = 10,
  ) {
    patchNodeRouteros();
  }

  get connected(): boolean {
    return !!this.api?.connected;
  }

  private fail(error: unknown): void {
    const e = toVendorError(error, this.target);
    const api = this.api;
    this.api = null;
    try {
      api?.close().catch(() => {});
    } catch {
      // already closed
    }
    for (const reject of this.inFlight) reject(e);
    this.inFlight.clear();
  }

  async connect(): Promise<RouterOSAPI> {
    if (this.api?.connected) return this.api;
    this.connecting ??= (async () => {
      const api = new RouterOSAPI({
        host: this.target.host,
        port: this.target.port,
        user: this.target.user,
        password: this.target.password,
        timeout: this.timeoutSeconds,
        keepalive: true,
        ...(this.target.tls ? { tls: tlsOptions(this.target) as tls.TlsOptions } : {}),
      });
      // Errors after login (socket timeout, reset) arrive as events: never unhandled.
      api.on('error', (error: unknown) => this.fail(error));
      api.on('close', () => this.fail(new VendorError('ROUTEROS', 'UNREACHABLE', `router ${this.target.name} closed the connection`)));
      // node-routeros never settles connect() when the router closes the socket during
      // login (e.g. !fatal): race it against the close and a deadline.
      let onClose: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          api.connect(),
          new Promise<never>((_, reject) => {
            onClose = () =>
              reject(new VendorError('ROUTEROS', 'UNREACHABLE', `router ${this.target.name} closed the connection while logging in`));
            api.once('close', onClose);
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new VendorError(
                    'ROUTEROS',
                    'TIMEOUT',
                    `router ${this.target.name} did not complete the login in ${this.timeoutSeconds} s`,
                  ),
                ),
              this.timeoutSeconds * 1000 + 500,
            );
          }),
        ]);
      } catch (error) {
        api.close().catch(() => {});
        throw toVendorError(error, this.target);
      } finally {
        if (onClose) api.removeListener('close', onClose);
        clearTimeout(timer);
      }
      this.api = api;
      return api;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Run a command; rows of `!re` replies. A `!trap` is BAD_RESPONSE with the router's message. */
  async write(command: string, params: string[] = []): Promise<Row[]> {
    const api = await this.connect();
    return new Promise<Row[]>((resolve, reject) => {
      const onDeath = (e: VendorError): void => reject(e);
      this.inFlight.add(onDeath);
      const timer = setTimeout(() => {
        this.inFlight.delete(onDeath);
        const e = new VendorError(
          'ROUTEROS',
          'TIMEOUT',
          `router ${this.target.name} did not answer ${command} in ${this.timeoutSeconds} s`,
        );
        this.fail(e);
        reject(e);
      }, this.timeoutSeconds * 1000);
      api.write(command, params).then(
        (rows) => {
          clearTimeout(timer);
          this.inFlight.delete(onDeath);
          resolve(rows as Row[]);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.inFlight.delete(onDeath);
          reject(toVendorError(error, this.target));
        },
      );
    });
  }

  /** `print` a menu, optionally with `.proplist` and `?name=value` filters. */
  print(menu: string, options: { proplist?: string[]; where?: Record<string, string> } = {}): Promise<Row[]> {
    const params = [
      ...(options.proplist ? [`=.proplist=${options.proplist.join(',')}`] : []),
      ...Object.entries(options.where ?? {}).map(([k, v]) => `?${k}=${v}`),
    ];
    return this.write(`${menu}/print`, params);
  }

  /** End a live PPPoE session (`/ppp/active/remove`): the customer's router dials again by itself. */
  async removeActive(id: string): Promise<void> {
    await this.write('/ppp/active/remove', [`=.id=${id}`]);
  }

  /** Change a PPP secret (`/ppp/secret/set`): disabled, comment, profile. */
  async setSecret(id: string, patch: { disabled?: boolean; comment?: string; profile?: string }): Promise<void> {
    const params = [`=.id=${id}`];
    if (patch.disabled !== undefined) params.push(`=disabled=${patch.disabled ? 'yes' : 'no'}`);
    if (patch.comment !== undefined) params.push(`=comment=${patch.comment}`);
    if (patch.profile !== undefined) params.push(`=profile=${patch.profile}`);
    await this.write('/ppp/secret/set', params);
  }

  /** Live rate of one subscriber (`/interface/monitor-traffic =once=`). */
  async monitorTraffic(iface: string): Promise<{ rxBitsPerSecond: number; txBitsPerSecond: number }> {
    const [row] = await this.write('/interface/monitor-traffic', [`=interface=${iface}`, '=once=']);
    if (!row) throw new VendorError('ROUTEROS', 'BAD_RESPONSE', `router ${this.target.name} returned no traffic for ${iface}`);
    return { rxBitsPerSecond: Number(row['rx-bits-per-second'] ?? 0), txBitsPerSecond: Number(row['tx-bits-per-second'] ?? 0) };
  }

  /**
   * Stream a menu's changes (`listen`): `onRow` gets each row; removed rows carry
   * `.dead`. Resolves to a stop function; `onEnd` is called if the stream dies.
   */
  async listen(menu: string, onRow: (row: Row) => void, onEnd: (error: VendorError | null) => void): Promise<() => Promise<void>> {
    const api = await this.connect();
    let ended = false;
    const end = (error: VendorError | null): void => {
      if (ended) return;
      ended = true;
      this.inFlight.delete(onDeath);
      onEnd(error);
    };
    const onDeath = (e: VendorError): void => end(e);
    this.inFlight.add(onDeath);
    const stream = api.stream([`${menu}/listen`], (error: unknown, packet: Row | null) => {
      if (error) end(toVendorError(error, this.target));
      // node-routeros also hands the stream an empty array now and then (keepalive replies).
      else if (packet && !Array.isArray(packet) && packet['.id']) onRow(packet);
    });
    stream.on('error', (error: unknown) => end(toVendorError(error, this.target)));
    return async () => {
      ended = true;
      this.inFlight.delete(onDeath);
      await stream.stop().catch(() => {});
    };
  }

  async close(): Promise<void> {
    const api = this.api;
    this.api = null;
    this.inFlight.clear();
    // close() sends /quit and waits for the router: never wait more than a second.
    if (api) await Promise.race([api.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

/** One reused connection per router, reconnecting with exponential backoff after failures. */
export class RouterPool {
  private readonly connections = new Map<number, RouterConnection>();
  private readonly backoff = new Map<number, { until: number; delay: number }>();

  constructor(private readonly timeoutSeconds = 10) {}

  get(target: RouterTarget): RouterConnection {
    let c = this.connections.get(target.id);
    const t = c?.target;
    if (
      !c ||
      !t ||
      t.host !== target.host ||
      t.port !== target.port ||
      t.user !== target.user ||
      t.password !== target.password ||
      t.tls !== target.tls
    ) {
      void c?.close();
      c = new RouterConnection(target, this.timeoutSeconds);
      this.connections.set(target.id, c);
    }
    return c;
  }

  /** Run `fn` on the router's connection; while backing off after a failure, fail fast. */
  async use<T>(target: RouterTarget, fn: (c: RouterConnection) => Promise<T>): Promise<T> {
    const b = this.backoff.get(target.id);
    if (b && Date.now() < b.until) {
      throw new VendorError(
        'ROUTEROS',
        'UNREACHABLE',
        `router ${target.name} failed recently; retrying in ${Math.ceil((b.until - Date.now()) / 1000)} s`,
        b.until - Date.now(),
      );
    }
    try {
      const result = await fn(this.get(target));
      this.backoff.delete(target.id);
      return result;
    } catch (error) {
      const e = error instanceof VendorError ? error : toVendorError(error, target);
      if (e.code === 'UNREACHABLE' || e.code === 'TIMEOUT') {
        const delay = Math.min(60_000, (b?.delay ?? 500) * 2);
        this.backoff.set(target.id, { until: Date.now() + delay, delay });
      }
      throw e;
    }
  }

  /** Forget a router's backoff (someone asked for a sync now). */
  resetBackoff(routerId: number): void {
    this.backoff.delete(routerId);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
    this.connections.clear();
  }
}
