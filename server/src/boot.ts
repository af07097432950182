/**
 * Starts Emerald in this process: database (outside or embedded), migrations, demo
 * data and simulators (demo mode), the worker and the API — whichever EMERALD_PROCESSES
 * asks for — and stops them in reverse order.
 */
import type { Config } from './config.ts';
import { ensureClientBuilt, clientDir } from './clientBuild.ts';
import { createDb, type Db } from './db/client.ts';
import { openDatabase } from './db/connect.ts';
import { applyMigrations } from './db/migrate.ts';
import { DEMO_PASSWORD, DEMO_USERS, ensureTechnicianDays } from './demo/owned.ts';
import { demoControl } from './demo/control.ts';
import { claimDemoDatabase, markDemoDatabase, seedDemo } from './demo/seed.ts';
import { StartupError } from './startupError.ts';
import { pointRoutersAtSimulators, startDemoSimulators, withDemoNotifications, type DemoSimulators } from './demo/simulators.ts';
import { buildApp, type RunningApp } from './http/app.ts';
import type { Logger } from './logger.ts';
import { incidentCorrelator } from './incidents/correlate.ts';
import { createEventBus } from './realtime/bus.ts';
import { createMetrics } from './ops/metrics.ts';
import { createVendors, endpointsFromConfig } from './vendors/factory.ts';
import { version } from './version.ts';
import { startSessionListeners, type SessionListeners } from '../../workers/sessionListeners.ts';
import { createJobQueue } from './jobs/queue.ts';
import { fillMirrorIfStale } from './sync/firstRun.ts';
import { startWorker, type RunningWorker } from '../../workers/runner.ts';
import type { Services } from './services.ts';

const DEMO_SEED_LOCK = 0x656d_6465; // "emde"

export interface BootOptions {
  /** Build the monitor if it is missing (default true); tests that only need the API pass false. */
  buildClient?: boolean;
  /** Run the live session listeners with the worker (default true). */
  liveSessions?: boolean;
}

export interface Emerald {
  services: Services;
  url: string | null;
  databaseUrl: string;
  embedded: boolean;
  demoUsers: readonly { username: string; role: string }[] | null;
  simulators: DemoSimulators | null;
  stop(): Promise<void>;
}

export async function boot(config: Config, log: Logger, options: BootOptions = {}): Promise<Emerald> {
  const started = Date.now();
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    while (cleanup.length) {
      const step = cleanup.pop()!;
      await step().catch((error: unknown) => log.error({ err: error }, 'error during shutdown'));
    }
  };
  try {
    const database = await openDatabase(config, (line) => log.debug({ component: 'postgres' }, line));
    cleanup.push(database.stop);
    log.info(
      { embedded: database.embedded },
      database.embedded ? `embedded PostgreSQL running (data in ${config.database.dataDir})` : 'using DATABASE_URL',
    );

    const applied = await applyMigrations(database.url);
    if (applied.length) log.info({ applied }, `applied ${applied.length} migration(s)`);

    const db: Db = createDb(database.url, {
      poolSize: config.database.poolSize,
      statementTimeoutMs: config.database.statementTimeoutMs,
      poolTimeoutMs: config.database.poolTimeoutMs,
    });
    cleanup.push(db.close);

    let simulators: DemoSimulators | null = null;
    if (config.demo.enabled) {
      simulators = await startDemoSimulators(config, { log });
      cleanup.push(simulators.stop);
      log.info(
        {
          ispcube: simulators.ispcube.url,
          smartolt: simulators.smartolt.url,
          routers: simulators.routers.size,
          telegram: simulators.telegram?.url,
        },
        'demo simulators running (ISPCube, SmartOLT, RouterOS, Telegram)',
      );
    }
    const jobs = createJobQueue(db.pool);
    cleanup.push(jobs.release);
    const vendors = createVendors(db, simulators ? simulators.endpoints : endpointsFromConfig(config));
    cleanup.push(vendors.close);
    const services: Services = {
      config: simulators ? withDemoNotifications(config, simulators) : config,
      db,
      log,
      startedAt: new Date(),
      version,
      jobs,
      vendors,
      ...(simulators ? { demo: demoControl(simulators) } : {}),
    };

    let demoUsers: Emerald['demoUsers'] = null;
    if (simulators) {
      // API and worker processes may start together on an empty database: one seeds.
      const lock = await db.pool.connect();
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [DEMO_SEED_LOCK]);
        const state = await claimDemoDatabase(db.pool);
        if (state === 'foreign') {
          throw new StartupError(
            'DEMO_REFUSED',
            `Demo mode refuses this database: it holds data the demo did not create (${database.embedded ? config.database.dataDir : 'DATABASE_URL'}). Set EMERALD_DEMO=off and configure the vendors, or point the demo at an empty database`,
          );
        }
        if (state === 'empty') {
          log.info(`loading demo data (${config.demo.subscribers} subscribers, seed ${config.demo.seed})…`);
          const sims = simulators;
          const seeded = await seedDemo(db, {
            subscribers: config.demo.subscribers,
            seed: config.demo.seed,
            world: sims.world.data,
            now: sims.world.data.generatedAt,
            routerAddress: (id) => ({ ip: sims.routers.get(id)!.host, port: sims.routers.get(id)!.port }),
            alerts: true,
          });
          await markDemoDatabase(db.pool);
          log.info({ ms: seeded.durationMs, ...seeded.owned }, 'demo data loaded');
        }
        await pointRoutersAtSimulators(db, simulators);
        // Whenever the demo starts, its technicians have visits today and tomorrow.
        await ensureTechnicianDays(db.pool, { now: new Date(), timeZone: config.notifications.timeZone });
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [DEMO_SEED_LOCK]).catch(() => {});
        lock.release();
      }
      demoUsers = DEMO_USERS;
    } else {
      const admins = await db.pool.query<{ n: number }>(`SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND active`);
      if (Number(admins.rows[0]?.n) === 0) {
        log.warn('no active admin user: create one with `npm run user:create-admin -- <username>`');
      }
    }

    let worker: RunningWorker | null = null;
    if (config.processes.worker) {
      services.onChanges = incidentCorrelator(db, config, log.child({ component: 'incidents' }));
      worker = await startWorker(services);
      cleanup.push(worker.stop);
      // An empty mirror (a new install) or one whose inventory missed its schedule is
      // filled now; the status polls start now rather than at the next minute's cron tick.
      const fill = await fillMirrorIfStale(services);
      if (fill === 'queued') log.info('the mirror is empty or older than its schedule: inventory queued now');
      await jobs.add('poll_due', {}, { jobKey: 'poll_due:start' });
      if (options.liveSessions !== false) {
        const listeners: SessionListeners = await startSessionListeners(services);
        cleanup.push(listeners.stop);
      }
    }

    let running: RunningApp | null = null;
    if (config.processes.api) {
      const metrics = createMetrics(db);
      services.metrics = metrics;
      services.bus = createEventBus(db, database.url, log.child({ component: 'events' }), { onBatch: metrics.busBatch });
      cleanup.push(services.bus.stop);
      if (options.buildClient !== false) await ensureClientBuilt((m) => log.info(m));
      running = await buildApp(services, { clientDir }).start(config.http.port, config.http.host);
      cleanup.push(running.stop);
    }
    log.info({ ms: Date.now() - started }, 'Emerald started');
    return {
      services,
      url: running?.url ?? null,
      databaseUrl: database.url,
      embedded: database.embedded,
      demoUsers,
      simulators,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export { DEMO_PASSWORD };
