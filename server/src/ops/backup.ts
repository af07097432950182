/**
 * Backups of Emerald's database without any PostgreSQL client tools: a consistent
 * snapshot (one REPEATABLE READ transaction) of every table of the `public` schema,
 * streamed with COPY into one gzip file, with the migrations it was taken at and each
 * table's row count. It works the same for the embedded database (PostgreSQL 18, for which
 * no pg_dump is usually installed) and for any DATABASE_URL.
 *
 * Restore re-creates the schema at the backup's migrations, loads every table (foreign
 * keys are dropped for the load and re-created after, so no superuser is needed and
 * cycles such as users ↔ teams load), checks each table's row count, resets sequences,
 * then applies the migrations this code has beyond the backup's (restoring an older
 * backup upgrades it). Queued jobs (graphile_worker) are not kept: the worker re-creates
 * its schema, and the schedules and first-start fill queue what is due.
 *
 * File layout (inside gzip): a magic line, a JSON header line, then per table a
 * `\table <name>` line, the COPY text rows, and a `\.` line.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';
import zlib from 'node:zlib';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { applyMigrations, migrationsDir, readMigrations } from '../db/migrate.ts';

const MAGIC = 'EMERALD-BACKUP 1';

export interface BackupHeader {
  createdAt: string;
  emeraldVersion: string;
  postgres: string;
  migrations: string[];
  tables: { name: string; columns: string[]; rows: number }[];
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Tables of `public` with their stored (not generated, not dropped) columns, in name order. */
async function tablesOf(client: pg.ClientBase): Promise<{ name: string; columns: string[] }[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
     GROUP BY c.relname ORDER BY c.relname`,
  );
  return rows;
}

/** Write a backup of the database at `url` to `file`. */
export async function backupDatabase(url: string, file: string, emeraldVersion: string): Promise<BackupHeader> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tmp = `${file}.partial`;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = (
      await client.query<{ name: string }>(
        `SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      )
    ).rows.map((r) => r.name);
    const tables = await tablesOf(client);
    const counts = new Map<string, number>();
    for (const t of tables)
      counts.set(t.name, Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(t.name)}`)).rows[0]!.n));
    const header: BackupHeader = {
      createdAt: new Date().toISOString(),
      emeraldVersion,
      postgres: (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v,
      migrations,
      tables: tables.map((t) => ({ ...t, rows: counts.get(t.name)! })),
    };
    const gzip = zlib.createGzip({ level: 6 });
    const out = fs.createWriteStream(tmp, { mode: 0o600 });
    const written = pipeline(gzip, out);
    const write = async (chunk: string | Buffer): Promise<void> => {
      if (!gzip.write(chunk)) await once(gzip, 'drain');
    };
    await write(`${MAGIC}\n${JSON.stringify(header)}\n`);
    for (const t of tables) {
      await write(`\\table ${t.name}\n`);
      const rows = client.query(copyTo(`COPY ${quote(t.name)} (${t.columns.map(quote).join(', ')}) TO STDOUT`));
      for await (const chunk of rows) await write(chunk as Buffer);
      await write('\\.\n');
    }
    gzip.end();
    await written;
    await client.query('COMMIT');
    fs.renameSync(tmp, file);
    return header;
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  } finally {
    await client.end();
  }
}

/** The header of a backup file, or an error saying why it is not one. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const it = lines[Symbol.asyncIterator]();
  try {
    const magic = await it.next();
    if (magic.value !== MAGIC) throw new Error(`${file} is not an Emerald backup`);
    const header = await it.next();
    return JSON.parse(String(header.value)) as BackupHeader;
  } catch (error) {
    if ((error as { code?: string }).code === 'Z_DATA_ERROR') throw new Error(`${file} is not an Emerald backup`);
    throw error;
  } finally {
    lines.close();
  }
}

/** Apply only `names` of the shipped migrations (a backup's), via a temporary folder. */
async function applyMigrationSubset(url: string, names: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-migrations-'));
  try {
    fs.copyFileSync(path.join(migrationsDir, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
    for (const name of names) fs.cpSync(path.join(migrationsDir, name), path.join(dir, name), { recursive: true });
    await applyMigrations(url, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  header: BackupHeader;
  /** Migrations applied after the load (the backup was older than this code). */
  upgraded: number;
}

/**
 * Replace the database at `url` with the backup in `file`. Everything in the `public`
 * and `graphile_worker` schemas is dropped first.
 */
export async function restoreDatabase(url: string, file: string): Promise<RestoreResult> {
  const header = await readBackupHeader(file);
  const shipped = readMigrations().migrationDirectories.map((m) => m.path);
  const unknown = header.migrations.filter((m) => !shipped.includes(m));
  if (unknown.length)
    throw new Error(`the backup is from a newer Emerald (migration ${unknown.at(-1)} is unknown here): restore it with that version`);
  if (header.migrations.some((m, i) => m !== shipped[i]))
    throw new Error('the backup’s migrations are not a prefix of this code’s: restore it with the version that took it');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS graphile_worker CASCADE');
    await client.query('DROP SCHEMA public CASCADE');
    await client.query('CREATE SCHEMA public');
    await applyMigrationSubset(url, header.migrations);

    await client.query('BEGIN');
    // Derived tables (map_points) are loaded as backed up, not recomputed row by row by their triggers.
    await client.query(`SET LOCAL emerald.restoring = 'on'`);
    // Foreign keys off for the load (no superuser needed), back on after: re-adding them checks every row.
    const fks = (
      await client.query<{ table: string; name: string; def: string }>(
        `SELECT t.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE c.contype = 'f' AND n.nspname = 'public'`,
      )
    ).rows;
    for (const fk of fks) await client.query(`ALTER TABLE ${quote(fk.table)} DROP CONSTRAINT ${quote(fk.name)}`);
    // What the migrations inserted (the default catalogue) is in the backup too, as it was then.
    const present = await tablesOf(client);
    if (present.length) await client.query(`TRUNCATE ${present.map((t) => quote(t.name)).join(', ')}`);

    const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
    const it = lines[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    const byName = new Map(header.tables.map((t) => [t.name, t]));
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      const m = /^\\table (\S+)$/.exec(next.value);
      if (!m) throw new Error(`the backup is damaged near "${next.value.slice(0, 40)}"`);
      const table = byName.get(m[1]!);
      if (!table) throw new Error(`the backup has rows for ${m[1]} that its header does not list`);
      const sink = client.query(copyFrom(`COPY ${quote(table.name)} (${table.columns.map(quote).join(', ')}) FROM STDIN`));
      const rows = Readable.from(
        (async function* () {
          for (;;) {
            const row = await it.next();
            if (row.done) throw new Error(`the backup ends inside table ${table.name}`);
            if (row.value === '\\.') return;
            yield `${row.value}\n`;
          }
        })(),
      );
      await pipeline(rows, sink as unknown as Writable);
      const n = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(table.name)}`)).rows[0]!.n);
      if (n !== table.rows) throw new Error(`table ${table.name}: ${n} rows loaded, the backup has ${table.rows}`);
    }
    lines.close();
    for (const fk of fks) await client.query(`ALTER TABLE ${quote(fk.table)} ADD CONSTRAINT ${quote(fk.name)} ${fk.def}`);
    // Sequences continue after the highest id restored.
    const sequences = (
      await client.query<{ table: string; column: string; seq: string }>(
        `SELECT t.relname AS table, a.attname AS column, pg_get_serial_sequence(quote_ident(t.relname), a.attname) AS seq
         FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = 'public' AND t.relkind = 'r' AND pg_get_serial_sequence(quote_ident(t.relname), a.attname) IS NOT NULL`,
      )
    ).rows;
    for (const s of sequences) {
      await client.query(`SELECT setval($1, COALESCE((SELECT max(${quote(s.column)}) FROM ${quote(s.table)}), 0) + 1, false)`, [s.seq]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  const upgraded = shipped.length - header.migrations.length;
  if (upgraded) await applyMigrations(url);
  return { header, upgraded };
}
