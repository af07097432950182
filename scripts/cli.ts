/** Shared wrapper for command-line scripts: one-line errors and a non-zero exit. */
import { loadDotEnv } from '../server/src/config.ts';
import { StartupError, errorMessage } from '../server/src/startupError.ts';

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    loadDotEnv();
    await main();
    process.exitCode = process.exitCode ?? 0;
  } catch (error) {
    const message = error instanceof StartupError ? error.message : errorMessage(error);
    console.error(`error: ${message}`);
    process.exitCode = 1;
  }
}
