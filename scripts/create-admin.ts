/**
 * `npm run user:create-admin -- <username> [--name "Full Name"] [--email a@b]`
 * Creates an admin (or promotes and reactivates an existing user). The password comes
 * from EMERALD_ADMIN_PASSWORD or is asked for on the terminal. This is how a production
 * install gets its first user; demo users exist only in demo mode.
 */
import readline from 'node:readline';
import { checkPasswordRules, hashPassword } from '../server/src/auth/password.ts';
import { loadConfig } from '../server/src/config.ts';
import { createDb } from '../server/src/db/client.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { applyMigrations } from '../server/src/db/migrate.ts';
import { runCli } from './cli.ts';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('set EMERALD_ADMIN_PASSWORD or run this in a terminal to type the password');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const ask = (q: string): Promise<string> =>
    new Promise((resolve) => {
      process.stdout.write(q);
      const onData = (): void => {
        readline.moveCursor(process.stdout, -1000, 0);
        readline.clearLine(process.stdout, 1);
        process.stdout.write(q);
      };
      process.stdin.on('data', onData);
      rl.question('', (a) => {
        process.stdin.off('data', onData);
        process.stdout.write('\n');
        resolve(a);
      });
    });
  try {
    const first = await ask('Password: ');
    const second = await ask('Repeat password: ');
    if (first !== second) throw new Error('the passwords do not match');
    return first;
  } finally {
    rl.close();
  }
}

await runCli(async () => {
  const args = process.argv.slice(2);
  const username = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!username || !/^[a-z0-9._-]{3,40}$/.test(username)) {
    throw new Error('usage: npm run user:create-admin -- <username: 3-40 of a-z 0-9 . _ -> [--name "Full Name"] [--email you@isp]');
  }
  const password = process.env.EMERALD_ADMIN_PASSWORD ?? (await askPassword());
  const problem = checkPasswordRules(password, username);
  if (problem) throw new Error(problem.message);

  const config = loadConfig();
  const database = await openDatabase(config, undefined, { attach: true });
  const db = createDb(database.url, { poolSize: 2 });
  try {
    await applyMigrations(database.url);
    const hash = await hashPassword(password);
    const res = await db.pool.query<{ id: number; created: boolean }>(
      `INSERT INTO users (username, name, email, role, password_hash, updated_at)
       VALUES ($1, $2, $3, 'ADMIN', $4, now())
       ON CONFLICT (username) DO UPDATE SET role = 'ADMIN', active = true, password_hash = EXCLUDED.password_hash,
         password_changed_at = now(), updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [username, option(args, 'name') ?? username, option(args, 'email') ?? null, hash],
    );
    const row = res.rows[0]!;
    await db.pool.query('DELETE FROM login_attempts WHERE username = $1', [username]);
    await db.pool.query(
      `INSERT INTO audit_entries (actor_label, action, entity_type, entity_id, after) VALUES ('cli', $1, 'User', $2, $3)`,
      [row.created ? 'user.create' : 'user.promote', String(row.id), JSON.stringify({ username, role: 'ADMIN' })],
    );
    console.log(`${row.created ? 'created' : 'updated'} admin user "${username}"`);
  } finally {
    await db.close();
    await database.stop();
  }
});
