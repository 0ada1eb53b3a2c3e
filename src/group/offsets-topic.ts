// The internal topic __consumer_offsets: where offset commits and group metadata are written
// (acknowledged once appended) and from which they are replayed at startup. Created on first
// use, as Kafka does, with offsets.topic.num.partitions partitions and cleanup.policy=compact
// so that only the latest record per key survives.
import { buildBatch, type Core } from '../core/index.js';
import { replayLog } from '../log/replay.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import { partitionFor } from './records.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsRecord {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
}

/** The producer of a transactional offset commit (TxnOffsetCommit). */
export interface OffsetsProducer {
  producerId: number;
  producerEpoch: number;
}

/** What load() hands over of each record: its offset in the partition, and its producer if transactional (-1 if not). */
interface LoadedRecord {
  key: Uint8Array;
  value: Uint8Array | null;
  timestamp: number;
  partition: number;
  offset: number;
  txnProducerId: number;
}

/** A transaction marker met while loading (COMMIT or ABORT of a producer's transactional commits). */
type LoadedMarker = { partition: number; producerId: number; commit: boolean };

/** A control record's key: int16 version, int16 type (0 ABORT, 1 COMMIT). */
const CONTROL_TYPE_AT = 2;

export class OffsetsTopic {
  private creating: Promise<void> | null = null;

  constructor(private readonly logs: LogManager, private readonly cluster: ClusterView, private readonly core: Core, private readonly config: BrokerConfig) {}

  get exists(): boolean {
    return this.cluster.topic(OFFSETS_TOPIC) !== undefined;
  }

  /** The partition count: the topic's own once it exists (a changed setting does not move groups). */
  get partitions(): number {
    return this.cluster.topic(OFFSETS_TOPIC)?.partitionCount ?? this.config.int('offsets.topic.num.partitions');
  }

  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.partitions);
  }

  /** Creates the topic if it does not exist yet (first FindCoordinator or group request). */
  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    this.creating ??= this.cluster.createTopic({
      name: OFFSETS_TOPIC,
      partitions: this.config.int('offsets.topic.num.partitions'),
      replicationFactor: this.config.int('offsets.topic.replication.factor'),
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': String(this.config.int('offsets.topic.segment.bytes')),
        'compression.type': 'producer',
      },
      internal: true,
    }).then(() => undefined).finally(() => { this.creating = null; });
    return this.creating;
  }

  /**
   * Appends a group's records to its partition in one batch; resolves with the batch's base
   * offset once they are in the log and, in a cluster, on every replica of its ISR (Kafka's
   * offsets.commit.required.acks -1, within offsets.commit.timeout.ms). Failures are
   * COORDINATOR_NOT_AVAILABLE (retriable) as Kafka maps them for clients, NOT_COORDINATOR when
   * this broker no longer leads the group's partition, or INVALID_COMMIT_OFFSET_SIZE when the
   * batch is too large for the topic. With `producer` (TxnOffsetCommit) the batch is
   * transactional, written under the producer's id and epoch: it opens or joins the producer's
   * transaction on the partition, and the partition refuses an older epoch
   * (INVALID_PRODUCER_EPOCH, passed on).
   */
  async append(groupId: string, records: OffsetsRecord[], producer?: OffsetsProducer): Promise<number> {
    await this.ensure();
    let log: PartitionLog;
    try {
      log = this.cluster.leaderLog(OFFSETS_TOPIC, this.partitionFor(groupId));
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is not the coordinator of group ${groupId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is not available`);
    }
    const now = Date.now();
    // Kafka's GroupMetadataManager writes a transactional commit with sequence 0: the
    // partition checks a coordinator's epochs, not its sequences.
    const txn = producer ? { transactional: true, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: 0 } : {};
    const batch = buildBatch(this.core, records.map((r) => ({ key: r.key, value: r.value, timestamp: now })), txn);
    if (batch.length > log.config.number('max.message.bytes')) {
      throw new KafkaError(ErrorCode.INVALID_COMMIT_OFFSET_SIZE, `the commit of ${batch.length} bytes exceeds max.message.bytes of ${OFFSETS_TOPIC}`);
    }
    try {
      const appended = await log.append(batch, !producer);
      await this.cluster.awaitReplicated(log, appended.lastOffset + 1, this.config.int('offsets.commit.timeout.ms'));
      return appended.baseOffset;
    } catch (e) {
      if (producer && e instanceof KafkaError && (e.code === ErrorCode.INVALID_PRODUCER_EPOCH || e.code === ErrorCode.INVALID_TXN_STATE)) throw e;
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is no longer the coordinator of group ${groupId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot write to ${OFFSETS_TOPIC}: ${(e as Error).message}`);
    }
  }

  /**
   * Replays every record of the partitions `which` picks (all: every one held here), oldest
   * first, and the transaction markers among them (`onMarker`). Returns the number of records.
   */
  async load(apply: (record: LoadedRecord) => void, onMarker: (marker: LoadedMarker) => void = () => {}, which: (partition: number) => boolean = () => true): Promise<number> {
    const topic = this.logs.topic(OFFSETS_TOPIC);
    if (!topic) return 0;
    let count = 0;
    for (const [partition, log] of topic.partitions.entries()) {
      if (!which(partition)) continue;
      await replayLog(this.core, log, ({ header, records }) => {
        if (header.isControl) {
          const key = records[0]?.key;
          if (key && key.length >= CONTROL_TYPE_AT + 2) {
            const type = (key[CONTROL_TYPE_AT] << 8) | key[CONTROL_TYPE_AT + 1];
            if (type <= 1) onMarker({ partition, producerId: header.producerId, commit: type === 1 });
          }
          return;
        }
        const txnProducerId = header.isTransactional ? header.producerId : -1;
        for (const r of records) {
          if (r.key === null) continue;
          apply({ key: r.key, value: r.value, timestamp: r.timestamp, partition, offset: r.offset, txnProducerId });
          count++;
        }
      });
    }
    return count;
  }
}
