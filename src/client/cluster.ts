// The client's view of a cluster: a bootstrap connection, Metadata, and one connection per
// broker (leaders, coordinators), opened on first use and reused.
import { setTimeout as sleep } from 'node:timers/promises';
import { MetadataApi, type MetadataResponse } from '../protocol/generated/metadata.js';
import { FindCoordinatorApi } from '../protocol/generated/find-coordinator.js';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import { Connection, parseAddress, type ConnectionOptions } from './connection.js';
import { BrokerUnreachableError } from './errors.js';

interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

interface PartitionInfo {
  partition: number;
  errorCode: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface TopicInfo {
  name: string;
  topicId: string;
  errorCode: number;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicInfo[];
}

interface ClusterOptions extends ConnectionOptions {
  /** Attempts for retriable errors (leader moves, coordinator loading); bounded. */
  retries?: number;
}

export class Cluster {
  private readonly bootstrap: { host: string; port: number }[];
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly brokers = new Map<number, BrokerInfo>();
  private controllerId = -1;
  /** The node id FindCoordinator last named for each group or transactional id. */
  readonly coordinatorIds = new Map<string, number>();
  readonly retries: number;

  constructor(bootstrapServers: string | string[], readonly options: ClusterOptions = {}) {
    const list = (Array.isArray(bootstrapServers) ? bootstrapServers : bootstrapServers.split(',')).map((s) => s.trim()).filter(Boolean);
    if (list.length === 0) throw new Error('no bootstrap server given');
    this.bootstrap = list.map(parseAddress);
    this.retries = options.retries ?? 10;
  }

  /** A connection to host:port, shared. A failed or closed one is replaced on the next call. */
  connect(host: string, port: number): Promise<Connection> {
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing) {
      return existing.then((c) => (c.closed ? this.reconnect(key, host, port) : c), () => this.reconnect(key, host, port));
    }
    return this.reconnect(key, host, port);
  }

  private reconnect(key: string, host: string, port: number): Promise<Connection> {
    const p = Connection.open(host, port, this.options);
    this.connections.set(key, p);
    p.catch(() => { if (this.connections.get(key) === p) this.connections.delete(key); });
    return p;
  }

  /** A connection to any broker: the bootstrap servers in order, then known brokers. */
  async any(): Promise<Connection> {
    let first: Error | undefined;
    for (const { host, port } of [...this.bootstrap, ...this.brokers.values()]) {
      try {
        return await this.connect(host, port);
      } catch (e) {
        first ??= e as Error;
      }
    }
    throw first ?? new BrokerUnreachableError(`${this.bootstrap[0].host}:${this.bootstrap[0].port}`, 'ECONNREFUSED');
  }

  /** A connection to broker `nodeId` (metadata is refreshed if it is not known yet). */
  async broker(nodeId: number): Promise<Connection> {
    if (!this.brokers.has(nodeId)) await this.metadata([]);
    const b = this.brokers.get(nodeId);
    if (!b) throw new Error(`broker ${nodeId} is not in the cluster's metadata`);
    return this.connect(b.host, b.port);
  }

  /** The controller (for admin requests), or any broker when there is none. */
  async controller(): Promise<Connection> {
    if (this.controllerId < 0) await this.metadata([]);
    return this.controllerId >= 0 && this.brokers.has(this.controllerId) ? this.broker(this.controllerId) : this.any();
  }

  knownBrokers(): BrokerInfo[] {
    return [...this.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
  }

  /**
   * Metadata for `topics` (null: every topic; []: brokers only). Topics are never
   * auto-created by the tools' lookups.
   */
  async metadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<ClusterMetadata> {
    const c = await this.any();
    const v = c.version(MetadataApi, 1, 12);
    const res: MetadataResponse = await c.send(MetadataApi, v, {
      topics: topics === null ? null : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
      allowAutoTopicCreation: v >= 4 ? allowAutoTopicCreation : true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    this.brokers.clear();
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.controllerId = res.controllerId;
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: this.knownBrokers(),
      topics: res.topics.map((t) => ({
        name: t.name ?? '',
        topicId: t.topicId,
        errorCode: t.errorCode,
        isInternal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offline: p.offlineReplicas,
        })).sort((a, b) => a.partition - b.partition),
      })),
    };
  }

  /** One topic's metadata; UNKNOWN_TOPIC_OR_PARTITION (and others) thrown. */
  async topic(name: string): Promise<TopicInfo> {
    for (let attempt = 0; ; attempt++) {
      const md = await this.metadata([name]);
      const t = md.topics.find((x) => x.name === name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, `topic ${name}`);
      // LEADER_NOT_AVAILABLE right after creation: the leader is being elected.
      if (t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE && attempt < this.retries) {
        await sleep(100 * (attempt + 1));
        continue;
      }
      check(t.errorCode, `topic ${name}`);
      return t;
    }
  }

  /**
   * The coordinator of a group (`keyType` 0) or a transactional id (1): FindCoordinator,
   * retried while it loads.
   */
  async coordinator(key: string, keyType: 0 | 1 = 0): Promise<Connection> {
    const what = keyType === 0 ? 'group' : 'transactional id';
    for (let attempt = 0; ; attempt++) {
      const c = await this.any();
      const v = c.version(FindCoordinatorApi, keyType === 0 ? 0 : 1, 4);
      const res = await c.send(FindCoordinatorApi, v, { key: v < 4 ? key : '', keyType, coordinatorKeys: v >= 4 ? [key] : [] });
      const found = v >= 4 ? res.coordinators[0] : { errorCode: res.errorCode, errorMessage: res.errorMessage, nodeId: res.nodeId, host: res.host, port: res.port };
      if (!found) throw new Error(`FindCoordinator for ${what} ${key} returned no coordinator`);
      const retriable = found.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || found.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      if (retriable && attempt < this.retries) {
        await sleep(200 * (attempt + 1));
        continue;
      }
      check(found.errorCode, `finding the coordinator of ${what} ${key}`, found.errorMessage);
      this.coordinatorIds.set(key, found.nodeId);
      return this.connect(found.host, found.port);
    }
  }

  close(): void {
    for (const p of this.connections.values()) p.then((c) => c.close(), () => {});
    this.connections.clear();
  }
}
