// The partitions of a coordinator's internal topic (__consumer_offsets, __transaction_state)
// as leadership moves, for the group and the transaction coordinators alike: the state of a
// partition this broker starts leading is loaded (COORDINATOR_LOAD_IN_PROGRESS meanwhile),
// that of one it stops leading dropped, as Kafka's coordinators move with their partitions.
// Loads and drops run one after another, in the order the leaderships changed.
import { ErrorCode } from '../protocol/errors.js';
import type { ClusterView } from './cluster-view.js';
import type { Logger } from '../base/logger.js';

interface Handlers {
  /** Drops what is known of the partition's keys (before every load, and when it moves away). */
  unload(partition: number): void;
  /** Loads the partition's state, this broker leading it. */
  load(partition: number): Promise<void>;
}

export class CoordinatorPartitions {
  private readonly loading = new Set<number>();
  private moves: Promise<void> = Promise.resolve();

  constructor(private readonly cluster: ClusterView, private readonly topic: string, private readonly handlers: Handlers, private readonly logger: Logger) {}

  /** Follows the topic's leaderships from now on, after `initial` (the start's own load). */
  follow(initial: Promise<unknown>): void {
    this.moves = initial.then(() => undefined, () => undefined);
    this.cluster.onLeaderChange((topic, partition, leading) => {
      if (topic === this.topic) this.moved(partition, leading);
    });
  }

  /** NONE (led here, loaded), COORDINATOR_LOAD_IN_PROGRESS, or NOT_COORDINATOR (led elsewhere). */
  error(partition: number): number {
    if (this.loading.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return this.cluster.leads(this.topic, partition) ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR;
  }

  private moved(partition: number, leading: boolean): void {
    if (leading) this.loading.add(partition);
    this.moves = this.moves.then(async () => {
      this.handlers.unload(partition);
      if (leading && this.cluster.leads(this.topic, partition)) await this.handlers.load(partition);
    }).catch((e) => {
      this.logger.error(`loading ${this.topic}-${partition} failed: ${(e as Error).message}`);
    }).finally(() => {
      if (leading) this.loading.delete(partition);
    });
  }
}
