/**
 * Migrations without Prisma's native engine: the Prisma schema engine compiled to
 * WebAssembly (`@prisma/schema-engine-wasm`) over a `pg` driver adapter. It applies
 * `prisma/migrations/*\/migration.sql` and keeps Prisma's own `_prisma_migrations`
 * ledger, so `prisma migrate deploy` on a networked machine agrees with it, and it
 * diffs schemas to author new migrations and detect drift — all offline.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { projectRoot } from '../config.ts';
import { StartupError, errorMessage } from '../startupError.ts';

export const schemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');

type WasmModule = typeof import('@prisma/schema-engine-wasm');
type SchemaEngine = import('@prisma/schema-engine-wasm').SchemaEngine;
type MigrationList = import('@prisma/schema-engine-wasm').MigrationList;

const noFilters = { externalTables: [], externalEnums: [] };
let wasmModule: Promise<WasmModule> | undefined;

/** Instantiate the wasm engine once per process (no --experimental-wasm-modules needed). */
function loadWasm(): Promise<WasmModule> {
  wasmModule ??= (async () => {
    // A panic inside the engine reports through this registry; without it the real message is lost.
    (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message: string) => console.error(`schema engine panic: ${message}`),
    };
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as WasmModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = fs.readFileSync(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return bg;
  })();
  return wasmModule;
}

export function readSchema(file = schemaPath): string {
  return fs.readFileSync(file, 'utf8');
}

type FieldLike = { dataTypeID: number; catalogChar?: boolean };
type QueryResultLike = { fields?: FieldLike[] };
const CHAR_OID = 18;
const TEXT_OID = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

/**
 * The engine's introspection reads catalog columns of type "char" (oid 18, e.g.
 * pg_constraint.contype) which the pg driver adapter cannot map ("Column type 'char'
 * could not be deserialized"). The client below lets the adapter see them as text and
 * marks them; `wholeScriptAdapter` then reports them to the engine as Character.
 */
class CatalogSafeClient extends pg.Client {
  override query(...args: unknown[]): never {
    const fix = (r: QueryResultLike | undefined): void => {
      for (const field of r?.fields ?? []) {
        if (field.dataTypeID === CHAR_OID) {
          field.dataTypeID = TEXT_OID;
          field.catalogChar = true;
        }
      }
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      // pg-pool calls query(text, values, callback)
      const callback = args[last] as (err: unknown, r: QueryResultLike) => void;
      args[last] = (err: unknown, r: QueryResultLike) => {
        if (!err) fix(r);
        callback(err, r);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<QueryResultLike>).then((r) => {
        fix(r);
        return r;
      }) as never;
    }
    return result as never;
  }
}

/** The parts of the pg adapter's connection this module patches. */
interface Connected {
  queryRaw(query: unknown): Promise<{ columnTypes: number[] }>;
  executeScript(script: string): Promise<void>;
  onError(error: unknown): never;
  underlyingDriver(): pg.Pool;
  performIO(query: unknown): Promise<QueryResultLike>;
}
type AdapterConnection = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * The pg adapter runs a migration script by splitting it on every ";" — which breaks
 * function bodies (`$$ … ; … $$`) and semicolons in comments, and applies statements one
 * by one, so a failure leaves half a migration behind. Send the script whole instead:
 * PostgreSQL runs a multi-statement simple query as one implicit transaction.
 */
