// The internal topic __transaction_state: where the transaction coordinator writes each
// transactional id's state before acting on it, and from which it rebuilds its state at
// becoming the leader of a partition. Created on first use, as Kafka does, with
// transaction.state.log.num.partitions partitions, transaction.state.log.replication.factor
// replicas (fewer when fewer brokers are alive), min.insync.replicas
// transaction.state.log.min.isr, cleanup.policy=compact (the latest state per id survives)
// and no compression (Kafka's TransactionLog enforces it). Writes go to the partition's
// leader log and wait for its ISR (Kafka writes transaction state with acks=all).
import { buildBatch, type Core } from '../core/index.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import { replayLog } from '../log/replay.js';
import { coordinatorPartition } from '../base/coordinator-partition.js';
import { txnKey, txnValue, readTxnKey, readTxnValue } from './records.js';
import type { TxnSnapshot } from './state.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export class TxnStateTopic {
  private creating: Promise<void> | null = null;

  constructor(private readonly logs: LogManager, private readonly cluster: ClusterView, private readonly core: Core, private readonly config: BrokerConfig) {}

  get exists(): boolean {
    return this.cluster.topic(TRANSACTION_STATE_TOPIC) !== undefined;
  }

  /** The partition count: the topic's own once it exists (a changed setting does not move ids). */
  get partitions(): number {
    return this.cluster.topic(TRANSACTION_STATE_TOPIC)?.partitionCount ?? this.config.int('transaction.state.log.num.partitions');
  }

  partitionFor(transactionalId: string): number {
    return coordinatorPartition(transactionalId, this.partitions);
  }

  /** Creates the topic if it does not exist yet (first transactional FindCoordinator or InitProducerId). */
  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    const replicationFactor = this.config.int('transaction.state.log.replication.factor');
    // The topic gets at most as many replicas as brokers are alive: min.insync.replicas no more.
    const minIsr = Math.max(1, Math.min(this.config.int('transaction.state.log.min.isr'), replicationFactor, this.cluster.brokers().length));
    this.creating ??= this.cluster.createTopic({
      name: TRANSACTION_STATE_TOPIC,
      partitions: this.config.int('transaction.state.log.num.partitions'),
      replicationFactor,
      configs: {
        'min.insync.replicas': String(minIsr),
        'cleanup.policy': 'compact',
        'segment.bytes': String(this.config.int('transaction.state.log.segment.bytes')),
        'compression.type': 'uncompressed',
        'unclean.leader.election.enable': 'false',
      },
      internal: true,
    }).then(() => undefined).finally(() => { this.creating = null; });
    return this.creating;
  }

  /**
   * Writes a transactional id's state (null: a tombstone, the id expired); resolves once it
   * is in the log of the partition's leader (this broker) and of every replica of its ISR.
   * Failures as Kafka's TransactionStateManager maps them for clients: NOT_COORDINATOR when
   * this broker no longer leads the partition; COORDINATOR_NOT_AVAILABLE (retriable) when
   * too few replicas are in sync (NOT_ENOUGH_REPLICAS), the ISR did not follow in time, or
   * the log failed; UNKNOWN_SERVER_ERROR for a state too large for the topic.
   */
  async write(transactionalId: string, state: TxnSnapshot | null): Promise<void> {
    await this.ensure();
    let log: PartitionLog;
    try {
      log = this.cluster.leaderLog(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId));
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is not the coordinator of transactional id ${transactionalId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${TRANSACTION_STATE_TOPIC} is not available`);
    }
    const batch = buildBatch(this.core, [{ key: txnKey(transactionalId), value: state ? txnValue(state) : null, timestamp: Date.now() }]);
    if (batch.length > log.config.number('max.message.bytes')) {
      // Kafka answers a too-large transaction log record with UNKNOWN_SERVER_ERROR.
      throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `the state of ${transactionalId} (${batch.length} bytes) exceeds max.message.bytes of ${TRANSACTION_STATE_TOPIC}`);
    }
    try {
      this.cluster.checkInSync(log);
      const appended = await log.append(batch);
      await this.cluster.awaitReplicated(log, appended.lastOffset + 1, this.config.int('request.timeout.ms'));
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is no longer the coordinator of transactional id ${transactionalId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot write to ${TRANSACTION_STATE_TOPIC}: ${(e as Error).message}`);
    }
  }

  /**
   * Replays the partitions `which` picks (all: every one held here), oldest first: the latest
   * state of each transactional id (null for one tombstoned). Keys of unknown versions are
   * skipped, as Kafka's loader skips them. Returns the number of records.
   */
  async load(apply: (transactionalId: string, state: TxnSnapshot | null) => void, which: (partition: number) => boolean = () => true): Promise<number> {
    const topic = this.logs.topic(TRANSACTION_STATE_TOPIC);
    if (!topic) return 0;
    let count = 0;
    for (const [partition, log] of topic.partitions.entries()) {
      if (!which(partition)) continue;
      await replayLog(this.core, log, ({ header, records }) => {
        if (header.isControl) return;
        for (const r of records) {
          const id = r.key === null ? null : readTxnKey(r.key);
          if (id === null) continue;
          apply(id, r.value === null ? null : readTxnValue(r.value));
          count++;
        }
      });
    }
    return count;
  }
}
