// The broker's logs: topics, their partitions and configs, in one log directory. Loads and
// recovers everything at startup, creates and deletes topics and partitions, applies
// retention, compacts (log-cleaner.ts) and writes checkpoints in the background, and shuts
// down cleanly. Each topic has a topic id (KIP-516), kept in the topics file and in each
// partition directory's partition.metadata (partition-metadata.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, unlinkSync, readdirSync, truncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Core, RegionPool } from '../core/index.js';
import type { AppendPool } from '../storage/append-pool.js';
import { BrokerConfig, TopicConfig, ConfigError } from '../config/config.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { readCheckpoint, writeCheckpoint, writeCheckpointSync } from './checkpoint.js';
import {
  partitionDirName, parsePartitionDirName, topicNameError, RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT,
  HIGH_WATERMARK_CHECKPOINT, CLEAN_SHUTDOWN_FILE, META_PROPERTIES, TOPICS_FILE, DELETE_DIR_SUFFIX, BROKER_CONFIGS_FILE, TMP_SUFFIX, parseSnapshotFileName,
} from '../storage/layout.js';
import { PartitionLog } from './partition-log.js';
import { loadPartition } from './recovery.js';
import { loadProducerState, type ProducerLoad } from './producer-recovery.js';
import { LogCleaner, type CleanStats } from './log-cleaner.js';
import { LeaderEpochCache } from './leader-epochs.js';
import { IndexCache } from './index-cache.js';
import { readFiles } from './read-files.js';
import { writePartitionMetadata } from './partition-metadata.js';
import { startTopicIds, claimPartitionDir, unusedTopicId } from './topic-ids.js';
import type { Logger } from '../base/logger.js';
import { mapLimit } from '../base/concurrency.js';

export interface Topic {
  name: string;
  /** This broker's replicas of the topic's partitions, by partition index: all of them on one broker; in a cluster, those assigned to it. */
  partitions: Map<number, PartitionLog>;
  overrides: Record<string, string>;
  config: TopicConfig;
  internal: boolean;
  /** KIP-516 topic id (base64url UUID, as on the wire): new for every creation of a name, never reserved. */
  topicId: string;
}

export interface StartStats {
  topics: number;
  partitions: number;
  recoveredSegments: number;
  truncatedBytes: number;
  clean: boolean;
}

interface TopicsFile {
  version: 1;
  topics: Record<string, { partitions: number; configs: Record<string, string>; topicId?: string }>;
}

/** A filesystem failure as Kafka's KAFKA_STORAGE_ERROR (other errors pass through). */
function storageError(e: unknown, what: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof KafkaError || typeof code !== 'string') return e;
  return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${what}: ${code === 'ENOSPC' ? 'no space left on the log directory' : (e as Error).message}`);
}

const INDEX_CACHE_KEY = 'strom.index.cache.max.bytes';

/**
 * Partitions opened (or created) at once: each waits on its append worker's round trip, and a
 * new one on two fsyncs of its partition.metadata; overlapping them takes a start of 10,000
 * partitions from a minute to seconds (bench:scale). Within the files a start may hold open.
 */
const PARTITION_OPEN_CONCURRENCY = 64;

/** Kafka refuses new topics whose names collide once '.' and '_' are treated alike. */
const collisionKey = (name: string) => name.replace(/\./g, '_');

/** Checks a new topic against Kafka's rules and the topics that exist; throws KafkaError with Kafka's codes. */
export function checkNewTopic(name: string, partitions: number, configs: Record<string, string>, existing: Iterable<string>): void {
  const bad = topicNameError(name);
  if (bad) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
  const others = [...existing];
  if (others.includes(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  for (const other of others) {
    if (collisionKey(other) === collisionKey(name)) {
      throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${other}`);
    }
  }
  if (!Number.isInteger(partitions) || partitions < 1) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  try {
    TopicConfig.validate(configs);
  } catch (e) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, (e as Error).message);
  }
}

