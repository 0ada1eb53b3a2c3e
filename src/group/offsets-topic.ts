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
   * Appends a group's records to its partition in one batch; resolves once they are in the
   * log. Failures are COORDINATOR_NOT_AVAILABLE (retriable) as Kafka maps them for clients,
   * or INVALID_COMMIT_OFFSET_SIZE when the batch is too large for the topic.
   */
  async append(groupId: string, records: OffsetsRecord[]): Promise<void> {
    await this.ensure();
    const log = this.logs.partition(OFFSETS_TOPIC, this.partitionFor(groupId));
    if (!log) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} is not available`);
    const now = Date.now();
    const batch = buildBatch(this.core, records.map((r) => ({ key: r.key, value: r.value, timestamp: now })));
    if (batch.length > log.config.number('max.message.bytes')) {
      throw new KafkaError(ErrorCode.INVALID_COMMIT_OFFSET_SIZE, `the commit of ${batch.length} bytes exceeds max.message.bytes of ${OFFSETS_TOPIC}`);
    }
    try {
      await log.append(batch);
    } catch (e) {
      throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `cannot write to ${OFFSETS_TOPIC}: ${(e as Error).message}`);
    }
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
