// Broker logging with pino: readable lines on a terminal (pino-pretty), JSON lines
// otherwise (for log collectors: `| npx pino-pretty` makes them readable).
import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../api/handler.js';

export function createLogger(options: { level?: string; json?: boolean } = {}): Logger & { pino: Pino } {
  const level = options.level ?? process.env.STROM_LOG_LEVEL ?? 'info';
  const json = options.json ?? !process.stdout.isTTY;
  const log = json
    ? pino({ level, base: undefined }, pino.destination({ dest: 1, sync: true }))
    : pino({ level, base: undefined }, pretty({ colorize: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  return {
    pino: log,
    info: (msg) => log.info(msg),
    warn: (msg) => log.warn(msg),
    error: (msg) => log.error(msg),
    debug: (msg) => log.debug(msg),
  };
}
