/** Every task the worker runs. One file per task in ./tasks, named after its identifier. */
import type { TaskDefinition } from './task.ts';
import { cleanupSessions } from './tasks/cleanup_sessions.ts';

export const tasks: readonly TaskDefinition[] = [cleanupSessions];