function wholeScriptAdapter(factory: PrismaPg): PrismaPg {
  const patch = (adapter: Connected): Connected => {
    const proto = Object.getPrototypeOf(adapter) as Connected;
    adapter.queryRaw = async (query: unknown) => {
      let charColumns: number[] = [];
      // Run the adapter's own queryRaw, observing the fields its performIO saw.
      const view = Object.create(adapter) as Connected;
      view.performIO = async (q: unknown) => {
        const result = await adapter.performIO(q);
        charColumns = (result.fields ?? []).flatMap((f, i) => (f.catalogChar ? [i] : []));
        return result;
      };
      const result = await proto.queryRaw.call(view, query);
      for (const i of charColumns) result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
      return result;
    };
    adapter.executeScript = async (script: string) => {
      try {
        await adapter.underlyingDriver().query(script);
      } catch (error) {
        adapter.onError(error);
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => patch((await connect()) as unknown as Connected) as unknown as AdapterConnection;
  factory.connectToShadowDb = async () => patch((await connectToShadowDb()) as unknown as Connected) as unknown as AdapterConnection;
  return factory;
}

/**
 * One engine at a time per process: the wasm module is one instance, and two engines
 * working on it at once corrupt its memory (a "schema engine panic").
 */
let engineQueue: Promise<unknown> = Promise.resolve();

function withEngine<T>(url: string, schema: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const run = engineQueue.then(() => withEngineNow(url, schema, fn));
  engineQueue = run.catch(() => {});
  return run;
}

async function withEngineNow<T>(url: string, schema: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const wasm = await loadWasm();
  const pool = new pg.Pool({ connectionString: url, max: 2, Client: CatalogSafeClient });
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScriptAdapter(new PrismaPg(pool)));
  const engine = await wasm.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
  try {
    return await fn(engine);
  } finally {
    engine.free();
    // The engine does not dispose its adapter: close the pool, or idle connections stay
    // on the database (and block e.g. CREATE DATABASE … TEMPLATE).
    await pool.end().catch(() => {});
  }
}

/** The committed migrations, in order, as the engine wants them. */
export function readMigrations(dir = migrationsDir): MigrationList {
  const entries = fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: entries.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

export interface MigrationStatus {
  /** Migrations recorded as applied in the database. */
  applied: string[];
  /** Committed migrations not yet applied. */
  pending: string[];
  /** Applied migrations this code does not know: the database is newer than the code. */
  unknown: string[];
  /** Migrations that started and failed (need manual attention). */
  failed: string[];
}

export async function migrationStatus(url: string, dir = migrationsDir): Promise<MigrationStatus> {
  const local = readMigrations(dir).migrationDirectories.map((m) => m.path);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('public._prisma_migrations') AS t`);
    if (!table.rows[0]?.t) return { applied: [], pending: local, unknown: [], failed: [] };
    const rows = await client.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
    );
    const applied = rows.rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    const failed = rows.rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    return {
      applied,
      pending: local.filter((m) => !applied.includes(m)),
      unknown: applied.filter((m) => !local.includes(m)),
      failed,
    };
  } finally {
    await client.end();
  }
}

// Serialises migrations across processes that start at once (API + workers on one database).
const MIGRATION_LOCK = 0x656d_6572; // "emer"

/**
 * Apply pending migrations. Refuses a database that is newer than the code (it has
 * migrations this code does not know) or has a failed migration.
 */
export async function applyMigrations(url: string, dir = migrationsDir): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const status = await migrationStatus(url, dir);
    if (status.unknown.length > 0) {
      throw new StartupError(
        'DB_NEWER_THAN_CODE',
        `The database is newer than this Emerald: it has migration ${status.unknown.at(-1)} which this version does not know; upgrade Emerald or point DATABASE_URL at another database`,
      );
    }
    if (status.failed.length > 0) {
      throw new StartupError(
        'DB_MIGRATION_FAILED',
        `Migration ${status.failed[0]} failed earlier and was not rolled back; fix the database and mark it rolled back (npx prisma migrate resolve --rolled-back ${status.failed[0]})`,
      );
    }
    if (status.pending.length === 0) return [];
    try {
      return await withEngine(url, readSchema(), async (engine) => {
        const result = await engine.applyMigrations({ migrationsList: readMigrations(dir), filters: noFilters });
        return result.appliedMigrationNames;
      });
    } catch (error) {
      throw new StartupError('DB_MIGRATION_FAILED', `Applying migrations failed: ${errorMessage(error).split('\n')[0]}`, {
        cause: error,
      });
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await lock.end();
  }
}

/**
 * SQL that would bring the database at `url` to `schema`; empty when they agree.
 * This is how drift is detected and how new migrations are authored.
 */
export async function diffDatabaseToSchema(url: string, schema = readSchema()): Promise<string> {
  return withEngine(url, schema, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files: [{ path: 'schema.prisma', content: schema }], configDir: projectRoot },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return normaliseDiff(result.stdout ?? '');
  });
}

/** SQL creating `schema` from nothing (used for the first migration). */
export async function diffEmptyToSchema(url: string, schema = readSchema()): Promise<string> {
  return withEngine(url, schema, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return result.stdout ?? '';
  });
}

/** The engine prints a comment for an empty diff; treat that as no change. */
function normaliseDiff(sql: string): string {
  const meaningful = sql
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('--'))
    .join('\n');
  return meaningful.length === 0 ? '' : sql;
}
