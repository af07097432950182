/**
 * A whole Emerald in this process for a test, as `npm start` would run it: its own clone
 * of the migrated database (unless DATABASE_URL is given), a port the system picks as it
 * listens (`PORT=0`: a port found free beforehand can be taken by any outgoing connection
 * before the server binds it), quiet logs, no demo weather unless asked. The caller stops it.
 */
import { boot, type BootOptions, type Emerald } from '../server/src/boot.ts';
import { loadConfig } from '../server/src/config.ts';
import { createLogger, type Logger } from '../server/src/logger.ts';
import { createTestDatabase } from './db.ts';

export async function startTestEmerald(env: Record<string, string>, options: BootOptions & { log?: Logger } = {}): Promise<Emerald> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase()).url;
  const config = loadConfig({
    DEMO_WEATHER: 'false',
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const { log = createLogger(config.logLevel, { pretty: false }), ...bootOptions } = options;
  return boot(config, log, bootOptions);
}
