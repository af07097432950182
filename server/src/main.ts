/**
 * `npm start`: Emerald on one machine. Prints the URL (and the demo sign-ins in demo
 * mode), stops cleanly on SIGINT/SIGTERM, and exits non-zero with a one-line message
 * when it cannot start.
 */
import { boot, DEMO_PASSWORD, type Emerald } from './boot.ts';
import { loadConfig, loadDotEnv, type Config } from './config.ts';
import { StartupError, errorMessage } from './startupError.ts';
import { createLogger } from './logger.ts';

async function main(): Promise<void> {
  // A parent that went away (closed pipe) must not turn a log line into a crash or a hang.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel, { pretty: config.logPretty });
  let emerald: Emerald;
  try {
    emerald = await boot(config, log);
  } catch (error) {
    if (!(error instanceof StartupError)) log.error({ err: error }, 'startup failed');
    console.error(`error: ${errorMessage(error)}`);
    process.exit(1);
  }

  if (emerald.url) {
    const lines = [``, `  Emerald is running at ${emerald.url}`, `  GraphiQL:            ${emerald.url}/graphql`];
    if (emerald.demoUsers) {
      lines.push(``, `  Demo mode (simulated ISP). Sign in as:`);
      for (const u of emerald.demoUsers) lines.push(`    ${u.username.padEnd(10)} ${DEMO_PASSWORD.padEnd(14)} (${u.role.toLowerCase()})`);
    }
    lines.push(``, `  Stop with Ctrl-C.`, ``);
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      try {
        console.error('error: shutdown took longer than 30 s; exiting');
      } finally {
        process.exit(1);
      }
    }, 30_000);
    force.unref();
    emerald.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
