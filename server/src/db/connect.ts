/**
 * Where the database is: the configured DATABASE_URL (checked, with one-line errors for
 * the usual mistakes) or an embedded PostgreSQL in the data folder.
 */
import pg from 'pg';
import type { Config } from '../config.ts';
import { StartupError, errorMessage } from '../startupError.ts';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './embedded.ts';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Connect once to `url` and turn the failure into a clear StartupError. */
export async function checkDatabase(url: string, label = 'DATABASE_URL'): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const version = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    const v = version.rows[0]?.v ?? 0;
    if (v < 150000) {
      throw new StartupError(
        'DB_UNREACHABLE',
        `PostgreSQL at ${describe(url)} is version ${Math.floor(v / 10000)}; Emerald needs 15 or newer (${label})`,
      );
    }
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const e = error as NodeJS.ErrnoException & { code?: string };
    const where = describe(url);
    switch (e.code) {
      case '28P01':
      case '28000':
        throw new StartupError('DB_AUTH_FAILED', `PostgreSQL at ${where} rejected the credentials (${label}): ${errorMessage(error)}`, {
          cause: error,
        });
      case '3D000':
        throw new StartupError(
          'DB_NOT_FOUND',
          `Database does not exist at ${where} (${label}); create it first: createdb ${where.split('/').pop()}`,
          { cause: error },
        );
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'ETIMEDOUT':
      case 'EAI_AGAIN':
        throw new StartupError('DB_UNREACHABLE', `Cannot reach PostgreSQL at ${where} (${label}): ${e.code}`, { cause: error });
      default:
        if (/timeout/i.test(errorMessage(error))) {
          throw new StartupError('DB_UNREACHABLE', `Cannot reach PostgreSQL at ${where} (${label}): connection timed out`, {
            cause: error,
          });
        }
        throw new StartupError('DB_UNREACHABLE', `Cannot use PostgreSQL at ${where} (${label}): ${errorMessage(error)}`, { cause: error });
    }
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openDatabase(
  config: Config,
  log: (line: string) => void = () => {},
  options: { attach?: boolean } = {},
): Promise<DatabaseHandle> {
  if (config.database.url) {
    await checkDatabase(config.database.url);
    return { url: config.database.url, embedded: false, stop: async () => {} };
  }
  if (options.attach) {
    // A command-line tool beside a running `npm start`: use its embedded server.
    const url = runningEmbeddedUrl(config.database.dataDir);
    if (url) {
      await checkDatabase(url, `embedded PostgreSQL in ${config.database.dataDir}`);
      return { url, embedded: true, stop: async () => {} };
    }
  }
  const running = await startEmbeddedPostgres({
    dataDir: config.database.dataDir,
    port: config.database.embeddedPort,
    log,
  });
  return { url: running.url, embedded: true, stop: running.stop };
}
