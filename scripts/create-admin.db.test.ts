import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/db.ts';
import { verifyPassword } from '../server/src/auth/password.ts';

const root = path.resolve(import.meta.dirname, '..');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run user:create-admin', () => {
  it('creates the first admin with a hashed password and an audit entry', async () => {
    const { url, db } = await createTestDatabase();
    const result = await run(['ana', '--name', 'Ana Admin'], { DATABASE_URL: url, EMERALD_ADMIN_PASSWORD: 'correct horse battery' });
    expect(result).toMatchObject({ code: 0, stdout: 'created admin user "ana"\n' });
    const user = (await db.pool.query('SELECT username, name, role::text, password_hash FROM users')).rows[0];
    expect(user).toMatchObject({ username: 'ana', name: 'Ana Admin', role: 'ADMIN' });
    expect(user.password_hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', user.password_hash)).toBe(true);
    expect((await db.pool.query(`SELECT action FROM audit_entries`)).rows).toEqual([{ action: 'user.create' }]);
  });

  it('refuses a weak password and changes nothing', async () => {
    const { url, db } = await createTestDatabase();
    const result = await run(['ana'], { DATABASE_URL: url, EMERALD_ADMIN_PASSWORD: 'short' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Password must have at least 10 characters\n');
    expect((await db.pool.query('SELECT count(*)::int AS n FROM users')).rows[0]).toEqual({ n: 0 });
  });
});