/** Deletions so far: part of a deleted directory's name. */
let deletions = 0;

export class LogManager {
  readonly dir: string;
  clusterId = '';
  readonly topics = new Map<string, Topic>();
  /** The same topics by topic id. */
  private readonly byId = new Map<string, Topic>();
  /** Topics whose partitions are being created: the name is taken, the topic not yet visible. */
  private readonly creating = new Set<string>();
  /** Partitions promised to creations under way, counted against strom.max.partitions. */
  private reservedPartitions = 0;
  /** The last change under way to each topic's partitions: changes to one topic run one at a time. */
  private readonly changing = new Map<string, Promise<unknown>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** start() completed: only then does shutdown() write checkpoints and the clean-shutdown mark. */
  private started = false;
  /** Started as a broker of a cluster: replicas have leader epochs and a replicated high watermark. */
  private clustered = false;
  private readonly cleaner: LogCleaner;
  /** The indexes of inactive segments in core memory (strom.index.cache.max.bytes). */
  readonly indexCache: IndexCache;

  constructor(
    readonly config: BrokerConfig,
    private readonly core: Core,
    private readonly regions: RegionPool,
    private readonly pool: AppendPool,
    private readonly logger: Logger,
  ) {
    this.dir = config.logDir;
    this.indexCache = new IndexCache(regions, config.int(INDEX_CACHE_KEY), (message) => logger.warn(message));
    readFiles.max = config.int('strom.max.open.read.files');
    this.cleaner = new LogCleaner(this.dir, config, core, () => [...this.topics.values()].flatMap((t) => [...t.partitions.values()]), logger);
  }

