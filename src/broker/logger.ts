// Broker logging with pino: readable lines on a terminal (pino-pretty), JSON lines
// otherwise (for log collectors: `| npx pino-pretty` makes them readable).
import { createRequire } from 'node:module';
import { pino, type Logger as Pino } from 'pino';
import type { PrettyStream } from 'pino-pretty';
import type { Logger } from '../base/logger.js';

const require = createRequire(import.meta.url);

export function createLogger(options: { level?: string; json?: boolean } = {}): Logger & { pino: Pino } {
  const level = options.level ?? process.env.STROM_LOG_LEVEL ?? 'info';
  const json = options.json ?? !process.stdout.isTTY;
  // pino-pretty is loaded only for a terminal: it costs ~20 ms of startup.
  const pretty = (): PrettyStream => (require('pino-pretty') as (o: object) => PrettyStream)({
    colorize: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', sync: true,
  });
  const log = json ? pino({ level, base: undefined }, pino.destination({ dest: 1, sync: true })) : pino({ level, base: undefined }, pretty());
  return {
    pino: log,
    info: (msg) => log.info(msg),
    warn: (msg) => log.warn(msg),
    error: (msg) => log.error(msg),
    debug: (msg) => log.debug(msg),
  };
}
