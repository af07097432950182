/**
 * Structured logs (pino). JSON by default (for log collectors); human-readable lines when
 * writing to a terminal or when LOG_FORMAT=pretty. Timestamps are ISO 8601 in UTC
 * (`"time":"2026-11-29T18:04:05.123Z"`), whatever the machine's time zone. Every line
 * written while an HTTP request is handled carries its `requestId` (also sent back as the
 * X-Request-Id response header), whichever logger wrote it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

export type { Logger };

/** What the lines written inside a request carry (set by the HTTP server around each request). */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();

export function createLogger(
  level: string,
  options: { pretty?: boolean; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const pretty = !options.destination && (options.pretty ?? process.stdout.isTTY === true);
  return pino(
    {
      name: options.name ?? 'emerald',
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => logContext.getStore() ?? {},
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'secret',
          '*.secret',
          'authorization',
          'cookie',
          '*.authorization',
          '*.cookie',
        ],
        censor: '[redacted]',
      },
      ...(pretty
        ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name' } } }
        : {}),
    },
    ...(options.destination ? [options.destination] : []),
  );
}
