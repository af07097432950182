/**
 * The vendor clients a worker or API process uses, built from configuration (or, in demo
 * mode, pointed at the simulators). Router credentials come from configuration, keyed by
 * the router's ISPCube node id; they never reach the database, and they are only ever sent
 * to addresses inside ROUTEROS_ALLOWED_NETWORKS — whoever edits a node in ISPCube cannot
 * point Emerald (and a password) at a host of their own.
 */
import fs from 'node:fs';
import net from 'node:net';
import { type Config, networkMatcher, PRIVATE_NETWORKS, type RouterCredential } from '../config.ts';
import { StartupError } from '../startupError.ts';
import type { Db } from '../db/client.ts';
import { VendorError } from './vendorError.ts';
import { IspcubeClient, databaseTokenStore, type IspcubeConfig } from './ispcube.ts';
import { RouterPool, type RouterTarget } from './routeros.ts';
import { PEOPLE_RESERVE, SmartoltClient, databaseCallBudget, type SmartoltConfig } from './smartolt.ts';

export interface VendorEndpoints {
  ispcube?: IspcubeConfig;
  smartolt?: SmartoltConfig;
  routeros: {
    defaultCredential?: RouterCredential;
    /** By ISPCube node id. */
    perRouter: Record<string, RouterCredential>;
    tls: boolean;
    /** PEM of trusted CAs / router certificates for API-SSL. */
    tlsCa?: string;
    /** Credentials go only to hosts in these networks (default: private, CGNAT and loopback ranges). */
    allowedNetworks?: readonly string[];
    timeoutSeconds: number;
  };
}

export interface Vendors {
  endpoints: VendorEndpoints;
  ispcube(): IspcubeClient;
  /** SmartOLT for people (diagnosis): the whole budget. */
  smartolt(): SmartoltClient;
  /** SmartOLT for background syncs: keeps 10% of the hourly budget for people and a share for outage reads. */
  smartoltBackground(): SmartoltClient;
  /** SmartOLT for the targeted read that confirms a suspected outage: keeps only the people's 10%. */
  smartoltOutage(): SmartoltClient;
  routers: RouterPool;
  routerTarget(router: MirroredRouter): RouterTarget;
  close(): Promise<void>;
}

/** What the mirror knows of a router (from its ISPCube node). */
export interface MirroredRouter {
  id: number;
  externalId: string;
  name: string;
  host: string;
  apiPort: number;
}

export function endpointsFromConfig(config: Config): VendorEndpoints {
  return {
    ...(config.ispcube ? { ispcube: config.ispcube } : {}),
    ...(config.smartolt
      ? {
          smartolt: {
            url: config.smartolt.url,
            token: config.smartolt.token,
            hourlyBudget: config.smartolt.hourlyBudget,
            outageReserve: config.smartoltOutageReserve,
          },
        }
      : {}),
    routeros: {
      ...(config.routeros.defaultCredential ? { defaultCredential: config.routeros.defaultCredential } : {}),
      perRouter: config.routeros.perRouter,
      tls: config.routeros.tls,
      ...(config.routeros.tlsCa ? { tlsCa: readCaFile(config.routeros.tlsCa) } : {}),
      allowedNetworks: config.routeros.allowedNetworks,
      timeoutSeconds: config.routeros.timeoutSeconds,
    },
  };
}

function readCaFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError('CONFIG_INVALID', `Invalid configuration: ROUTEROS_TLS_CA cannot be read (${(error as Error).message})`);
  }
}

export function createVendors(db: Db, endpoints: VendorEndpoints): Vendors {
  const routers = new RouterPool(endpoints.routeros.timeoutSeconds);
  const allowed = networkMatcher(endpoints.routeros.allowedNetworks ?? PRIVATE_NETWORKS.split(','));
  const isAllowed = (host: string): boolean => {
    const family = net.isIPv4(host) ? 'ipv4' : net.isIPv6(host) ? 'ipv6' : null;
    return family !== null && allowed.check(host, family);
  };
  let ispcube: IspcubeClient | undefined;
  let smartolt: SmartoltClient | undefined;
  const notConfigured = (source: VendorError['source'], vars: string) =>
    new VendorError(source, 'AUTH_FAILED', `${source} is not configured (set ${vars})`);
  return {
    endpoints,
    ispcube() {
      if (!endpoints.ispcube) throw notConfigured('ISPCUBE', 'ISPCUBE_*');
      ispcube ??= new IspcubeClient(endpoints.ispcube, databaseTokenStore(db.pool));
      return ispcube;
    },
    smartolt() {
      if (!endpoints.smartolt) throw notConfigured('SMARTOLT', 'SMARTOLT_URL and SMARTOLT_TOKEN');
      smartolt ??= new SmartoltClient(endpoints.smartolt, databaseCallBudget(db.pool, endpoints.smartolt.hourlyBudget));
      return smartolt;
    },
    smartoltBackground() {
      const budget = endpoints.smartolt?.hourlyBudget ?? 1000;
      return this.smartolt().withReserve(Math.ceil(budget * (PEOPLE_RESERVE + (endpoints.smartolt?.outageReserve ?? 0.05))));
    },
    smartoltOutage() {
      return this.smartolt().withReserve(Math.ceil((endpoints.smartolt?.hourlyBudget ?? 1000) * PEOPLE_RESERVE));
    },
    routers,
    routerTarget(router) {
      const r = endpoints.routeros;
      if (!isAllowed(router.host)) {
        throw new VendorError(
          'ROUTEROS',
          'NOT_ALLOWED',
          `router ${router.name} is at ${router.host}, outside ROUTEROS_ALLOWED_NETWORKS: no credentials are sent there`,
        );
      }
      const cred = r.perRouter[router.externalId] ?? r.defaultCredential;
      if (!cred)
        throw new VendorError(
          'ROUTEROS',
          'AUTH_FAILED',
          `no RouterOS credentials for ${router.name} (set ROUTEROS_USER/ROUTEROS_PASSWORD or ROUTEROS_CREDENTIALS)`,
        );
      const tls = cred.tls ?? r.tls;
      // The ISPCube node says where the API listens; with TLS the port must be given (8729).
      const port = cred.port ?? (tls && router.apiPort === 8728 ? 8729 : router.apiPort);
      const trust = { ...(r.tlsCa ? { ca: r.tlsCa } : {}), ...(cred.fingerprint ? { fingerprint: cred.fingerprint } : {}) };
      return { id: router.id, name: router.name, host: router.host, port, user: cred.user, password: cred.password, tls, trust };
    },
    close: () => routers.closeAll(),
  };
}
