// The internal topic __consumer_offsets: where offset commits and group metadata are written
// (acknowledged once appended) and from which they are replayed at startup. Created on first
// use, as Kafka does, with offsets.topic.num.partitions partitions and cleanup.policy=compact
// so that only the latest record per key survives.
import { buildBatch, decodeBatches, type Core } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import { partitionFor } from './records.js';

const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsRecord {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
}

/** Bytes read per step while replaying. */
const LOAD_CHUNK = 1 << 20;
/** A record batch's header, and the most a record adds besides its key and value (length, attributes and four varints). */
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 23;

/** Appends waiting for the end of this turn of the event loop, per partition of the topic. */
interface PendingAppend {
  records: OffsetsRecord[];
  /** At most what the records take in a batch. */
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
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
   * log. Failures are COORDINATOR_NOT_AVAILABLE (retriable) as Kafka maps them for clients,
   * or INVALID_COMMIT_OFFSET_SIZE when the batch is too large for the topic.
   *
   * The appends to one partition asked in the same turn of the event loop (commits of many
   * groups and connections) are written as one batch, in the order asked, within
   * max.message.bytes: an append is a hand-off to the partition's append worker and back,
   * and one per commit held offset commits to a few thousand a second (bench:scale's groups).
   */
  async append(groupId: string, records: OffsetsRecord[]): Promise<void> {
    await this.ensure();
    const partition = this.partitionFor(groupId);
    const log = this.logs.partition(OFFSETS_TOPIC, partition);
    if (!log) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is not available`);
    let bytes = estimate(records) + BATCH_OVERHEAD_BYTES;
    const max = log.config.number('max.message.bytes');
    if (bytes > max) {
      // Near the limit the estimate says too much: the batch alone tells.
      bytes = this.batchOf(records).length;
      if (bytes > max) throw new KafkaError(ErrorCode.INVALID_COMMIT_OFFSET_SIZE, `the commit of ${bytes} bytes exceeds max.message.bytes of ${OFFSETS_TOPIC}`);
    }
    return new Promise((resolve, reject) => {
      let queue = this.pending.get(partition);
      if (!queue) {
        this.pending.set(partition, (queue = []));
        setImmediate(() => this.flush(partition));
      }
      queue.push({ records, bytes, resolve, reject });
    });
  }

  /** Writes the appends queued for `partition`: as few batches as max.message.bytes allows. */
  private flush(partition: number): void {
    const queue = this.pending.get(partition)!;
    this.pending.delete(partition);
    const log = this.logs.partition(OFFSETS_TOPIC, partition);
    const max = log?.config.number('max.message.bytes') ?? 0;
    for (let i = 0; i < queue.length;) {
      let bytes = BATCH_OVERHEAD_BYTES;
      let end = i;
      while (end < queue.length && (end === i || bytes + queue[end].bytes - BATCH_OVERHEAD_BYTES <= max)) bytes += queue[end++].bytes - BATCH_OVERHEAD_BYTES;
      const part = queue.slice(i, end);
      i = end;
      const done = log ? log.append(this.batchOf(part.flatMap((p) => p.records))) : Promise.reject(new Error('the partition is gone'));
      done.then(
        () => { for (const p of part) p.resolve(); },
        (e: Error) => {
          const error = new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot write to ${OFFSETS_TOPIC}: ${e.message}`);
          for (const p of part) p.reject(error);
        },
      );
    }
  }

  private batchOf(records: OffsetsRecord[]): Uint8Array {
    const now = Date.now();
    return buildBatch(this.core, records.map((r) => ({ key: r.key, value: r.value, timestamp: now })));
  }

  /** Replays every record of every partition, oldest first. Returns the number of records. */
  async load(apply: (key: Uint8Array, value: Uint8Array | null, timestamp: number) => void): Promise<number> {
    const topic = this.logs.topic(OFFSETS_TOPIC);
    if (!topic) return 0;
    await initCompression(); // the batches may be compressed (compression.type of the topic)
    let count = 0;
    for (const log of topic.partitions.values()) {
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const chunk = await log.read(offset, LOAD_CHUNK, true);
        try {
          if (chunk.records.length === 0) break;
          for (const batch of decodeBatches(this.core, chunk.records, codecs)) {
            for (const record of batch.records) {
              if (record.key !== null && record.offset >= offset) {
                apply(record.key, record.value, record.timestamp);
                count++;
              }
            }
            offset = batch.header.lastOffset + 1;
          }
        } finally {
          chunk.release();
        }
      }
    }
    return count;
  }
}
