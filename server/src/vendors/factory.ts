/**
 * The vendor clients a worker or API process uses, built from configuration (or, in demo
 * mode, pointed at the simulators). Router credentials come from configuration, keyed by
 * router name or host; they never reach the database.
 */
import type { Config, RouterCredential } from '../config.ts';
import type { Db } from '../db/client.ts';
import { VendorError } from './vendorError.ts';
import { IspcubeClient, databaseTokenStore, type IspcubeConfig } from './ispcube.ts';
import { RouterPool, type RouterTarget } from './routeros.ts';
import { SmartoltClient, databaseCallBudget, type SmartoltConfig } from './smartolt.ts';

export interface VendorEndpoints {
  ispcube?: IspcubeConfig;
  smartolt?: SmartoltConfig;
  routeros: { defaultCredential?: RouterCredential; perRouter: Record<string, RouterCredential>; tls: boolean; timeoutSeconds: number };
}

export interface Vendors {
  endpoints: VendorEndpoints;
  ispcube(): IspcubeClient;
  /** SmartOLT for people (diagnosis): the whole budget. */
  smartolt(): SmartoltClient;
  /** SmartOLT for background syncs: keeps 10% of the hourly budget for people. */
  smartoltBackground(): SmartoltClient;
  routers: RouterPool;
  routerTarget(router: { id: number; name: string; host: string; apiPort: number }): RouterTarget;
  close(): Promise<void>;
}

export function endpointsFromConfig(config: Config): VendorEndpoints {
  return {
    ...(config.ispcube ? { ispcube: config.ispcube } : {}),
    ...(config.smartolt
      ? { smartolt: { url: config.smartolt.url, token: config.smartolt.token, hourlyBudget: config.smartolt.hourlyBudget } }
      : {}),
    routeros: {
      ...(config.routeros.defaultCredential ? { defaultCredential: config.routeros.defaultCredential } : {}),
      perRouter: config.routeros.perRouter,
      tls: config.routeros.tls,
      timeoutSeconds: config.routeros.timeoutSeconds,
    },
  };
}

export function createVendors(db: Db, endpoints: VendorEndpoints): Vendors {
  const routers = new RouterPool(endpoints.routeros.timeoutSeconds);
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
      return this.smartolt().withReserve(Math.ceil((endpoints.smartolt?.hourlyBudget ?? 1000) * 0.1));
    },
    routers,
    routerTarget(router) {
      const r = endpoints.routeros;
      const cred = r.perRouter[router.name] ?? r.perRouter[router.host] ?? r.defaultCredential;
      if (!cred)
        throw new VendorError(
          'ROUTEROS',
          'AUTH_FAILED',
          `no RouterOS credentials for ${router.name} (set ROUTEROS_USER/ROUTEROS_PASSWORD or ROUTEROS_CREDENTIALS)`,
        );
      const tls = cred.tls ?? r.tls;
      // The ISPCube node says where the API listens; with TLS the port must be given (8729).
      const port = cred.port ?? (tls && router.apiPort === 8728 ? 8729 : router.apiPort);
      return { id: router.id, name: router.name, host: router.host, port, user: cred.user, password: cred.password, tls };
    },
    close: () => routers.closeAll(),
  };
}
