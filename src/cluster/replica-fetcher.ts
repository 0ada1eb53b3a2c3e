// A follower's fetcher from one leader broker (Kafka's ReplicaFetcherThread): one connection,
// one Fetch at a time for every partition this broker follows there, as a replica (replica
// id set: the leader reads up to its log end and tracks this broker's position from the
// offsets asked). Records are appended as they are (offsets and epochs of the leader); the
// high watermark comes from the responses. Each partition sends its latest leader epoch
// (Fetch v12+, KIP-320): a leader that finds this log diverging from its own answers where
// the last common epoch ends, and the log is cut there before fetching on (KIP-279).
import { FetchApi, defaultFetchRequest, type FetchRequest, type FetchResponse } from '../protocol/generated/fetch.js';
import { ErrorCode, errorName, KafkaError } from '../protocol/errors.js';
import { Connection } from '../client/connection.js';
import type { ClientSecurity } from '../client/security.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Logger } from '../base/logger.js';

/** The first Fetch version with the last fetched epoch and the diverging epoch, by topic name. */
const FETCH_VERSION = 12;

interface FetcherOptions {
  me: number;
  waitMaxMs: number;
  minBytes: number;
  maxBytes: number;
  responseMaxBytes: number;
  backoffMs: number;
  socketTimeoutMs: number;
  /** The leader's endpoint on the inter-broker listener now (null: not alive, or no such listener). */
  endpoint(brokerId: number): { host: string; port: number } | null;
  /** TLS and SASL of the inter-broker listener. */
  security: ClientSecurity;
  /** Cuts a log back (LogManager.truncateTo). */
  truncate(log: PartitionLog, offset: number): Promise<void>;
  logger: Logger;
}

interface Followed {
  log: PartitionLog;
  leaderEpoch: number;
  /** Not fetched before this time (after an error). */
  delayedUntil: number;
}

export class ReplicaFetcher {
  private readonly partitions = new Map<PartitionLog, Followed>();
  private connection: Connection | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(readonly leaderId: number, private readonly options: FetcherOptions) {}

  get size(): number {
    return this.partitions.size;
  }

  /** Follows `log` from this leader at `leaderEpoch`. */
  add(log: PartitionLog, leaderEpoch: number): void {
    this.partitions.set(log, { log, leaderEpoch, delayedUntil: 0 });
    this.wake?.();
    this.running ??= this.run();
  }

