// Kafka's on-disk layout: <log.dir>/<topic>-<partition>/<baseOffset, 20 digits>.log,
// .index and .timeindex beside it; checkpoint files and meta.properties in <log.dir>.
import { join } from 'node:path';

export const LOG_SUFFIX = '.log';
const INDEX_SUFFIX = '.index';
const TIME_INDEX_SUFFIX = '.timeindex';
/** A segment's aborted transactions (Kafka's TransactionIndex: the ABORT markers in the segment). */
const TXN_INDEX_SUFFIX = '.txnindex';
/** A producer state snapshot (Kafka's ProducerStateManager), named by the offset it holds the state at. */
const SNAPSHOT_SUFFIX = '.snapshot';
/** Suffix of segment files scheduled for deletion (Kafka renames before it deletes). */
export const DELETED_SUFFIX = '.deleted';
/** Suffix of a topic-partition directory scheduled for deletion. */
export const DELETE_DIR_SUFFIX = '-delete';
/** Suffix of a partition directory of another topic incarnation, moved aside at start (Kafka's stray logs). */
export const STRAY_DIR_SUFFIX = '-stray';
/** A partition directory's topic id (KIP-516), as Kafka's PartitionMetadataFile. */
export const PARTITION_METADATA_FILE = 'partition.metadata';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT = 'replication-offset-checkpoint';
/** Per partition, the offset up to which the log cleaner has compacted it. */
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
/** A segment's compacted copy being written; renamed over the segment once complete and synced. */
export const CLEANED_SUFFIX = '.cleaned';
/** Kafka's mark of a complete compacted segment waiting to replace others (Strom does not write it). */
export const SWAP_SUFFIX = '.swap';
/** A file being written, renamed over its name once complete: a leftover is a write a crash cut short. */
export const TMP_SUFFIX = '.tmp';
/** Present after a clean shutdown: the next start skips recovery (as Kafka's). */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const META_PROPERTIES = 'meta.properties';
/** Strom's record of topics: partition counts and config overrides. */
export const TOPICS_FILE = 'strom-topics.json';
/** Broker configs changed at runtime (AlterConfigs on the broker resource). */
export const BROKER_CONFIGS_FILE = 'strom-broker-configs.json';

export function offsetFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export interface SegmentPaths {
  log: string;
  index: string;
  timeIndex: string;
  txnIndex: string;
}

export function segmentPaths(dir: string, baseOffset: number): SegmentPaths {
  return {
    log: join(dir, offsetFileName(baseOffset, LOG_SUFFIX)),
    index: join(dir, offsetFileName(baseOffset, INDEX_SUFFIX)),
    timeIndex: join(dir, offsetFileName(baseOffset, TIME_INDEX_SUFFIX)),
    txnIndex: join(dir, offsetFileName(baseOffset, TXN_INDEX_SUFFIX)),
  };
}

/** The producer state snapshot at `offset` (taken when a segment based there rolled in, or at shutdown). */
export function snapshotPath(dir: string, offset: number): string {
  return join(dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
}

/** Offset of a producer state snapshot from its file name, or null if it is not one. */
export function parseSnapshotFileName(name: string): number | null {
  const m = /^(\d{20})\.snapshot$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** "<topic>-<n>" -> { topic, partition } (the topic itself may contain dashes). */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const m = /^(.+)-(\d+)$/.exec(name);
  return m ? { topic: m[1], partition: Number(m[2]) } : null;
}

/** Base offset from a segment file name, or null if it is not one. */
export function parseSegmentFileName(name: string): number | null {
  const m = /^(\d{20})\.log$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > 249) return `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `Topic name ${name} is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}
