// What the broker knows of its cluster, as the API handlers ask it: the live brokers, the
// topics with their ids and partitions, each partition's leader, leader epoch, replicas and
// ISR, the controller; and the topic changes admin requests make. Two implementations: one
// broker alone (LocalCluster below: every partition on this broker, led by it at epoch 0),
// and a broker of a cluster on etcd (cluster/node.ts).
//
// The logs (LogManager) are this broker's replicas only; which partitions exist, and who
// leads them, is this view's to say.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager, Topic } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Listener } from '../config/config.js';
import type { Api } from '../client/connection.js';

export interface BrokerView {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionView {
  partition: number;
  /** -1: no leader now. */
  leader: number;
  leaderEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** Replicas on brokers that are not alive. */
  offline: readonly number[];
}

export interface TopicView {
  name: string;
  topicId: string;
  internal: boolean;
  partitionCount: number;
  /** Topic config overrides. */
  configs: Record<string, string>;
  partition(index: number): PartitionView | undefined;
}

export interface NewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Replicas of each partition, given by the request instead of partitions and replication factor. */
  assignment?: number[][];
  /** Checked only, not created. */
  validateOnly?: boolean;
  /** __consumer_offsets and the like: never refused for strom.max.partitions. */
  internal?: boolean;
}

/** ElectLeaders' election types (KIP-460). */
export const ELECTION_PREFERRED = 0;
export const ELECTION_UNCLEAN = 1;
export type ElectionType = typeof ELECTION_PREFERRED | typeof ELECTION_UNCLEAN;

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One partition's outcome of an admin request. */
export interface PartitionResult extends TopicPartition {
  errorCode: number;
  errorMessage: string | null;
}

/** A partition's reassignment request: the target replicas, or null to cancel the one in progress. */
export interface ReassignmentChange extends TopicPartition {
  replicas: number[] | null;
}

/** A reassignment in progress (ListPartitionReassignments). */
export interface OngoingReassignment extends TopicPartition {
  /** Every replica now: the target, then those being removed. */
  replicas: readonly number[];
  adding: readonly number[];
  removing: readonly number[];
}

export interface ClusterView {
  readonly clusterId: string;
  /** The controller's id (-1 while there is none). */
  controllerId(): number;
  /**
   * Live brokers, each with its endpoint on the named listener (the first listener when
   * unnamed); a broker without that listener is left out, as Kafka leaves it out of Metadata,
   * rather than sending a client to a port of another security protocol.
   */
  brokers(listener?: string): BrokerView[];
  topicNames(): Iterable<string>;
  topic(name: string): TopicView | undefined;
  topicById(topicId: string): TopicView | undefined;
  /** Creates a topic (or checks that it could be, validateOnly); resolves once it is usable here. Returns its id ('' when only validated). */
  createTopic(spec: NewTopic): Promise<string>;
  /** Raises a topic's partition count; `assignment`: the new partitions' replicas. */
  createPartitions(name: string, total: number, assignment: number[][] | null, validateOnly: boolean): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Replaces a topic's config overrides. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void>;
  /** Replaces the dynamic broker configs of one broker, or every broker's default ('default'); resolves once they apply here. */
  setBrokerConfigs(scope: number | 'default', configs: Record<string, string>): Promise<void>;
  /**
   * This broker's log of a partition it leads, at the client's leader epoch if it names one
   * (-1: any). Throws KafkaError: UNKNOWN_TOPIC_OR_PARTITION (no such partition),
   * NOT_LEADER_OR_FOLLOWER (another broker leads it), FENCED_LEADER_EPOCH (the client's
   * epoch is older), UNKNOWN_LEADER_EPOCH (newer: this broker has not learnt of it yet).
   */
  leaderLog(topic: string, partition: number, currentLeaderEpoch?: number): PartitionLog;
  /** acks=all, before an append to a log this broker leads: NOT_ENOUGH_REPLICAS when its ISR is smaller than min.insync.replicas. */
  checkInSync(log: PartitionLog): void;
  /**
   * acks=all, after the append: resolves once every ISR member has the records below
   * `endOffset`. Throws NOT_ENOUGH_REPLICAS_AFTER_APPEND (the ISR shrank below
   * min.insync.replicas meanwhile), REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER.
   */
  awaitReplicated(log: PartitionLog, endOffset: number, timeoutMs: number): Promise<void>;
  /**
   * A follower's fetch (Fetch with a replica id) at `fetchOffset` of a log this broker leads:
   * its position is noted (the high watermark and the ISR follow from it). Throws
   * NOT_LEADER_OR_FOLLOWER when this broker does not lead it or `replicaId` is no replica.
   */
  replicaFetched(log: PartitionLog, replicaId: number, fetchOffset: number): void;
  /** Whether this broker leads the partition now. */
  leads(topic: string, partition: number): boolean;
  /**
   * Sends a request to another broker of the cluster on the inter-broker listener (the
   * transaction coordinator's WriteTxnMarkers, a leader's AddPartitionsToTxn verification)
   * and resolves with its response. Throws when that broker is not alive, cannot be reached
   * or does not answer within request.timeout.ms; one broker alone has no other to ask.
   */
  sendToBroker<Req, Res>(brokerId: number, api: Api<Req, Res>, version: number, request: Req): Promise<Res>;
  /** Calls `listener` each time this broker starts or stops leading a partition (coordinators load and unload their state). */
  onLeaderChange(listener: (topic: string, partition: number, leading: boolean) => void): void;
  /**
   * ElectLeaders: moves leadership to each partition's preferred replica, or (unclean) gives a
   * leaderless partition any live replica. `partitions` null: every partition, and those that
   * needed no election are left out of the results, as Kafka's controller answers. Throws
   * NOT_CONTROLLER on a broker that is not the controller.
   */
  electLeaders(type: ElectionType, partitions: TopicPartition[] | null): Promise<PartitionResult[]>;
  /** AlterPartitionReassignments (KIP-455): starts, changes or cancels reassignments. Throws NOT_CONTROLLER as electLeaders. */
  alterPartitionReassignments(changes: ReassignmentChange[]): Promise<PartitionResult[]>;
  /** ListPartitionReassignments: those in progress, of the partitions named (null: all); unknown partitions are left out. */
  listPartitionReassignments(partitions: TopicPartition[] | null): OngoingReassignment[];
}