  /**
   * Loads and recovers the log directory. In a cluster (`clusterId`: etcd's), only the
   * partition directories present are loaded, and the cluster's metadata then says which to
   * keep (hostReplica, dropReplica); one broker alone loads every partition its topics file
   * names, re-creating lost directories empty.
   */
  async start(clusterId?: string): Promise<StartStats> {
    this.pool.onWarning = (message) => this.logger.warn(message);
    mkdirSync(this.dir, { recursive: true });
    // A directory without meta.properties is new: nothing in it needs recovery.
    const fresh = !existsSync(join(this.dir, META_PROPERTIES));
    this.clusterId = this.loadMeta(clusterId);
    this.loadBrokerConfigs();
    const cleanFile = join(this.dir, CLEAN_SHUTDOWN_FILE);
    const clean = fresh || existsSync(cleanFile);
    const recoveryPoints = readCheckpoint(join(this.dir, RECOVERY_POINT_CHECKPOINT));
    const startOffsets = readCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT));
    this.clustered = clusterId !== undefined;
    const highWatermarks = this.clustered ? readCheckpoint(join(this.dir, HIGH_WATERMARK_CHECKPOINT)) : new Map<string, number>();
    const known = this.readTopicsFile();
    // Directories are the truth for partitions; the topics file adds configs (and topics
    // whose directories were lost are re-created empty).
    const found = new Map<string, Set<number>>();
    const add = (topic: string, partition: number) => {
      let set = found.get(topic);
      if (!set) found.set(topic, (set = new Set()));
      set.add(partition);
    };
    for (const name of readdirSync(this.dir, { withFileTypes: true })) {
      if (!name.isDirectory()) continue;
      if (name.name.endsWith(DELETE_DIR_SUFFIX)) {
        rmSync(join(this.dir, name.name), { recursive: true, force: true }); // a deletion a stop interrupted
        continue;
      }
      const parsed = parsePartitionDirName(name.name);
      if (!parsed || topicNameError(parsed.topic)) continue;
      add(parsed.topic, parsed.partition);
    }
    if (clusterId === undefined) {
      for (const [name, t] of Object.entries(known.topics)) for (let p = 0; p < t.partitions; p++) add(name, p);
      // One broker holds every partition of its topics: a gap is a lost directory.
      for (const [name, set] of found) for (let p = Math.max(...set); p >= 0; p--) add(name, p);
    }
    const stats: StartStats = { topics: 0, partitions: 0, recoveredSegments: 0, truncatedBytes: 0, clean };
    // Every topic's id first (this reads each partition.metadata, and a bad one stops the
    // start before anything is loaded).
    const counts = new Map([...found].map(([name, set]) => [name, Math.max(...set) + 1]));
    const ids = startTopicIds(this.dir, counts, (name) => known.topics[name]?.topicId, this.logger);
    const loading: { topic: Topic; partition: number }[] = [];
    for (const [name, partitions] of found) {
      const topic = this.newTopic(name, known.topics[name]?.configs ?? {}, ids.get(name));
      for (const partition of [...partitions].sort((a, b) => a - b)) loading.push({ topic, partition });
    }
    // Many at once (PARTITION_OPEN_CONCURRENCY); each topic becomes visible once all its partitions are in.
    const logs = await mapLimit(loading, PARTITION_OPEN_CONCURRENCY, async ({ topic, partition: p }) => {
      const log = this.newPartitionLog(topic, p);
      await claimPartitionDir(log.dir, topic.name, topic.topicId, this.logger);
      const loaded = await loadPartition(this.core, this.regions, log, {
        clean, recoveryPoint: recoveryPoints.get(log.key) ?? 0, logStartOffset: startOffsets.get(log.key) ?? 0,
      });
      stats.recoveredSegments += loaded.recoveredSegments;
      stats.truncatedBytes += loaded.truncatedBytes;
      if (loaded.truncatedBytes > 0) this.logger.warn(`${log.key}: recovery cut ${loaded.truncatedBytes} bytes of torn or corrupt log; it ends at offset ${log.logEndOffset}`);
      const producers = loadProducerState(this.core, this.regions, log, {
        clean, recoveredFrom: loaded.recoveredFrom, now: Date.now(), expirationMs: this.config.int('producer.id.expiration.ms'), files: loaded.files,
      });
      for (const warning of producers.warnings) this.logger.warn(`${log.key}: ${warning}`);
      await this.openWriter(log, producers);
      this.replicated(log, highWatermarks.get(log.key) ?? 0);
      return log;
    });
    loading.forEach(({ topic, partition }, i) => {
      topic.partitions.set(partition, logs[i]);
      stats.partitions++;
      if (!this.topics.has(topic.name)) {
        this.addTopic(topic);
        stats.topics++;
      }
    });
    if (existsSync(cleanFile)) unlinkSync(cleanFile);
    this.writeTopicsFile();
    this.cleaner.loadCheckpoint();
    this.pool.onFlushed = (key, offset) => {
      const log = this.partitionByKey(key);
      if (log && offset > log.recoveryPoint) log.recoveryPoint = offset;
    };
    this.startBackgroundTasks();
    this.started = true;
    return stats;
  }

  /** meta.properties: this directory's node and cluster, written on first start; a mismatch stops the start. */
  private loadMeta(expectedClusterId?: string): string {
    const path = join(this.dir, META_PROPERTIES);
    if (existsSync(path)) {
      const props = Object.fromEntries(readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
      const nodeId = Number(props['node.id'] ?? props['broker.id']);
      if (Number.isFinite(nodeId) && nodeId !== this.config.nodeId) {
        throw new ConfigError(`The log directory ${this.dir} belongs to node ${nodeId}, but node.id is ${this.config.nodeId}`);
      }
      const saved = props['cluster.id'];
      if (saved && expectedClusterId !== undefined && saved !== expectedClusterId) {
        throw new ConfigError(`The log directory ${this.dir} belongs to cluster ${saved}, but the cluster in etcd (etcd.connect, etcd.prefix) is ${expectedClusterId}: use another log.dirs for this cluster, or the etcd prefix of that one`);
      }
      if (saved) return saved;
    }
    const clusterId = expectedClusterId ?? randomBytes(16).toString('base64url');
    writeFileSync(path, `#\n#${new Date().toString()}\nversion=1\ncluster.id=${clusterId}\nnode.id=${this.config.nodeId}\n`);
    return clusterId;
  }

  private loadBrokerConfigs(): void {
    const path = join(this.dir, BROKER_CONFIGS_FILE);
    if (!existsSync(path)) return;
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { configs: Record<string, string> };
    for (const [key, value] of Object.entries(saved.configs)) {
      try {
        this.config.setDynamic(key, value);
      } catch (e) {
        this.logger.warn(`ignoring saved broker config ${key}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Replaces the broker's runtime configs (AlterConfigs): all are checked before any is
   * applied; they are saved in the log directory and flow into topic defaults.
   */
  async setBrokerConfigs(configs: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(configs)) this.config.validateDynamic(key, value);
    for (const [key] of this.config.dynamicEntries()) if (!(key in configs)) this.config.setDynamic(key, null);
    for (const [key, value] of Object.entries(configs)) this.config.setDynamic(key, value);
    const path = join(this.dir, BROKER_CONFIGS_FILE);
    writeFileSync(path + TMP_SUFFIX, JSON.stringify({ configs }, null, 2));
    renameSync(path + TMP_SUFFIX, path);
    this.indexCache.resize(this.config.int(INDEX_CACHE_KEY));
    await this.refreshTopicConfigs();
  }

  private readTopicsFile(): TopicsFile {
    const path = join(this.dir, TOPICS_FILE);
    if (!existsSync(path)) return { version: 1, topics: {} };
    return JSON.parse(readFileSync(path, 'utf8')) as TopicsFile;
  }

  private writeTopicsFile(): void {
    const file: TopicsFile = { version: 1, topics: {} };
    for (const t of this.topics.values()) file.topics[t.name] = { partitions: t.partitions.size, configs: t.overrides, topicId: t.topicId };
    const path = join(this.dir, TOPICS_FILE);
    writeFileSync(path + TMP_SUFFIX, JSON.stringify(file, null, 2));
    renameSync(path + TMP_SUFFIX, path);
  }

  private newTopic(name: string, overrides: Record<string, string>, topicId = unusedTopicId(this.byId)): Topic {
    return { name, partitions: new Map(), overrides, config: new TopicConfig(this.config, overrides), internal: name.startsWith('__'), topicId };
  }

  private addTopic(topic: Topic): void {
    this.topics.set(topic.name, topic);
    this.byId.set(topic.topicId, topic);
  }

  private newPartitionLog(topic: Topic, partition: number): PartitionLog {
    return new PartitionLog(topic.name, partition, join(this.dir, partitionDirName(topic.name, partition)), topic.config, this.core, this.regions, this.pool, this.indexCache);
  }

  /**
   * In a cluster, a replica's leader epochs (its checkpoint, cut back to the log end a crash
   * may have left behind them) and its high watermark as last checkpointed.
   */
  private replicated(log: PartitionLog, highWatermark: number): void {
    if (!this.clustered) return;
    log.epochs = new LeaderEpochCache(log.dir);
    log.epochs.truncateFromEnd(log.logEndOffset);
    log.setHighWatermark(highWatermark, true);
  }

  /** Hands the partition to its append worker, with its producer state (none for a new partition). */
  private async openWriter(log: PartitionLog, producers?: ProducerLoad): Promise<void> {
    const active = log.activeSegment;
    log.setOngoingTransactions(producers?.ongoing ?? new Map());
    log.handle = await this.pool.open(log.key, {
      dir: log.dir, activeBaseOffset: active.baseOffset, position: active.size, createdMs: active.createdMs,
      nextOffset: log.logEndOffset, config: log.writerConfig(), producers: producers?.producers ?? [], snapshotOffset: producers?.snapshotOffset ?? -1,
    });
  }

  topic(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** The topic with this KIP-516 id, or undefined (an unknown id, or a deleted topic's). */
  topicById(topicId: string): Topic | undefined {
    return this.byId.get(topicId);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions.get(partition);
  }

  private partitionByKey(key: string): PartitionLog | undefined {
    const parsed = parsePartitionDirName(key);
    return parsed ? this.partition(parsed.topic, parsed.partition) : undefined;
  }

  /** Partitions of every topic, and those being created. */
  get partitionCount(): number {
    let n = this.reservedPartitions;
    for (const topic of this.topics.values()) n += topic.partitions.size;
    return n;
  }

  /**
   * strom.max.partitions: each partition holds open files, so a request for a great many
   * (CreateTopics with 2^31 partitions) would run the broker out of them. Internal topics
   * count but are never refused: groups must keep working.
   */
  private checkPartitionLimit(adding: number, internal: boolean): void {
    const max = this.config.int('strom.max.partitions');
    const after = this.partitionCount + adding;
    if (!internal && after > max) {
      throw new KafkaError(ErrorCode.POLICY_VIOLATION, `${adding} more partition(s) would make ${after} on this broker; strom.max.partitions is ${max}.`);
    }
  }

  /** Checks a CreateTopics entry; throws KafkaError with Kafka's codes. */
  validateNewTopic(name: string, partitions: number, configs: Record<string, string>, internal = false): void {
    checkNewTopic(name, partitions, configs, [...this.topics.keys(), ...this.creating]);
    this.checkPartitionLimit(partitions, internal);
  }

  /**
   * Runs `change` after the changes to topic `name` already under way: a CreateTopics,
   * CreatePartitions or DeleteTopics never sees another one's directories half made or moved.
   */
  private serially<T>(name: string, change: () => Promise<T>): Promise<T> {
    const previous = this.changing.get(name) ?? Promise.resolve();
    const next = previous.then(change, change);
    const settled = next.then(() => {}, () => {});
    this.changing.set(name, settled);
    void settled.then(() => {
      if (this.changing.get(name) === settled) this.changing.delete(name);
    });
    return next;
  }

  /** `internal`: __consumer_offsets and the like, never refused for strom.max.partitions. */
  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}, { internal = false } = {}): Promise<Topic> {
    this.validateNewTopic(name, partitions, configs, internal);
    // Taken at once, so a second CreateTopics of the name is refused rather than queued.
    this.creating.add(name);
    this.reservedPartitions += partitions;
    try {
      return await this.serially(name, () => this.createTopicNow(name, partitions, configs));
    } finally {
      this.reservedPartitions -= partitions;
    }
  }

  private async createTopicNow(name: string, partitions: number, configs: Record<string, string>): Promise<Topic> {
    const topic = this.newTopic(name, configs);
    // Visible only once every partition exists: a concurrent Metadata request must not list
    // the topic with some of its partitions (kafka-python's partitioner divides by their count).
    try {
      await this.addPartitions(topic, partitions);
      this.addTopic(topic);
      this.writeTopicsFile();
    } catch (e) {
      // A full or failing disk: undo, and answer with Kafka's storage error.
      this.topics.delete(name);
      this.byId.delete(topic.topicId);
      for (const log of topic.partitions.values()) {
        await this.pool.close(log.key);
        log.close();
        rmSync(log.dir, { recursive: true, force: true });
      }
      throw storageError(e, `cannot create topic ${name}`);
    } finally {
      this.creating.delete(name);
    }
    return topic;
  }

  private async addPartitions(topic: Topic, total: number): Promise<void> {
    const first = topic.partitions.size;
    const added = new Map<number, PartitionLog>();
    try {
      // Many at once (PARTITION_OPEN_CONCURRENCY): their fsyncs and worker round trips overlap.
      await mapLimit(Array.from({ length: total - first }, (_, i) => first + i), PARTITION_OPEN_CONCURRENCY, async (p) => {
        const log = this.newPartitionLog(topic, p);
        mkdirSync(log.dir, { recursive: true });
        added.set(p, log);
        await writePartitionMetadata(log.dir, topic.topicId);
        await loadPartition(this.core, this.regions, log, { clean: true, recoveryPoint: 0, logStartOffset: 0 });
        await this.openWriter(log);
      });
    } finally {
      // In index order, those that failed too (a failed creation undoes every one it made).
      for (const p of [...added.keys()].sort((a, b) => a - b)) topic.partitions.set(p, added.get(p)!);
    }
  }

  async createPartitions(name: string, total: number): Promise<void> {
    return this.serially(name, () => this.createPartitionsNow(name, total));
  }

  private async createPartitionsNow(name: string, total: number): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (total <= topic.partitions.size) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitions.size} partitions, which is higher than the requested ${total}.`);
    }
    const adding = total - topic.partitions.size;
    this.checkPartitionLimit(adding, false);
    this.reservedPartitions += adding;
    try {
      await this.addPartitions(topic, total);
      this.writeTopicsFile();
    } catch (e) {
      throw storageError(e, `cannot add partitions to ${name}`);
    } finally {
      this.reservedPartitions -= adding;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (!this.config.bool('delete.topic.enable')) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    // Gone at once (a CreateTopics right behind may take the name); its files go after any
    // change to the topic under way (partitions being added) and before any later one.
    return this.dropTopic(name);
  }

  /** Removes a topic and deletes its files, whatever delete.topic.enable says (in a cluster: it was deleted from etcd). */
  dropTopic(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) return Promise.resolve();
    this.topics.delete(name);
    this.byId.delete(topic.topicId);
    this.writeTopicsFile();
    return this.serially(name, () => this.removeLogs([...topic.partitions.values()]));
  }

  /**
   * In a cluster: this broker's replica of a partition, created empty (in a topic with the
   * cluster's id and configs) if it has none. A topic held here under another id (deleted
   * and created again while this broker was away) must be dropped first.
   */
  hostReplica(name: string, topicId: string, partition: number, overrides: Record<string, string>): Promise<PartitionLog> {
    return this.serially(name, async () => {
      let topic = this.topics.get(name);
      if (topic && topic.topicId !== topicId) throw new Error(`topic ${name} is held here as ${topic.topicId}, not ${topicId}`);
      if (!topic) {
        topic = this.newTopic(name, overrides, topicId);
        this.addTopic(topic);
      }
      const existing = topic.partitions.get(partition);
      if (existing) return existing;
      const log = this.newPartitionLog(topic, partition);
      try {
        mkdirSync(log.dir, { recursive: true });
        await writePartitionMetadata(log.dir, topic.topicId);
        await loadPartition(this.core, this.regions, log, { clean: true, recoveryPoint: 0, logStartOffset: 0 });
        await this.openWriter(log);
        this.replicated(log, 0);
      } catch (e) {
        log.close();
        rmSync(log.dir, { recursive: true, force: true });
        throw storageError(e, `cannot create ${log.key}`);
      }
      topic.partitions.set(partition, log);
      this.writeTopicsFile();
      return log;
    });
  }

  /**
   * A follower's log cut back to `offset` (KIP-101: it diverged from its new leader's):
   * every batch reaching `offset` or past it goes, with later segments, their indexes and
   * producer snapshots; the rest is loaded again as after a crash (the cut segment's indexes
   * and the producer state rebuilt). `offset` below the log start (the leader's log starts
   * after all of this one) empties the log, which then starts at `offset`. The log keeps
   * its object: handlers and sessions holding it see the new state.
   */
  truncateTo(log: PartitionLog, offset: number): Promise<void> {
    return this.serially(log.topic, async () => {
      if (offset >= log.logEndOffset && offset >= log.logStartOffset) return;
      const all = offset <= log.logStartOffset || offset <= log.segments[0].baseOffset;
      const slice = all ? null : log.slice(offset, 1, true, Number.MAX_SAFE_INTEGER);
      // Never a whole log dropped by mistake: a cut inside the log must find its batch.
      if (!all && !slice) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${log.key}: no batch at offset ${offset} to truncate at`);
      const cut = slice ? { base: slice.segment.baseOffset, position: slice.position } : null;
      slice?.release();
      await this.pool.close(log.key);
      log.handle = null;
      log.close();
      for (const segment of log.segments) {
        if (cut && segment.baseOffset < cut.base) continue;
        if (cut && segment.baseOffset === cut.base) {
          truncateSync(segment.paths.log, cut.position);
          for (const path of [segment.paths.index, segment.paths.timeIndex, segment.paths.txnIndex]) rmSync(path, { force: true });
          continue;
        }
        for (const path of [segment.paths.log, segment.paths.index, segment.paths.timeIndex, segment.paths.txnIndex]) rmSync(path, { force: true });
      }
      for (const name of readdirSync(log.dir)) {
        const at = parseSnapshotFileName(name);
        if (at !== null && (all || at > offset)) rmSync(join(log.dir, name), { force: true });
      }
      const startOffset = all ? Math.max(offset, 0) : log.logStartOffset;
      const loaded = await loadPartition(this.core, this.regions, log, { clean: false, recoveryPoint: cut?.base ?? startOffset, logStartOffset: startOffset });
      const producers = loadProducerState(this.core, this.regions, log, {
        clean: false, recoveredFrom: loaded.recoveredFrom, now: Date.now(), expirationMs: this.config.int('producer.id.expiration.ms'),
      });
      await this.openWriter(log, producers);
      if (all) log.epochs?.clear();
      else log.epochs?.truncateFromEnd(log.logEndOffset);
      log.setHighWatermark(log.highWatermark, true);
      this.logger.warn(`${log.key}: truncated to offset ${log.logEndOffset} (asked: ${offset}) to match its leader`);
    });
  }

  /** In a cluster: deletes this broker's replica of a partition (moved to other brokers). */
  dropReplica(name: string, partition: number): Promise<void> {
    const log = this.topics.get(name)?.partitions.get(partition);
    if (!log) return Promise.resolve();
    this.topics.get(name)!.partitions.delete(partition);
    this.writeTopicsFile();
    return this.serially(name, () => this.removeLogs([log]));
  }

  private async removeLogs(logs: PartitionLog[]): Promise<void> {
    // Renamed before anything awaits (a restart finishes the deletion): a topic created again
    // under this name gets fresh directories, never these. Their files stay open until the
    // writers close.
    const doomed = logs.map((log) => {
      // Reads in flight (a Fetch that found the partition before) go on on open files.
      for (const segment of log.segments) {
        try {
          segment.pin();
        } catch {
          // Already gone (retention): nothing to keep open.
        }
      }
      // Unique even when the same name is deleted twice within a millisecond.
      const dir = `${log.dir}.${Date.now()}${++deletions}${DELETE_DIR_SUFFIX}`;
      renameSync(log.dir, dir);
      return dir;
    });
    for (const log of logs) {
      await this.pool.close(log.key);
      log.handle = null;
      log.close();
      this.cleaner.forget(log.key);
    }
    for (const dir of doomed) setTimeout(() => rmSync(dir, { recursive: true, force: true }), 0).unref();
  }

  /** Replaces a topic's overrides (validated first) and applies them to its partitions. */
  async setTopicConfigs(name: string, overrides: Record<string, string>): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    try {
      TopicConfig.validate(overrides);
    } catch (e) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, (e as Error).message);
    }
    topic.overrides = overrides;
    this.writeTopicsFile();
    await this.refreshTopicConfig(topic);
  }

  /** Recomputes topic configs after a broker default changed. */
  async refreshTopicConfigs(): Promise<void> {
    for (const topic of this.topics.values()) await this.refreshTopicConfig(topic);
  }

  private async refreshTopicConfig(topic: Topic): Promise<void> {
    topic.config = new TopicConfig(this.config, topic.overrides);
    for (const log of topic.partitions.values()) {
      log.config = topic.config;
      if (log.handle) await this.pool.configure(log.handle, log.writerConfig());
    }
  }

  private startBackgroundTasks(): void {
    const every = (ms: number, task: () => unknown) => {
      const timer = setInterval(() => {
        if (!this.stopped) void Promise.resolve(task()).catch((e) => this.logger.warn(`background task failed: ${(e as Error).message}`));
      }, Math.min(ms, 2 ** 31 - 1));
      timer.unref();
      this.timers.push(timer);
    };
    every(this.config.int('log.retention.check.interval.ms'), () => this.applyRetention(Date.now()));
    every(this.config.int('log.flush.offset.checkpoint.interval.ms'), () => this.writeCheckpoints());
    this.cleaner.start();
  }

  /**
   * Compacts the logs of compacted topics (of `topic` only, if given) that are due at `now`,
   * as the background cleaner does every log.cleaner.backoff.ms; resolves with what each
   * pass did. Whether the cleaner is enabled or not.
   */
  compact(topic?: string, now = Date.now()): Promise<CleanStats[]> {
    return this.cleaner.clean(now, topic);
  }

  applyRetention(now: number): number {
    let deleted = 0;
    for (const topic of this.topics.values()) for (const log of topic.partitions.values()) deleted += log.applyRetention(now);
    if (deleted > 0) this.logger.info(`retention deleted ${deleted} segment(s)`);
    return deleted;
  }

  private checkpointEntries(value: (log: PartitionLog) => number): [string, number, number][] {
    const entries: [string, number, number][] = [];
    for (const topic of this.topics.values()) for (const log of topic.partitions.values()) entries.push([topic.name, log.partition, value(log)]);
    return entries;
  }

  async writeCheckpoints(): Promise<void> {
    await writeCheckpoint(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.checkpointEntries((l) => l.recoveryPoint));
    await writeCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), this.checkpointEntries((l) => l.logStartOffset));
    await writeCheckpoint(join(this.dir, HIGH_WATERMARK_CHECKPOINT), this.checkpointEntries((l) => l.highWatermark));
  }

  /** Flushes everything, saves indexes and checkpoints, and marks the shutdown clean. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.started) {
      // A start that failed part way (a bad partition.metadata, another node's directory):
      // the checkpoints and the clean-shutdown mark on disk describe the directory, not the
      // little that was loaded, so they stay as they are.
      for (const topic of this.topics.values()) for (const log of topic.partitions.values()) log.close();
      return;
    }
    for (const timer of this.timers) clearInterval(timer);
    await this.cleaner.stop();
    // With a producer snapshot at each log end: the next start replays nothing.
    await this.pool.flush(true);
    for (const topic of this.topics.values()) {
      for (const log of topic.partitions.values()) {
        log.recoveryPoint = log.logEndOffset;
        await log.saveIndexes();
      }
    }
    writeCheckpointSync(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.checkpointEntries((l) => l.recoveryPoint));
    writeCheckpointSync(join(this.dir, LOG_START_OFFSET_CHECKPOINT), this.checkpointEntries((l) => l.logStartOffset));
    writeCheckpointSync(join(this.dir, HIGH_WATERMARK_CHECKPOINT), this.checkpointEntries((l) => l.highWatermark));
    for (const topic of this.topics.values()) for (const log of topic.partitions.values()) log.close();
    writeFileSync(join(this.dir, CLEAN_SHUTDOWN_FILE), '');
  }
}
