/**
 * One database handle for the server and the workers: a `pg` pool shared by Prisma
 * (through @prisma/adapter-pg) and by the raw SQL of bulk syncs and search.
 */
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export interface DbOptions {
  poolSize?: number;
  /** Statements running longer are cancelled by PostgreSQL (milliseconds; 0 = no limit). */
  statementTimeoutMs?: number;
  /** Waiting longer for a free connection fails (milliseconds; 0 = wait for ever). */
  poolTimeoutMs?: number;
  applicationName?: string;
  /** Called with the SQL text of every statement (tests count statements with it). */
  onQuery?: (sql: string) => void;
}

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

// Raw SQL of this pool reads int8 (BIGINT ids, COUNT(*)) as JS numbers: ours fit easily.
// Per pool, not global: Prisma's adapter and the migration engine pass their own parsers.
const rawTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function countingClient(onQuery: (sql: string) => void): typeof pg.Client {
  return class CountingClient extends pg.Client {
    override query(...args: unknown[]): never {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : first?.text;
      if (text) onQuery(text);
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  };
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'emerald',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: options.poolTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    types: rawTypes,
    ...(options.onQuery ? { Client: countingClient(options.onQuery) } : {}),
  });
  // A client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    prisma,
    pool,
    url,
    close: () => {
      closed ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closed;
    },
  };
}

export type { PrismaClient };
