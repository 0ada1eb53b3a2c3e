// The internal topic __consumer_offsets: where offset commits and group metadata are written
// (acknowledged once appended) and from which they are replayed at startup. Created on first
// use, as Kafka does, with offsets.topic.num.partitions partitions and cleanup.policy=compact
// so that only the latest record per key survives.
import { buildBatch, type Core } from '../core/index.js';
import { replayLog } from '../log/replay.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { AppendResult } from '../storage/append-pool.js';
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

/** A record batch's header, and the most a record adds besides its key and value (length, attributes and four varints). */
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 23;

/** Appends waiting for the end of this turn of the event loop, per partition of the topic. */
interface PendingAppend {
  records: OffsetsRecord[];
  /** At most what the records take in a batch. */
  bytes: number;
  resolve: (appended: AppendResult) => void;
  reject: (e: unknown) => void;
}

const estimate = (records: OffsetsRecord[]) => records.reduce((n, r) => n + r.key.length + (r.value?.length ?? 0) + RECORD_OVERHEAD_BYTES, 0);

export class OffsetsTopic {
  private creating: Promise<void> | null = null;
  private readonly pending = new Map<number, PendingAppend[]>();

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
   * Appends a group's records to its partition in one batch; resolves once they are in the
   * log and, in a cluster, on every replica of its ISR (Kafka's offsets.commit.required.acks
   * -1, within offsets.commit.timeout.ms). Failures are COORDINATOR_NOT_AVAILABLE (retriable)
   * as Kafka maps them for clients, NOT_COORDINATOR when this broker no longer leads the
   * group's partition, or INVALID_COMMIT_OFFSET_SIZE when the batch is too large for the topic.
   *
   * The appends to one partition asked in the same turn of the event loop (commits of many
   * groups and connections) are written as one batch, in the order asked, within
   * max.message.bytes: an append is a hand-off to the partition's append worker and back,
   * and one per commit held offset commits to a few thousand a second (bench:scale's groups).
   *
   * With `producer` (TxnOffsetCommit) the batch is the group's alone and transactional,
   * written under the producer's id and epoch: it opens or joins the producer's transaction on
   * the partition, and the partition refuses an older epoch (INVALID_PRODUCER_EPOCH, passed on).
   */
  async append(groupId: string, records: OffsetsRecord[], producer?: OffsetsProducer): Promise<void> {
    await this.ensure();
    const partition = this.partitionFor(groupId);
    const log = this.leaderLog(groupId, partition);
    const max = log.config.number('max.message.bytes');
    const tooLarge = (bytes: number) => new KafkaError(ErrorCode.INVALID_COMMIT_OFFSET_SIZE, `the commit of ${bytes} bytes exceeds max.message.bytes of ${OFFSETS_TOPIC}`);
    let appending: Promise<AppendResult>;
    if (producer) {
      // Kafka's GroupMetadataManager writes a transactional commit with sequence 0: the
      // partition checks a coordinator's epochs, not its sequences.
      const batch = this.batchOf(records, { transactional: true, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: 0 });
      if (batch.length > max) throw tooLarge(batch.length);
      appending = log.append(batch, false);
    } else {
      let bytes = estimate(records) + BATCH_OVERHEAD_BYTES;
      if (bytes > max) {
        // Near the limit the estimate says too much: the batch alone tells.
        bytes = this.batchOf(records).length;
        if (bytes > max) throw tooLarge(bytes);
      }
      appending = new Promise((resolve, reject) => {
        let queue = this.pending.get(partition);
        if (!queue) {
          this.pending.set(partition, (queue = []));
          setImmediate(() => this.flush(partition));
        }
        queue.push({ records, bytes, resolve, reject });
      });
    }
    try {
      const appended = await appending;
      await this.cluster.awaitReplicated(log, appended.lastOffset + 1, this.config.int('offsets.commit.timeout.ms'));
    } catch (e) {
      if (producer && e instanceof KafkaError && (e.code === ErrorCode.INVALID_PRODUCER_EPOCH || e.code === ErrorCode.INVALID_TXN_STATE)) throw e;
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is no longer the coordinator of group ${groupId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot write to ${OFFSETS_TOPIC}: ${(e as Error).message}`);
    }
  }

  /** The group's partition's log, led here (else NOT_COORDINATOR, or COORDINATOR_NOT_AVAILABLE). */
  private leaderLog(groupId: string, partition: number): PartitionLog {
    try {
      return this.cluster.leaderLog(OFFSETS_TOPIC, partition);
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this broker is not the coordinator of group ${groupId}`);
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is not available`);
    }
  }

  /** Writes the appends queued for `partition`: as few batches as max.message.bytes allows. */
  private flush(partition: number): void {
    const queue = this.pending.get(partition)!;
    this.pending.delete(partition);
    let log: PartitionLog;
    try {
      log = this.cluster.leaderLog(OFFSETS_TOPIC, partition); // still led here
    } catch (e) {
      for (const p of queue) p.reject(e);
      return;
    }
    const max = log.config.number('max.message.bytes');
    for (let i = 0; i < queue.length;) {
      let bytes = BATCH_OVERHEAD_BYTES;
      let end = i;
      while (end < queue.length && (end === i || bytes + queue[end].bytes - BATCH_OVERHEAD_BYTES <= max)) bytes += queue[end++].bytes - BATCH_OVERHEAD_BYTES;
      const part = queue.slice(i, end);
      i = end;
      log.append(this.batchOf(part.flatMap((p) => p.records))).then(
        (appended) => { for (const p of part) p.resolve(appended); },
        (e: unknown) => { for (const p of part) p.reject(e); },
      );
    }
  }

  private batchOf(records: OffsetsRecord[], txn: Parameters<typeof buildBatch>[2] = {}): Uint8Array {
    const now = Date.now();
    return buildBatch(this.core, records.map((r) => ({ key: r.key, value: r.value, timestamp: now })), txn);
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
