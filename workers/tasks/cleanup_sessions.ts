/** Deletes expired sign-in sessions (hourly). */
import { z } from 'zod';
import { defineTask } from '../task.ts';

export const cleanupSessions = defineTask({
  identifier: 'cleanup_sessions',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    const res = await services.db.pool.query('DELETE FROM user_sessions WHERE expires_at < now()');
    if (res.rowCount) services.log.info({ deleted: res.rowCount }, 'expired sessions deleted');
  },
});
