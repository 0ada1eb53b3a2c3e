// The groups and their committed offsets, and their persistence in __consumer_offsets: every
// change is appended first and applied to memory only once the append succeeded, so what a
// client was told is what a restart replays.
import type { LogManager } from '../log/log-manager.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import type { Core } from '../core/index.js';
import { OffsetsTopic, type OffsetsRecord, type OffsetsProducer } from './offsets-topic.js';
import { TxnOffsets } from './txn-offsets.js';
import { Group, Member, type CommittedOffset } from './group.js';
import { offsetKey, offsetValue, groupKey, groupValue, readKey, readOffsetValue, readGroupValue } from './records.js';
import { applyConsumerRecord, groupTombstones } from './consumer-records.js';

export interface OffsetToCommit extends CommittedOffset {
  topic: string;
  partition: number;
}

export class GroupStore {
  readonly groups = new Map<string, Group>();
  readonly topic: OffsetsTopic;
  /** Offsets committed inside transactions, applied when their transaction commits. */
  readonly txnOffsets = new TxnOffsets();

  constructor(logs: LogManager, cluster: ClusterView, core: Core, config: BrokerConfig) {
    this.topic = new OffsetsTopic(logs, cluster, core, config);
  }

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new Group(groupId)));
    return group;
  }

  /**
   * Rebuilds groups and offsets from __consumer_offsets. Members are restored as they were
   * last stored; their sessions start over (the coordinator arms their timers).
   */
  async load(which?: (partition: number) => boolean): Promise<{ groups: number; records: number }> {
    const records = await this.topic.load(({ key: keyBytes, value: valueBytes, txnProducerId }) => {
      const key = readKey(keyBytes);
      if (!key) return;
      if (key.kind === 'offset' && txnProducerId >= 0) {
        // Kafka's loader: pending until the producer's marker, which may come later in the log.
        this.getOrCreate(key.group);
        if (valueBytes === null) this.txnOffsets.remove(key.group, txnProducerId, key.topic, key.partition);
        else {
          const v = readOffsetValue(valueBytes);
          this.txnOffsets.add(key.group, txnProducerId, [{ topic: key.topic, partition: key.partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp }]);
        }
        return;
      }
      if (key.kind === 'offset') {
        this.txnOffsets.supersede(key.group, [key]);
        const group = valueBytes === null ? this.groups.get(key.group) : this.getOrCreate(key.group);
        if (!group) return;
        if (valueBytes === null) group.setOffset(key.topic, key.partition, null);
        else {
          const v = readOffsetValue(valueBytes);
          group.setOffset(key.topic, key.partition, { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp });
        }
        return;
      }
      if (key.kind === 'consumer') {
        const group = valueBytes === null ? this.groups.get(key.group) : this.getOrCreate(key.group);
        if (!group) return;
        if (group.consumer === null && valueBytes !== null) group.resetClassic();
        group.consumer = applyConsumerRecord(group.consumer, key.consumer, valueBytes);
        if (!group.consumer && !group.hasOffsets && group.protocolType === null) this.groups.delete(key.group);
        return;
      }
      if (valueBytes === null) {
        // The classic group is gone; its offsets stay when a conversion to the consumer
        // protocol wrote the tombstone (a deletion tombstones the offsets first).
        const group = this.groups.get(key.group);
        if (group?.hasOffsets || group?.consumer) group.resetClassic();
        else this.groups.delete(key.group);
        return;
      }
      this.restoreGroup(this.getOrCreate(key.group), readGroupValue(valueBytes));
    }, ({ partition, producerId, commit }) => this.completeTransaction(producerId, partition, commit), which);
    // A group tombstoned after its offsets were written has no group record: keep its offsets.
    return { groups: this.groups.size, records };
  }

  /** The groups whose records live in `partition` of __consumer_offsets. */
  groupsOf(partition: number): Group[] {
    return [...this.groups.values()].filter((g) => this.topic.partitionFor(g.groupId) === partition);
  }

  private restoreGroup(group: Group, v: ReturnType<typeof readGroupValue>): void {
    for (const id of [...group.members.keys()]) group.remove(id);
    group.consumer?.stopTimers();
    group.consumer = null; // a downgrade: the consumer records were tombstoned before
    group.generationId = v.generation;
    group.protocolType = v.protocolType === '' ? null : v.protocolType;
    group.protocolName = v.protocol;
    group.leaderId = null;
    if (v.currentStateTimestamp >= 0) group.stateTimestamp = v.currentStateTimestamp;
    for (const m of v.members) {
      const member = new Member(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout, m.sessionTimeout,
        v.protocolType, [{ name: v.protocol ?? '', metadata: m.subscription }]);
      member.assignment = m.assignment;
      group.add(member);
    }
    group.leaderId = v.leader !== null && group.members.has(v.leader) ? v.leader : group.leaderId;
    group.state = group.hasMembers ? 'Stable' : 'Empty';
  }

  /** Writes a group's metadata: members with their subscriptions and `assignments`. */
  async storeGroup(group: Group, assignments: Map<string, Buffer>): Promise<void> {
    const protocol = group.protocolName;
    await this.topic.append(group.groupId, [{
      key: groupKey(group.groupId),
      value: groupValue({
        protocolType: group.protocolType ?? '',
        generation: group.generationId,
        protocol,
        leader: group.leaderId,
        currentStateTimestamp: group.stateTimestamp,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
          subscription: m.metadataFor(protocol ?? ''), assignment: assignments.get(m.memberId) ?? m.assignment,
        })),
      }),
    }]);
  }

  /** Appends the commits, then applies them: acknowledged only once in the log. */
  async commit(group: Group, offsets: OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.topic.append(group.groupId, offsets.map((o) => ({
      key: offsetKey(group.groupId, o.topic, o.partition),
      value: offsetValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: -1 }),
    })));
    for (const o of offsets) group.setOffset(o.topic, o.partition, o);
    this.txnOffsets.supersede(group.groupId, offsets);
  }

  /**
   * TxnOffsetCommit: appends the offsets as a transactional batch of `producer`, then keeps
   * them pending (txn-offsets.ts) until the producer's transaction ends.
   */
  async commitTransactional(group: Group, producer: OffsetsProducer, offsets: OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.topic.append(group.groupId, offsets.map((o) => ({
      key: offsetKey(group.groupId, o.topic, o.partition),
      value: offsetValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, expireTimestamp: -1 }),
    })), producer);
    this.txnOffsets.add(group.groupId, producer.producerId, offsets);
  }

  /**
   * A COMMIT or ABORT marker of `producerId` is in `partition` of __consumer_offsets: its
   * pending offsets in the groups of that partition become committed, or are dropped.
   * Returns the number of offsets committed.
   */
  completeTransaction(producerId: number, partition: number, commit: boolean): number {
    const done = this.txnOffsets.complete(producerId, (groupId) => this.topic.partitionFor(groupId) === partition);
    if (!commit) return 0;
    let applied = 0;
    for (const [groupId, offsets] of done) {
      const group = this.getOrCreate(groupId);
      for (const o of offsets) group.setOffset(o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp });
      applied += offsets.length;
    }
    return applied;
  }

  /** Tombstones for some of a group's offsets, then forgets them. */
  async deleteOffsets(group: Group, partitions: { topic: string; partition: number }[]): Promise<void> {
    const present = partitions.filter((p) => group.offset(p.topic, p.partition) !== undefined);
    if (present.length === 0) return;
    await this.topic.append(group.groupId, present.map((p) => ({ key: offsetKey(group.groupId, p.topic, p.partition), value: null })));
    for (const p of present) group.setOffset(p.topic, p.partition, null);
  }

  /** Tombstones for the group and all its offsets; the group is Dead and forgotten. */
  async deleteGroup(group: Group): Promise<void> {
    const records: OffsetsRecord[] = [];
    for (const [topic, partitions] of group.offsets) for (const partition of partitions.keys()) records.push({ key: offsetKey(group.groupId, topic, partition), value: null });
    if (group.consumer) records.push(...groupTombstones(group.groupId, group.consumer));
    else records.push({ key: groupKey(group.groupId), value: null });
    await this.topic.append(group.groupId, records);
    group.offsets.clear();
    this.txnOffsets.dropGroup(group.groupId);
    group.consumer?.stopTimers();
    group.consumer = null;
    group.transition('Dead');
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  /**
   * Kafka's offset expiration (KIP-211): the offsets of a group that has been Empty for
   * offsets.retention.minutes expire together; a group that never had members (offsets
   * committed by a standalone consumer) expires each offset retention after its commit.
   * An Empty group left without offsets is deleted. Returns the offsets removed.
   */
  async expire(now: number, retentionMs: number): Promise<number> {
    let removed = 0;
    for (const group of [...this.groups.values()]) {
      if (!group.isEmpty && !group.consumer) continue;
      const expired: { topic: string; partition: number }[] = [];
      for (const [topic, partitions] of group.offsets) {
        // Kafka's rule for consumer groups: offsets of topics no member subscribes to expire
        // one retention after their commit, whether or not the group is empty.
        if (group.consumer?.isSubscribedToTopic(topic)) continue;
        for (const [partition, committed] of partitions) {
          const since = group.protocolType === null || group.consumer ? committed.commitTimestamp : group.stateTimestamp;
          if (since + retentionMs <= now) expired.push({ topic, partition });
        }
      }
      await this.deleteOffsets(group, expired);
      removed += expired.length;
      // A group whose only offsets are pending in a transaction stays until it ends.
      if (!group.hasOffsets && group.isEmpty && !this.txnOffsets.hasPending(group.groupId) && this.groups.get(group.groupId) === group) await this.deleteGroup(group);
    }
    return removed;
  }
}
