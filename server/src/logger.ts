/**
 * Structured logs (pino). JSON by default (for log collectors); human-readable lines when
 * writing to a terminal or when LOG_FORMAT=pretty.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, options: { pretty?: boolean; name?: string } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    name: options.name ?? 'emerald',
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization', 'cookie', '*.authorization', '*.cookie'],
      censor: '[redacted]',
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name' } } }
      : {}),
  });
}