  remove(log: PartitionLog): void {
    this.partitions.delete(log);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.connection?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      const ready = [...this.partitions.values()].filter((p) => p.delayedUntil <= now);
      if (ready.length === 0) {
        await this.pause(this.partitions.size === 0 ? 1000 : this.options.backoffMs);
        continue;
      }
      try {
        const connection = await this.connect();
        const response = await connection.send(FetchApi, FETCH_VERSION, this.request(ready), { timeoutMs: this.options.socketTimeoutMs + this.options.waitMaxMs });
        if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `fetch from broker ${this.leaderId}: ${errorName(response.errorCode)}`);
        await this.handle(ready, response);
      } catch (e) {
        if (this.stopped) break;
        this.options.logger.warn(`replica fetcher from broker ${this.leaderId}: ${(e as Error).message}; retrying in ${this.options.backoffMs} ms`);
        this.connection?.close();
        this.connection = null;
        await this.pause(this.options.backoffMs);
      }
    }
    this.connection?.close();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async connect(): Promise<Connection> {
    if (this.connection && !this.connection.closed) return this.connection;
    const endpoint = this.options.endpoint(this.leaderId);
    if (!endpoint) throw new Error(`broker ${this.leaderId} is not alive, or has no inter-broker listener`);
    this.connection = await Connection.open(endpoint.host, endpoint.port, {
      clientId: `strom-replica-${this.options.me}`, requestTimeoutMs: this.options.socketTimeoutMs + this.options.waitMaxMs, security: this.options.security,
      maxResponseBytes: this.options.responseMaxBytes + (1 << 20),
    });
    return this.connection;
  }

  private request(ready: Followed[]): FetchRequest {
    const request = defaultFetchRequest();
    request.replicaId = this.options.me;
    request.maxWaitMs = this.options.waitMaxMs;
    request.minBytes = this.options.minBytes;
    request.maxBytes = this.options.responseMaxBytes;
    const byTopic = new Map<string, FetchRequest.FetchTopic>();
    for (const { log, leaderEpoch } of ready) {
      let topic = byTopic.get(log.topic);
      if (!topic) byTopic.set(log.topic, (topic = { topic: log.topic, topicId: '', partitions: [] }));
      topic.partitions.push({
        partition: log.partition, currentLeaderEpoch: leaderEpoch, fetchOffset: log.logEndOffset, lastFetchedEpoch: log.epochs?.latestEpoch ?? -1,
        logStartOffset: log.logStartOffset, partitionMaxBytes: this.options.maxBytes, replicaDirectoryId: '',
      });
    }
    request.topics = [...byTopic.values()];
    return request;
  }

  private async handle(asked: Followed[], response: FetchResponse): Promise<void> {
    const byKey = new Map(asked.map((f) => [`${f.log.topic}-${f.log.partition}`, f]));
    // The partitions are applied side by side (each log's appends stay in order, in its own
    // worker): the next fetch, which tells the leader where this replica's logs end and so
    // moves the high watermark that acks=all producers wait for, waits for the slowest
    // partition's append rather than for all of them one after another.
    const applying: Promise<void>[] = [];
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const followed = byKey.get(`${topic.topic}-${data.partitionIndex}`);
        // Moved to another leader (or dropped) while the fetch was out.
        if (!followed || this.partitions.get(followed.log) !== followed) continue;
        applying.push(this.apply(followed, data).catch((e: Error) => {
          this.options.logger.warn(`replica of ${followed.log.key} from broker ${this.leaderId}: ${e.message}`);
          followed.delayedUntil = Date.now() + this.options.backoffMs;
        }));
      }
    }
    await Promise.all(applying);
  }

  private async apply(followed: Followed, data: FetchResponse.PartitionData): Promise<void> {
    const log = followed.log;
    switch (data.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.OFFSET_OUT_OF_RANGE:
        // The leader's log starts past this one's end (its old records deleted): start over there.
        if (data.logStartOffset > log.logEndOffset) await this.options.truncate(log, data.logStartOffset);
        else await this.options.truncate(log, log.highWatermark);
        return;
      default:
        // Not (or no longer) the leader, an epoch the two brokers see differently: the next
        // metadata change settles it.
        followed.delayedUntil = Date.now() + this.options.backoffMs;
        return;
    }
    if (data.divergingEpoch.epoch >= 0) {
      await this.options.truncate(log, this.truncationOffset(log, data.divergingEpoch));
      return;
    }
    const records = data.records as Uint8Array | null;
    if (records && records.length > 0) await log.appendReplica(records);
    log.setHighWatermark(Math.min(data.highWatermark, log.logEndOffset));
    // Records deleted at the leader (DeleteRecords, retention) go here too.
    if (data.logStartOffset > log.logStartOffset) log.deleteRecordsBefore(Math.min(data.logStartOffset, log.highWatermark), log.config.number('file.delete.delay.ms'));
  }

  /** Where to cut after the leader said its log diverges from this one past `diverging` (Kafka's follower side of KIP-279). */
  private truncationOffset(log: PartitionLog, diverging: { epoch: number; endOffset: number }): number {
    const own = log.epochs?.endOffsetFor(diverging.epoch, log.logEndOffset) ?? { epoch: -1, endOffset: -1 };
    if (own.epoch < 0) return log.highWatermark;
    if (own.epoch === diverging.epoch) return Math.min(diverging.endOffset, own.endOffset);
    // This log's last epoch below the leader's is an older one: cut at its end, then ask again.
    return Math.min(own.endOffset, diverging.endOffset);
  }
}