/**
 * The checks of a reassignment's target replicas, Kafka's words: none, a broker twice, a
 * broker that is not alive (`alive`). Throws INVALID_REPLICA_ASSIGNMENT.
 */
export function checkTargetReplicas(replicas: readonly number[], alive: (id: number) => boolean): void {
  if (replicas.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
  const seen = new Set<number>();
  for (const id of replicas) {
    if (seen.has(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${id} more than once.`);
    seen.add(id);
  }
  for (const id of replicas) {
    if (!alive(id)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${id}, but no such broker is registered.`);
  }
}

/** KIP-320's check of a client's current leader epoch (-1: none) against the leader's. */
export function checkLeaderEpoch(requested: number, leaderEpoch: number, what: string): void {
  if (requested < 0 || requested === leaderEpoch) return;
  if (requested < leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `${what}: leader epoch ${requested} is older than the current ${leaderEpoch}`);
  throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `${what}: leader epoch ${requested} is newer than this broker's ${leaderEpoch}`);
}

/** One broker: every partition here, led by it at epoch 0, the controller itself. */
export class LocalCluster implements ClusterView {
  constructor(
    private readonly logs: LogManager,
    private readonly nodeId: number,
    private readonly advertised: () => readonly Listener[],
  ) {}

  get clusterId(): string {
    return this.logs.clusterId;
  }

  controllerId(): number {
    return this.nodeId;
  }

  brokers(listener?: string): BrokerView[] {
    const all = this.advertised();
    const l = all.find((a) => a.name === listener) ?? all[0];
    return l ? [{ nodeId: this.nodeId, host: l.host, port: l.port, rack: null }] : [];
  }

  topicNames(): Iterable<string> {
    return this.logs.topics.keys();
  }

  topic(name: string): TopicView | undefined {
    const topic = this.logs.topic(name);
    return topic && this.view(topic);
  }

  topicById(topicId: string): TopicView | undefined {
    const topic = this.logs.topicById(topicId);
    return topic && this.view(topic);
  }

  private view(topic: Topic): TopicView {
    const self = [this.nodeId];
    const count = topic.partitions.size;
    return {
      name: topic.name, topicId: topic.topicId, internal: topic.internal, partitionCount: count, configs: topic.overrides,
      partition: (index) => (index >= 0 && index < count ? { partition: index, leader: this.nodeId, leaderEpoch: 0, replicas: self, isr: self, offline: [] } : undefined),
    };
  }

  async createTopic(spec: NewTopic): Promise<string> {
    if (spec.assignment) this.checkAssignment(spec.assignment);
    // An internal topic (offsets.topic.replication.factor 3 by default) has the one replica a lone broker can give it.
    else if (spec.replicationFactor > 1 && !spec.internal) {
      throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${spec.replicationFactor} time(s): The target replication factor of ${spec.replicationFactor} cannot be reached because only 1 broker(s) are registered.`);
    }
    const partitions = spec.assignment?.length ?? spec.partitions;
    this.logs.validateNewTopic(spec.name, partitions, spec.configs, spec.internal);
    if (spec.validateOnly) return '';
    return (await this.logs.createTopic(spec.name, partitions, spec.configs, { internal: spec.internal })).topicId;
  }

  async createPartitions(name: string, total: number, assignment: number[][] | null, validateOnly: boolean): Promise<void> {
    const topic = this.logs.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const have = topic.partitions.size;
    if (total <= have) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${have} partitions, which is higher than or equal to the requested ${total}.`);
    if (assignment) {
      if (assignment.length !== total - have) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${assignment.length} assignments for ${total - have} new partitions`);
      this.checkAssignment(assignment);
    }
    if (!validateOnly) await this.logs.createPartitions(name, total);
  }

  deleteTopic(name: string): Promise<void> {
    return this.logs.deleteTopic(name);
  }

  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    return this.logs.setTopicConfigs(name, configs);
  }

  setBrokerConfigs(_scope: number | 'default', configs: Record<string, string>): Promise<void> {
    return this.logs.setBrokerConfigs(configs);
  }

  leaderLog(topic: string, partition: number, currentLeaderEpoch = -1): PartitionLog {
    const log = this.logs.partition(topic, partition);
    if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic-partition: ${topic}-${partition}`);
    checkLeaderEpoch(currentLeaderEpoch, 0, log.key);
    return log;
  }

  // A cluster of one: every leader is the preferred one, and the only reassignment is to this broker, which it has.

  async electLeaders(_type: ElectionType, partitions: TopicPartition[] | null): Promise<PartitionResult[]> {
    return (partitions ?? []).map(({ topic, partition }) => (this.topic(topic)?.partition(partition)
      ? { topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' }
      : unknownPartition(topic, partition)));
  }

  async alterPartitionReassignments(changes: ReassignmentChange[]): Promise<PartitionResult[]> {
    return changes.map(({ topic, partition, replicas }) => {
      if (!this.topic(topic)?.partition(partition)) return unknownPartition(topic, partition);
      try {
        if (replicas === null) throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `No ongoing reassignment for ${topic}-${partition}.`);
        checkTargetReplicas(replicas, (id) => id === this.nodeId);
        return { topic, partition, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        return { topic, partition, errorCode: e.code, errorMessage: e.reason };
      }
    });
  }

  listPartitionReassignments(): OngoingReassignment[] {
    return [];
  }

  checkInSync(): void {
    // One replica: acks=all is acks=1.
  }

  awaitReplicated(): Promise<void> {
    return Promise.resolve();
  }

  leads(topic: string, partition: number): boolean {
    return this.logs.partition(topic, partition) !== undefined;
  }

  onLeaderChange(): void {
    // Every partition is led here from its creation to its deletion.
  }

  sendToBroker<Req, Res>(brokerId: number): Promise<Res> {
    return Promise.reject(new Error(`broker ${brokerId} is not this broker, which runs alone`));
  }

  replicaFetched(log: PartitionLog, replicaId: number): void {
    throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${replicaId} is not a replica of ${log.key}: this broker runs alone`);
  }

  private checkAssignment(assignment: number[][]): void {
    for (const [p, replicas] of assignment.entries()) {
      if (replicas.length !== 1 || replicas[0] !== this.nodeId) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${p} must be assigned to broker ${this.nodeId} alone`);
      }
    }
  }
}

export function unknownPartition(topic: string, partition: number): PartitionResult {
  return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partition}.` };
}
