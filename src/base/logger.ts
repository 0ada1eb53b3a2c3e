// What every layer logs through: the broker's pino logger (broker/logger.ts) implements it;
// tests pass a collector. Only the levels a caller uses are required.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}
