/**
 * The only place that reads the environment. Everything is validated at boot with zod
 * and an invalid variable is named in the error. `.env.example` documents each one.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { StartupError } from './startupError.ts';

/** The repository root (two levels above this file). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const dbm = z.coerce.number().min(-60).max(10);

const routerCredential = z.object({
  user: z.string().min(1),
  password: z.string(),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().optional(),
  /** SHA-256 fingerprint of the router's API-SSL certificate (`AB:CD:…`): only that certificate is accepted. */
  fingerprint: z
    .string()
    .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint like AB:CD:…')
    .transform((f) => f.toUpperCase())
    .optional(),
});

/** Addresses and networks (`10.0.0.0/8`, `192.0.2.7`, `fc00::/7`), comma-separated. */
const networkList = z.string().transform((s, ctx) => {
  const out: string[] = [];
  for (const item of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!parseNetwork(item)) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not an IP address or a network in CIDR notation` });
      return z.NEVER;
    }
    out.push(item);
  }
  return out;
});

/** `a.b.c.d`, `a.b.c.d/n`, IPv6 and IPv6/n, or null. */
export function parseNetwork(item: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', bits] = item.split('/');
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
  if (!family) return null;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return null;
  return { address, prefix, family };
}

/** A BlockList (Node's address matcher) of the networks. */
export function networkMatcher(networks: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const n of networks) {
    const parsed = parseNetwork(n)!;
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/** Private, CGNAT and loopback ranges: where ISPs' management networks (and routers' APIs) live. */
export const PRIVATE_NETWORKS = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,fc00::/7,::1/128';

const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  PUBLIC_URL: z.string().url().optional(),
  EMERALD_PROCESSES: z
    .string()
    .default('api,worker')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['api', 'worker'])).min(1)),

  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(30_000),
  DATABASE_POOL_TIMEOUT_MS: positiveInt.default(10_000),
  EMERALD_DATA_DIR: z.string().min(1).default('.emerald'),
  EMBEDDED_PG_PORT: port.optional(),

  EMERALD_DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  DEMO_SUBSCRIBERS: z.coerce.number().int().min(10).max(100_000).default(2000),
  DEMO_SEED: z.coerce.number().int().default(42),
  DEMO_WEATHER: bool.default(true),
  DEMO_WEATHER_RATE: z.coerce.number().min(0).max(100).default(1),

  COOKIE_SECURE: bool.optional(),
  SESSION_TTL_HOURS: positiveInt.default(12),
  TRUST_PROXY: networkList.optional(),
  CORS_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .url()
          .transform((u) => new URL(u).origin),
      ),
    )
    .optional(),
  GRAPHIQL: z.enum(['on', 'signed-in', 'off']).optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must have at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  INTROSPECTION: z.enum(['on', 'signed-in']).optional(),
  GRAPHQL_COMPILED_READS: z.enum(['on', 'off']).default('on'),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt.default(50),
  WS_MAX_SUBSCRIPTIONS_PER_USER: positiveInt.default(200),

  ISPCUBE_URL: z.string().url().optional(),
  ISPCUBE_API_KEY: z.string().min(1).optional(),
  ISPCUBE_CLIENT_ID: z.string().min(1).optional(),
  ISPCUBE_USERNAME: z.string().min(1).optional(),
  ISPCUBE_PASSWORD: z.string().min(1).optional(),

  SMARTOLT_URL: z.string().url().optional(),
  SMARTOLT_TOKEN: z.string().min(1).optional(),
  SMARTOLT_HOURLY_BUDGET: positiveInt.default(1000),
  SMARTOLT_STATUS_INTERVAL_SECONDS: positiveInt.default(360),
  SMARTOLT_SIGNAL_INTERVAL_SECONDS: positiveInt.default(1800),

  ROUTEROS_USER: z.string().min(1).optional(),
  ROUTEROS_PASSWORD: z.string().optional(),
  ROUTEROS_TLS: bool.default(false),
  ROUTEROS_TLS_CA: z.string().min(1).optional(),
  ROUTEROS_ALLOWED_NETWORKS: networkList.prefault(PRIVATE_NETWORKS),
  ROUTEROS_TIMEOUT_SECONDS: positiveInt.default(10),
  ROUTEROS_CREDENTIALS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON like {"<ISPCube node id>":{"user":"api","password":"…"}}' });
        return z.NEVER;
      }
      // Keyed by the node's id: a name or address can be changed by whoever edits nodes in
      // ISPCube, and would then steer another router's password to their host.
      const result = z.record(z.string().regex(/^\d+$/, 'keys are ISPCube node ids (digits)'), routerCredential).safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const what = issue.code === 'invalid_key' ? 'keys are ISPCube node ids (digits)' : issue.message;
        ctx.addIssue({
          code: 'custom',
          message: `${issue.path.length ? `"${issue.path.join('.')}": ` : ''}${what} (JSON like {"<ISPCube node id>":{"user":"api","password":"…"}})`,
        });
        return z.NEVER;
      }
      return result.data;
    }),
  PPP_SWEEP_INTERVAL_SECONDS: positiveInt.default(300),
  INVENTORY_SYNC_CRON: z.string().default('0 */4 * * *'),
  SYNC_MAX_REJECTED_SHARE: z.coerce.number().min(0).max(1).default(0.02),

  WORKER_CONCURRENCY: positiveInt.default(4),
  WORKER_DEAD_AFTER_SECONDS: positiveInt.default(45),

  OPTICAL_OVERLOAD_DBM: dbm.default(-8),
  OPTICAL_WARNING_DBM: dbm.default(-25),
  OPTICAL_CRITICAL_DBM: dbm.default(-27),
  INCIDENT_MIN_UNITS: positiveInt.default(4),
  INCIDENT_MIN_SHARE: z.coerce.number().min(0).max(1).default(0.3),
  INCIDENT_WINDOW_SECONDS: positiveInt.default(120),
  INCIDENT_CLEAR_SHARE: z.coerce.number().min(0).max(1).default(0.8),
  INCIDENT_CLEAR_HOLD_SECONDS: z.coerce.number().int().min(0).default(120),
  INCIDENT_CONFIRM_DELAY_SECONDS: z.coerce.number().int().min(0).max(300).default(3),
  INCIDENT_RECHECK_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  INCIDENT_GROWTH_FACTOR: z.coerce.number().min(1.1).max(10).default(1.5),
  NOTIFY_TIMEZONE: z
    .string()
    .default('America/Argentina/Buenos_Aires')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone like America/Argentina/Buenos_Aires'),
  NOTIFY_LOCALE: z.enum(['es', 'en']).default('es'),
  SMTP_URL: z
    .string()
    .url()
    .refine((u) => /^smtps?:\/\//.test(u), 'must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Emerald <emerald@localhost>'),
  TELEGRAM_BOT_TOKEN: z.string().min(10).optional(),
  TELEGRAM_API_URL: z.string().url().default('https://api.telegram.org'),
  SMARTOLT_OUTAGE_RESERVE: z.coerce.number().min(0).max(0.5).default(0.05),
  PORT_ALERT_DOWN_SHARE: z.coerce.number().gt(0).max(1).default(0.1),
  PORT_ALERT_SIGNAL_SHARE: z.coerce.number().gt(0).max(1).default(0.2),
  DIAGNOSIS_LIVE_TIMEOUT_MS: positiveInt.default(2500),
  AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  ROUTEROS_WRITE: bool.default(false),
  DEVICE_ACTION_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  DEVICE_ACTION_CHECK_SECONDS: z.coerce.number().int().min(0).max(3600).default(45),
  TRAFFIC_SAMPLING: bool.default(true),
  TRAFFIC_RETENTION_DAYS: positiveInt.max(366).default(7),
  TRAFFIC_HOURLY_RETENTION_DAYS: positiveInt.max(3660).default(90),
  MAP_STYLE_URL: z
    .string()
    .trim()
    .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png')
    .refine(
      (v) => v === 'off' || (/^https?:\/\/[^/\s]+\/\S*$/.test(v) && ['{z}', '{x}', '{y}'].every((k) => v.includes(k))),
      'must be a raster tile URL with {z}, {x} and {y} (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png), or off',
    ),
  MAP_ATTRIBUTION: z.string().trim().max(300).default('© OpenStreetMap contributors'),
  FILES_STORAGE: z.enum(['local', 's3']).default('local'),
  FILES_DIR: z.string().min(1).optional(),
  FILES_MAX_MB: z.coerce.number().int().min(1).max(200).default(15),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .default('emerald'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
});

export type Env = z.input<typeof envSchema>;

export interface RouterCredential {
  user: string;
  password: string;
  port?: number;
  tls?: boolean;
  fingerprint?: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** undefined = pretty on a terminal, JSON otherwise. */
  logPretty: boolean | undefined;
  http: {
    host: string;
    port: number;
    publicUrl: string | undefined;
    cookieSecure: boolean;
    sessionTtlHours: number;
    /** Proxies whose X-Forwarded-For is believed (addresses/CIDRs); empty: none. */
    trustProxy: string[];
    /** Origins (besides the server's own) whose pages may call the API with the user's cookie. */
    allowedOrigins: string[];
    graphiql: 'on' | 'signed-in' | 'off';
    introspection: 'on' | 'signed-in';
    /** Seconds a caller's session/key lookup is remembered (0: never); dropped at once on any access change. */
    authCacheSeconds: number;
    /** Answer the main screens' queries with one prepared SQL statement each (graphql/compiled/). */
    compiledReads: boolean;
  };
  ws: { maxSubscriptionsPerSocket: number; maxSubscriptionsPerUser: number };
  /**
   * Prometheus /metrics: on the main port with a bearer token (METRICS_TOKEN), and/or on
   * a separate listener (METRICS_PORT on METRICS_HOST, no token unless one is set). Off
   * when neither is set.
   */
  metrics: { token: string | undefined; port: number | undefined; host: string };
  processes: { api: boolean; worker: boolean };
  database: {
    /** Set when an outside PostgreSQL is used; absent means embedded. */
    url: string | undefined;
    poolSize: number;
    statementTimeoutMs: number;
    poolTimeoutMs: number;
    dataDir: string;
    embeddedPort: number | undefined;
  };
  demo: { enabled: boolean; subscribers: number; seed: number; weather: boolean; weatherRate: number };
  ispcube: { url: string; apiKey: string; clientId: string; username: string; password: string } | undefined;
  smartolt:
    | {
        url: string;
        token: string;
        hourlyBudget: number;
        statusIntervalSeconds: number;
        signalIntervalSeconds: number;
      }
    | undefined;
  smartoltBudget: { hourlyBudget: number; statusIntervalSeconds: number; signalIntervalSeconds: number };
  routeros: {
    defaultCredential: RouterCredential | undefined;
    /** Keyed by the ISPCube node id of the router (never by a name or address ISPCube could change). */
    perRouter: Record<string, RouterCredential>;
    tls: boolean;
    /** PEM file of trusted CAs and/or routers' own certificates for API-SSL. */
    tlsCa: string | undefined;
    /** Credentials are only ever sent to routers inside these networks. */
    allowedNetworks: string[];
    timeoutSeconds: number;
    sweepIntervalSeconds: number;
  };
  inventoryCron: string;
  /** A snapshot with more payloads than this share that cannot be mapped is rejected. */
  sync: { maxRejectedShare: number };
  /** deadAfterSeconds: a worker silent this long is taken as dead and its jobs are handed to others. */
  worker: { concurrency: number; deadAfterSeconds: number };
  thresholds: {
    opticalOverloadDbm: number;
    opticalWarningDbm: number;
    opticalCriticalDbm: number;
  };
  /** When a PON port's cell asks for the NOC's attention (see domain/incidents.ts portHealth). */
  portHealth: { downShare: number; signalShare: number };
  incidents: {
    minUnits: number;
    minShare: number;
    windowSeconds: number;
    clearShare: number;
    clearHoldSeconds: number;
    /** Wait before the targeted SmartOLT read after a burst of drops (debounces an OLT's ports into one read). */
    confirmDelaySeconds: number;
    /** ONUs online with sessions down: read again after this long before calling it a router outage. */
    recheckSeconds: number;
    /** Tell people again when the affected count grew by this factor. */
    growthFactor: number;
  };
  diagnosis: { liveTimeoutMs: number };
  /**
   * Device actions: router writes only with ROUTEROS_WRITE=on (read-only by default); one
   * action per device per cooldown; a diagnosis `checkSeconds` after each says whether it helped.
   */
  actions: { routerosWrite: boolean; cooldownSeconds: number; checkSeconds: number };
  /** Traffic history: five-minute samples kept `retentionDays`, hourly roll-ups `hourlyRetentionDays`. */
  traffic: { sampling: boolean; retentionDays: number; hourlyRetentionDays: number };
  /** The map's basemap: a raster tile URL template, or null for none (points on a plain background). */
  map: { tileUrl: string | null; attribution: string };
  /** Where attachments (photos, signatures, files) are kept, and how large one may be. */
  files: {
    maxBytes: number;
    storage:
      | { kind: 'local'; dir: string }
      | {
          kind: 's3';
          endpoint: string | null;
          region: string;
          bucket: string;
          accessKeyId: string;
          secretAccessKey: string;
          forcePathStyle: boolean;
        };
  };
  /** Share of the SmartOLT hourly budget background polls leave for targeted outage reads. */
  smartoltOutageReserve: number;
  notifications: {
    timeZone: string;
    locale: 'es' | 'en';
    smtp: { url: string; from: string } | undefined;
    telegram: { token: string; apiUrl: string } | undefined;
  };
}

function allOrNone(values: Record<string, string | undefined>, group: string): Record<string, string> | undefined {
  const present = Object.entries(values).filter(([, v]) => v !== undefined && v !== '');
  if (present.length === 0) return undefined;
  const missing = Object.keys(values).filter((k) => !values[k]);
  if (missing.length > 0) {
    throw new StartupError(
      'CONFIG_INVALID',
      `Invalid configuration: ${missing.join(', ')} must be set together with the other ${group} variables`,
    );
  }
  return values as Record<string, string>;
}

/** Parse and validate `env` (default: the process environment). Throws a StartupError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.') || 'environment';
    const value =
      typeof cleaned[name] === 'string' && !/PASSWORD|TOKEN|KEY|SECRET|CREDENTIALS|DATABASE_URL|SMTP_URL/.test(name)
        ? ` (got "${cleaned[name]}")`
        : '';
    throw new StartupError('CONFIG_INVALID', `Invalid configuration: ${name} ${issue.message}${value}`);
  }
  const e = parsed.data;

  const ispcube = allOrNone(
    {
      ISPCUBE_URL: e.ISPCUBE_URL,
      ISPCUBE_API_KEY: e.ISPCUBE_API_KEY,
      ISPCUBE_CLIENT_ID: e.ISPCUBE_CLIENT_ID,
      ISPCUBE_USERNAME: e.ISPCUBE_USERNAME,
      ISPCUBE_PASSWORD: e.ISPCUBE_PASSWORD,
    },
    'ISPCUBE_*',
  );
  const smartolt = allOrNone({ SMARTOLT_URL: e.SMARTOLT_URL, SMARTOLT_TOKEN: e.SMARTOLT_TOKEN }, 'SMARTOLT_*');
  if (e.FILES_STORAGE === 's3' && (!e.S3_ACCESS_KEY_ID || !e.S3_SECRET_ACCESS_KEY)) {
    throw new StartupError('CONFIG_INVALID', 'Invalid configuration: FILES_STORAGE=s3 needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
  }
  const routerDefault = e.ROUTEROS_USER ? { user: e.ROUTEROS_USER, password: e.ROUTEROS_PASSWORD ?? '' } : undefined;

  const vendorsConfigured = Boolean(ispcube || smartolt || routerDefault || Object.keys(e.ROUTEROS_CREDENTIALS).length);
  const demoEnabled = e.EMERALD_DEMO === 'on' || (e.EMERALD_DEMO === 'auto' && !vendorsConfigured);
  if (e.EMERALD_DEMO === 'on' && vendorsConfigured) {
    throw new StartupError(
      'CONFIG_INVALID',
      'Invalid configuration: EMERALD_DEMO=on cannot be combined with vendor credentials (ISPCUBE_*, SMARTOLT_*, ROUTEROS_*)',
    );
  }
  if (demoEnabled && e.NODE_ENV === 'production') {
    throw new StartupError(
      'CONFIG_INVALID',
      'Invalid configuration: demo mode is refused under NODE_ENV=production (it loads a simulated ISP and demo sign-ins); configure the vendors (ISPCUBE_*, SMARTOLT_*, ROUTEROS_*) or set EMERALD_DEMO=off',
    );
  }
  if (demoEnabled && !(e.EMERALD_PROCESSES.includes('api') && e.EMERALD_PROCESSES.includes('worker'))) {
    throw new StartupError(
      'CONFIG_INVALID',
      'Invalid configuration: demo mode runs the API, the worker and the simulators in one process; set EMERALD_PROCESSES=api,worker or EMERALD_DEMO=off',
    );
  }
  if (!(e.OPTICAL_CRITICAL_DBM < e.OPTICAL_WARNING_DBM && e.OPTICAL_WARNING_DBM < e.OPTICAL_OVERLOAD_DBM)) {
    throw new StartupError(
      'CONFIG_INVALID',
      'Invalid configuration: OPTICAL_CRITICAL_DBM < OPTICAL_WARNING_DBM < OPTICAL_OVERLOAD_DBM must hold',
    );
  }

  // Demo mode polls the simulators faster (unless told otherwise) so the demo is lively.
  const demoFast = (name: string, demoValue: number, value: number): number =>
    demoEnabled && cleaned[name] === undefined ? demoValue : value;
  const smartoltBudget = {
    hourlyBudget: e.SMARTOLT_HOURLY_BUDGET,
    statusIntervalSeconds: demoFast('SMARTOLT_STATUS_INTERVAL_SECONDS', 60, e.SMARTOLT_STATUS_INTERVAL_SECONDS),
    signalIntervalSeconds: demoFast('SMARTOLT_SIGNAL_INTERVAL_SECONDS', 300, e.SMARTOLT_SIGNAL_INTERVAL_SECONDS),
  };

  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_FORMAT === 'auto' ? undefined : e.LOG_FORMAT === 'pretty',
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL,
      cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
      sessionTtlHours: e.SESSION_TTL_HOURS,
      trustProxy: e.TRUST_PROXY ?? [],
      allowedOrigins: [...new Set([...(e.PUBLIC_URL ? [new URL(e.PUBLIC_URL).origin] : []), ...(e.CORS_ORIGINS ?? [])])],
      graphiql: e.GRAPHIQL ?? (e.NODE_ENV === 'production' ? 'signed-in' : 'on'),
      introspection: e.INTROSPECTION ?? (e.NODE_ENV === 'production' ? 'signed-in' : 'on'),
      authCacheSeconds: e.AUTH_CACHE_SECONDS,
      compiledReads: e.GRAPHQL_COMPILED_READS === 'on',
    },
    ws: { maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET, maxSubscriptionsPerUser: e.WS_MAX_SUBSCRIPTIONS_PER_USER },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST },
    processes: { api: e.EMERALD_PROCESSES.includes('api'), worker: e.EMERALD_PROCESSES.includes('worker') },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      poolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
      dataDir: path.resolve(projectRoot, e.EMERALD_DATA_DIR),
      embeddedPort: e.EMBEDDED_PG_PORT,
    },
    demo: {
      enabled: demoEnabled,
      subscribers: e.DEMO_SUBSCRIBERS,
      seed: e.DEMO_SEED,
      weather: e.DEMO_WEATHER,
      weatherRate: e.DEMO_WEATHER_RATE,
    },
    ispcube: ispcube && {
      url: ispcube.ISPCUBE_URL!,
      apiKey: ispcube.ISPCUBE_API_KEY!,
      clientId: ispcube.ISPCUBE_CLIENT_ID!,
      username: ispcube.ISPCUBE_USERNAME!,
      password: ispcube.ISPCUBE_PASSWORD!,
    },
    smartolt: smartolt && { url: smartolt.SMARTOLT_URL!, token: smartolt.SMARTOLT_TOKEN!, ...smartoltBudget },
    smartoltBudget,
    routeros: {
      defaultCredential: routerDefault,
      perRouter: e.ROUTEROS_CREDENTIALS,
      tls: e.ROUTEROS_TLS,
      tlsCa: e.ROUTEROS_TLS_CA,
      allowedNetworks: e.ROUTEROS_ALLOWED_NETWORKS,
      timeoutSeconds: e.ROUTEROS_TIMEOUT_SECONDS,
      sweepIntervalSeconds: demoFast('PPP_SWEEP_INTERVAL_SECONDS', 120, e.PPP_SWEEP_INTERVAL_SECONDS),
    },
    inventoryCron: e.INVENTORY_SYNC_CRON,
    sync: { maxRejectedShare: e.SYNC_MAX_REJECTED_SHARE },
    worker: { concurrency: e.WORKER_CONCURRENCY, deadAfterSeconds: e.WORKER_DEAD_AFTER_SECONDS },
    thresholds: {
      opticalOverloadDbm: e.OPTICAL_OVERLOAD_DBM,
      opticalWarningDbm: e.OPTICAL_WARNING_DBM,
      opticalCriticalDbm: e.OPTICAL_CRITICAL_DBM,
    },
    incidents: {
      minUnits: e.INCIDENT_MIN_UNITS,
      minShare: e.INCIDENT_MIN_SHARE,
      windowSeconds: e.INCIDENT_WINDOW_SECONDS,
      clearShare: e.INCIDENT_CLEAR_SHARE,
      clearHoldSeconds: e.INCIDENT_CLEAR_HOLD_SECONDS,
      confirmDelaySeconds: e.INCIDENT_CONFIRM_DELAY_SECONDS,
      recheckSeconds: e.INCIDENT_RECHECK_SECONDS,
      growthFactor: e.INCIDENT_GROWTH_FACTOR,
    },
    diagnosis: { liveTimeoutMs: e.DIAGNOSIS_LIVE_TIMEOUT_MS },
    actions: {
      // The demo's routers are simulators: writes are on there unless told otherwise.
      routerosWrite: demoEnabled && cleaned.ROUTEROS_WRITE === undefined ? true : e.ROUTEROS_WRITE,
      cooldownSeconds: e.DEVICE_ACTION_COOLDOWN_SECONDS,
      checkSeconds: e.DEVICE_ACTION_CHECK_SECONDS,
    },
    map: { tileUrl: e.MAP_STYLE_URL === 'off' ? null : e.MAP_STYLE_URL, attribution: e.MAP_ATTRIBUTION },
    files: {
      maxBytes: e.FILES_MAX_MB * 1024 * 1024,
      storage:
        e.FILES_STORAGE === 's3'
          ? {
              kind: 's3',
              endpoint: e.S3_ENDPOINT ?? null,
              region: e.S3_REGION,
              bucket: e.S3_BUCKET,
              accessKeyId: e.S3_ACCESS_KEY_ID!,
              secretAccessKey: e.S3_SECRET_ACCESS_KEY!,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
            }
          : { kind: 'local', dir: path.resolve(projectRoot, e.FILES_DIR ?? path.join(e.EMERALD_DATA_DIR, 'files')) },
    },
    traffic: {
      sampling: e.TRAFFIC_SAMPLING,
      retentionDays: e.TRAFFIC_RETENTION_DAYS,
      hourlyRetentionDays: e.TRAFFIC_HOURLY_RETENTION_DAYS,
    },
    smartoltOutageReserve: e.SMARTOLT_OUTAGE_RESERVE,
    portHealth: { downShare: e.PORT_ALERT_DOWN_SHARE, signalShare: e.PORT_ALERT_SIGNAL_SHARE },
    notifications: {
      timeZone: e.NOTIFY_TIMEZONE,
      locale: e.NOTIFY_LOCALE,
      smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM } : undefined,
      telegram: e.TELEGRAM_BOT_TOKEN ? { token: e.TELEGRAM_BOT_TOKEN, apiUrl: e.TELEGRAM_API_URL } : undefined,
    },
  };
}

/** Load `.env` from the project root into the environment (existing variables win). */
export function loadDotEnv(file = path.join(projectRoot, '.env')): void {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    const [, key, rawValue] = m;
    const value = rawValue!.replace(/^(['"])(.*)\1$/, '$2');
    if (process.env[key!] === undefined) process.env[key!] = value;
  }
}

/** Every variable the config module understands (used by the docker-compose test). */
export const knownEnvVars: readonly string[] = Object.keys(envSchema.shape);
