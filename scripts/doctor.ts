/**
 * `npm run doctor`: the first thing to run after configuring Emerald. Checks the
 * configuration and the database, then reaches every configured vendor the way Emerald
 * will — ISPCube login, SmartOLT token (and the hour's call budget), each router's API
 * login — and prints one line per check with the reason when it fails. Exit status 1 when
 * any check fails. It changes nothing (one SmartOLT call is counted against the budget).
 */
import { loadConfig, type Config } from '../server/src/config.ts';
import { createDb, type Db } from '../server/src/db/client.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { migrationStatus } from '../server/src/db/migrate.ts';
import { mapIspcubeNode } from '../server/src/mirror/ispcube.ts';
import { errorMessage } from '../server/src/startupError.ts';
import { RouterConnection } from '../server/src/vendors/routeros.ts';
import { createVendors, endpointsFromConfig, type MirroredRouter } from '../server/src/vendors/factory.ts';
import { IspcubeClient } from '../server/src/vendors/ispcube.ts';
import { SmartoltClient, databaseCallBudget, memoryCallBudget } from '../server/src/vendors/smartolt.ts';
import { runCli } from './cli.ts';

type Status = 'ok' | 'warn' | 'FAIL' | 'skip';
const results: Status[] = [];

function line(status: Status, check: string, detail: string): void {
  results.push(status);
  console.log(`${status.padEnd(5)} ${check.padEnd(24)} ${detail}`);
}

/** Run a check; an exception is its failure reason. */
async function check(name: string, fn: () => Promise<[Status, string] | string>): Promise<void> {
  try {
    const out = await fn();
    if (typeof out === 'string') line('ok', name, out);
    else line(out[0], name, out[1]);
  } catch (error) {
    line('FAIL', name, errorMessage(error).replace(/\s+/g, ' '));
  }
}

function configuration(config: Config): [Status, string] {
  const notes: string[] = [];
  let status: Status = 'ok';
  if (config.demo.enabled) return ['warn', 'demo mode: the vendors are simulated (set EMERALD_DEMO=off and the vendor variables)'];
  if (!config.ispcube && !config.smartolt && !config.routeros.defaultCredential && !Object.keys(config.routeros.perRouter).length)
    return ['FAIL', 'no vendor is configured (ISPCUBE_*, SMARTOLT_*, ROUTEROS_*)'];
  notes.push(`NODE_ENV=${config.env}`);
  if (config.http.publicUrl) notes.push(`PUBLIC_URL ${config.http.publicUrl}`);
  if (config.env === 'production') {
    if (!config.http.publicUrl?.startsWith('https://')) {
      status = 'warn';
      notes.push('PUBLIC_URL should be the https:// address users open (cookies are Secure in production)');
    }
  }
  if (!config.metrics.token && config.metrics.port === undefined) notes.push('metrics off (METRICS_TOKEN or METRICS_PORT)');
  return [status, notes.join('; ')];
}

/** The routers to log in to: ISPCube's current node list, else the mirrored ones. */
async function routersToCheck(ispcube: IspcubeClient | null, db: Db | null): Promise<MirroredRouter[]> {
  if (ispcube) {
    try {
      const nodes = (await ispcube.nodes()).map(mapIspcubeNode);
      return nodes.map((r, i) => ({ id: -(i + 1), externalId: r.external_id, name: r.name, host: r.host, apiPort: r.api_port }));
    } catch {
      // ISPCube's own line says why; fall back to the routers already mirrored.
    }
  }
  if (!db) return [];
  const { rows } = await db.pool.query<MirroredRouter>(
    'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE gone_at IS NULL ORDER BY name',
  );
  return rows;
}

