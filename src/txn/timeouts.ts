// The transaction coordinator's periodic work, as Kafka schedules it: aborting transactions
// open longer than their timeout (every transaction.abort.timed.out.transaction.cleanup.interval.ms)
// and removing transactional ids idle past transactional.id.expiration.ms (every
// transaction.remove.expired.transaction.cleanup.interval.ms). A round still running when
// the next is due is not started twice.
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../base/logger.js';
import type { TransactionCoordinator } from './coordinator.js';

/** setInterval's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TxnTimers {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly coordinator: TransactionCoordinator, private readonly config: BrokerConfig, private readonly logger: Logger) {}

  start(): void {
    this.every('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'aborting timed-out transactions', (now) => this.coordinator.abortTimedOut(now));
    this.every('transaction.remove.expired.transaction.cleanup.interval.ms', 'expiring transactional ids', (now) => this.coordinator.expireTransactionalIds(now));
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  private every(key: 'transaction.abort.timed.out.transaction.cleanup.interval.ms' | 'transaction.remove.expired.transaction.cleanup.interval.ms', what: string, run: (now: number) => Promise<number>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      run(Date.now())
        .catch((e) => this.logger.warn(`${what} failed: ${(e as Error).message}`))
        .finally(() => { running = false; });
    }, Math.min(this.config.int(key), MAX_TIMER_MS));
    timer.unref();
    this.timers.push(timer);
  }
}
