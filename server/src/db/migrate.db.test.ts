import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/db.ts';
import { StartupError } from '../startupError.ts';
import { applyMigrations, diffDatabaseToSchema, migrationStatus, migrationsDir, readMigrations, readSchema } from './migrate.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

function copyMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emerald-migrations-'));
  fs.cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

describe('migrations', () => {
  it('apply on an empty database, then are idempotent', async () => {
    const { url } = await createEmptyDatabase();
    const committed = readMigrations().migrationDirectories.map((m) => m.path);
    expect(committed.length).toBeGreaterThan(0);

    expect(await applyMigrations(url)).toEqual(committed);
    expect(await applyMigrations(url)).toEqual([]);

    const status = await migrationStatus(url);
    expect(status).toEqual({ applied: committed, pending: [], unknown: [], failed: [] });
    const tables = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables[0]!.n).toBeGreaterThan(30);
    // The hand-written parts exist: extensions and the search trigger.
    const ext = await query<{ extname: string }>(url, `SELECT extname FROM pg_extension ORDER BY extname`);
    expect(ext.map((e) => e.extname)).toEqual(expect.arrayContaining(['pg_trgm', 'unaccent']));
    await query(url, `INSERT INTO customers (external_id, name, doc_number, raw) VALUES ('1', 'José Ñúñez', '20-30111222-3', '{}')`);
    const rows = await query<{ search_text: string }>(url, 'SELECT search_text FROM customers');
    expect(rows[0]!.search_text).toBe('jose nunez 20-30111222-3');
  });

  it('match prisma/schema.prisma exactly (no drift)', async () => {
    const { url } = await createEmptyDatabase();
    await applyMigrations(url);
    expect(await diffDatabaseToSchema(url)).toBe('');
  });

  it('detect drift when a model changes without a migration', async () => {
    const { url } = await createEmptyDatabase();
    await applyMigrations(url);
    const changed = readSchema().replace(/model Plan \{\n/, 'model Plan {\n  priceCents  Int?  @map("price_cents")\n');
    expect(changed).not.toBe(readSchema());
    const diff = await diffDatabaseToSchema(url, changed);
    expect(diff).toContain('ALTER TABLE "plans" ADD COLUMN     "price_cents" INTEGER');

    // And a removed index is drift too.
    const withoutIndex = readSchema().replace('  @@index([docNumber])\n', '');
    expect(await diffDatabaseToSchema(url, withoutIndex)).toContain('DROP INDEX "customers_doc_number_idx"');
  });

  it('refuse a database that is newer than the code', async () => {
    const { url } = await createEmptyDatabase();
    await applyMigrations(url);
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ('x', 'x', '29990101000000_from_the_future', now(), now(), 1)`,
    );
    const error = await applyMigrations(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).code).toBe('DB_NEWER_THAN_CODE');
    expect((error as StartupError).message).toMatch(/newer than this Emerald.*29990101000000_from_the_future/);
  });

  it('apply a failing migration atomically and refuse to go on until it is resolved', async () => {
    const { url } = await createEmptyDatabase();
    const dir = copyMigrations();
    try {
      fs.mkdirSync(path.join(dir, '29990101000000_broken'));
      fs.writeFileSync(
        path.join(dir, '29990101000000_broken', 'migration.sql'),
        'CREATE TABLE half_done (id int);\nSELECT * FROM table_that_does_not_exist;\n',
      );
      const error = await applyMigrations(url, dir).catch((e: unknown) => e);
      expect((error as StartupError).code).toBe('DB_MIGRATION_FAILED');
      // Nothing of the broken migration stayed behind.
      const half = await query<{ t: string | null }>(url, `SELECT to_regclass('public.half_done')::text AS t`);
      expect(half[0]!.t).toBeNull();
      const again = await applyMigrations(url, dir).catch((e: unknown) => e);
      expect((again as StartupError).code).toBe('DB_MIGRATION_FAILED');
      expect((again as StartupError).message).toMatch(/29990101000000_broken failed earlier/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