async function main(): Promise<void> {
  console.log('Emerald doctor: configuration, database and every configured vendor\n');
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    line('FAIL', 'configuration', errorMessage(error));
    process.exitCode = 1;
    return;
  }
  const [cs, cd] = configuration(config);
  line(cs, 'configuration', cd);

  let db = null as Db | null;
  /** The schema is in place (migrations applied): the tables can be read. */
  let migrated = false as boolean;
  let stopDatabase = async (): Promise<void> => {};
  await check('database', async () => {
    const database = await openDatabase(config, undefined, { attach: true });
    stopDatabase = database.stop;
    db = createDb(database.url, { poolSize: 2 });
    const version = (await db.pool.query<{ v: string }>('SELECT current_setting($$server_version$$) AS v')).rows[0]!.v.split(' ')[0];
    const status = await migrationStatus(database.url);
    const where = database.embedded ? `embedded PostgreSQL ${version} (${config.database.dataDir})` : `PostgreSQL ${version}`;
    if (status.failed.length) return ['FAIL', `${where}; failed migration ${status.failed.join(', ')}: see the README (Upgrades)`];
    if (status.unknown.length) return ['FAIL', `${where}; the database is newer than this code (${status.unknown.join(', ')})`];
    if (status.pending.length) return ['ok', `${where}; ${status.pending.length} migration(s) to apply at the next start`];
    migrated = true;
    return `${where}; ${status.applied.length} migrations applied`;
  });
  if (db && !migrated) line('skip', 'admin user', 'the database is not set up yet: `npm start` applies the migrations');
  if (db && migrated) {
    const pool = db.pool;
    await check('admin user', async () => {
      const n = Number((await pool.query(`SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND active`)).rows[0].n);
      if (!n) return ['FAIL', 'no active admin: npm run user:create-admin -- <username>'];
      return `${n} active admin(s)`;
    });
  }

  const ready = migrated ? db : null;
  const endpoints = endpointsFromConfig(config);
  // Fresh clients: ISPCube logs in anew (no cached token), SmartOLT counts its call in the shared budget.
  const ispcube = endpoints.ispcube ? new IspcubeClient(endpoints.ispcube) : null;
  const smartoltBudget = endpoints.smartolt?.hourlyBudget ?? 0;
  const smartolt = endpoints.smartolt
    ? new SmartoltClient(endpoints.smartolt, ready ? databaseCallBudget(ready.pool, smartoltBudget) : memoryCallBudget(smartoltBudget))
    : null;
  // Only for where routers are and which credentials go to them (no database access).
  const vendors = createVendors(db ?? createDb('postgresql://unused@127.0.0.1:1/none', { poolSize: 1 }), endpoints);
  try {
    if (config.demo.enabled) {
      line('skip', 'vendors', 'demo mode');
    } else {
      if (ispcube) {
        await check('ISPCube login', async () => {
          const nodes = await ispcube.nodes();
          return `${config.ispcube!.url}: signed in as ${config.ispcube!.username}; ${nodes.length} node(s) (routers)`;
        });
      } else
        line('skip', 'ISPCube', 'not configured (ISPCUBE_URL, ISPCUBE_API_KEY, ISPCUBE_CLIENT_ID, ISPCUBE_USERNAME, ISPCUBE_PASSWORD)');

      if (smartolt) {
        await check('SmartOLT token', async () => {
          const olts = await smartolt.olts();
          const budget = ready ? `; ${await smartolt.budget.remaining()} of ${smartoltBudget} calls left this hour` : '';
          return `${config.smartolt!.url}: token accepted; ${olts.length} OLT(s)${budget}`;
        });
      } else line('skip', 'SmartOLT', 'not configured (SMARTOLT_URL, SMARTOLT_TOKEN)');

      const routers = await routersToCheck(ispcube, ready).catch(() => []);
      if (!routers.length) line('skip', 'routers', 'none known yet (ISPCube lists them as nodes)');
      for (const router of routers) {
        await check(`router ${router.name}`, async () => {
          const target = vendors.routerTarget(router);
          const conn = new RouterConnection(target, config.routeros.timeoutSeconds);
          try {
            const [resource] = await conn.write('/system/resource/print');
            const version = resource?.version ? ` (RouterOS ${String(resource.version).split(' ')[0]})` : '';
            return `${target.host}:${target.port}${target.tls ? ' TLS' : ''}: API login as ${target.user}${version}`;
          } catch (error) {
            throw new Error(`${target.host}:${target.port}: ${errorMessage(error)}`);
          } finally {
            await conn.close();
          }
        });
      }
    }
  } finally {
    await vendors.close();
    await db?.close();
    await stopDatabase();
  }

  const failed = results.filter((r) => r === 'FAIL').length;
  console.log(failed ? `\n${failed} check(s) failed.` : '\nAll checks passed.');
  process.exitCode = failed ? 1 : 0;
}

void runCli(main);
