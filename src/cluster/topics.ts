// Topic changes in etcd, written by the broker an admin request (or an auto-creation)
// reaches, as ZooKeeper-mode Kafka brokers wrote their topics' znodes: a new topic's record
// and its partitions' first states in one transaction that only succeeds while the name is
// free; more partitions, deletion and configs in transactions guarded by the revision of the
// topic record read, so two brokers changing one topic cannot both win. What follows (leaders
// elected, ISRs changed) is the controller's (controller.ts).
import type { IOperation, Namespace } from 'etcd3';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { newTopicId } from '../log/partition-metadata.js';
import { assignReplicas, PlacementError } from './assignment.js';
import type { MetadataImage } from './image.js';
import { KEYS, type PartitionState, type TopicRecord } from './model.js';

/** Another write to the topic came between read and write: read again, this many times at most. */
const MAX_ATTEMPTS = 5;

export class ClusterTopics {
  constructor(private readonly ns: Namespace, private readonly image: MetadataImage) {}

  /**
   * Creates a topic: its replicas placed over the live brokers (or as `assignment` says), its
   * record and every partition's first state in one write. Returns the record and the etcd
   * revision it was written at.
   */
  async create(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>, assignment?: number[][], validateOnly = false): Promise<{ record: TopicRecord; revision: string }> {
    if (this.image.topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const replicas = assignment ?? this.place(partitions, replicationFactor);
    this.checkAssignment(replicas);
    const record: TopicRecord = { id: newTopicId(), replicas, configs };
    if (validateOnly) return { record, revision: this.image.revision };
    const ops = [this.ns.put(KEYS.topic(name)).value(JSON.stringify(record))];
    replicas.forEach((r, p) => ops.push(this.ns.put(KEYS.partition(record.id, p)).value(JSON.stringify(initialState(r)))));
    const result = await this.ns.if(KEYS.topic(name), 'Version', '==', 0).then(...ops).commit();
    if (!result.succeeded) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    return { record, revision: result.header.revision };
  }

  /** Adds partitions to a topic (CreatePartitions): their states and the topic's new assignment. Returns the revision written at. */
  createPartitions(name: string, count: number, assignment: number[][] | null, validateOnly = false): Promise<string> {
    return this.change(name, (topic) => {
      const have = topic.replicas.length;
      if (count <= have) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${have} partitions, which is higher than or equal to the requested ${count}.`);
      if (assignment && assignment.length !== count - have) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${assignment.length} assignments for ${count - have} new partitions`);
      const added = assignment ?? this.place(count - have, topic.replicas[0].length, have);
      this.checkAssignment(added);
      if (validateOnly) return null;
      const record: TopicRecord = { ...topic, replicas: [...topic.replicas, ...added] };
      const ops = [this.ns.put(KEYS.topic(name)).value(JSON.stringify(record))];
      added.forEach((r, i) => ops.push(this.ns.put(KEYS.partition(topic.id, have + i)).value(JSON.stringify(initialState(r)))));
      return ops;
    });
  }

  /** Deletes a topic: its record and its partitions' states (brokers then delete their logs). Returns the revision. */
  delete(name: string): Promise<string> {
    return this.change(name, (record) => [this.ns.delete().key(KEYS.topic(name)), this.ns.delete().prefix(`${KEYS.partitions}${record.id}/`)]);
  }

  /** Replaces a topic's configs (AlterConfigs, IncrementalAlterConfigs). Returns the revision. */
  setConfigs(name: string, configs: Record<string, string>): Promise<string> {
    return this.change(name, (record) => [this.ns.put(KEYS.topic(name)).value(JSON.stringify({ ...record, configs }))]);
  }

  /**
   * Reads the topic's record, has `build` make the writes (null: none, only validated), and
   * commits them if the record is still what was read; read and built again if another
   * write came between. Returns the revision written at.
   */
  private async change(name: string, build: (record: TopicRecord) => IOperation[] | null): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const { record, revision } = await this.read(name);
      const ops = build(record);
      if (ops === null) return this.image.revision;
      const result = await this.ns.if(KEYS.topic(name), 'Mod', '==', revision).then(...ops).commit();
      if (result.succeeded) return result.header.revision;
      if (attempt === MAX_ATTEMPTS) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `topic ${name} kept changing under ${MAX_ATTEMPTS} attempts to change it: try again`);
    }
  }

  /** The topic's record as etcd has it now, with its revision (what a guarded write compares). */
  private async read(name: string): Promise<{ record: TopicRecord; revision: string }> {
    const kv = (await this.ns.get(KEYS.topic(name)).exec()).kvs[0];
    if (!kv) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    return { record: JSON.parse(kv.value.toString()) as TopicRecord, revision: kv.mod_revision };
  }

  private place(partitions: number, replicationFactor: number, firstPartition = 0): number[][] {
    const brokers = [...this.image.brokers.values()].map((b) => ({ id: b.id, rack: b.rack }));
    try {
      return assignReplicas(brokers, partitions, replicationFactor, firstPartition);
    } catch (e) {
      if (e instanceof PlacementError) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, e.message);
      throw e;
    }
  }

  private checkAssignment(replicas: number[][]): void {
    for (const r of replicas) {
      if (r.length === 0 || new Set(r).size !== r.length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replicas ${JSON.stringify(r)}: none, or a broker twice`);
      if (r.length !== replicas[0].length) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'every partition must have the same number of replicas');
      const unknown = r.filter((id) => !this.image.brokers.has(id));
      if (unknown.length > 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `brokers ${unknown.join(', ')} are not registered`);
    }
  }
}

/** A new partition: its first replica leads, every replica in sync (it has nothing yet). */
function initialState(replicas: number[]): PartitionState {
  return { leader: replicas[0], leaderEpoch: 0, isr: [...replicas], replicas: [...replicas], partitionEpoch: 0 };
}

