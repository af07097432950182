/**
 * Runs Graphile Worker inside an Emerald process. Several processes on one database
 * cooperate: jobs are locked in PostgreSQL (SKIP LOCKED), cron runs once per schedule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type Runner, type TaskList, Logger, type LogLevel } from 'graphile-worker';
import type { Services } from '../server/src/graphql/context.ts';
import { toGraphileTask } from './task.ts';
import { tasks } from './taskList.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunningWorker {
  runner: Runner;
  stop(): Promise<void>;
}

export function readCrontab(): string {
  return fs.readFileSync(path.join(here, 'crontab'), 'utf8');
}

export async function startWorker(services: Services, options: { crontab?: string; concurrency?: number; pollInterval?: number } = {}): Promise<RunningWorker> {
  const taskList: TaskList = Object.fromEntries(tasks.map((t) => [t.identifier, toGraphileTask(t, services)]));
  const log = services.log.child({ component: 'worker' });
  const logger = new Logger(() => (level: LogLevel, message: string, meta?: unknown) => {
    const fn = level === 'error' ? log.error : level === 'warning' ? log.warn : level === 'debug' ? log.debug : log.info;
    fn.call(log, meta ?? {}, message);
  });
  const runner = await run({
    pgPool: services.db.pool,
    concurrency: options.concurrency ?? services.config.worker.concurrency,
    noHandleSignals: true,
    pollInterval: options.pollInterval ?? 2000,
    taskList,
    crontab: options.crontab ?? readCrontab(),
    logger,
  });
  let stopped: Promise<void> | undefined;
  return {
    runner,
    stop: () => {
      stopped ??= runner.stop();
      return stopped;
    },
  };
}
