// Groups moving between the classic protocol and KIP-848's consumer protocol while they run
// (group.consumer.migration.policy), as KIP-848 describes and Kafka 3.9 does it:
//   upgrade:   a classic group of consumers ("consumer" protocol type) that a member joins
//              with ConsumerGroupHeartbeat becomes a consumer group; its classic members stay
//              in it, keeping their partitions, and keep speaking JoinGroup / SyncGroup /
//              Heartbeat: the coordinator answers them from the consumer group (a heartbeat
//              says REBALANCE_IN_PROGRESS when they must rejoin to collect a new assignment,
//              which SyncGroup hands out; the server-side assignor decides for everyone);
//   downgrade: when the last consumer-protocol member leaves and classic members remain, the
//              group turns classic again and rebalances among them.
// So a rolling restart of a group's consumers from the classic to the consumer protocol (or
// back) never stops the group.
import { randomUUID } from 'node:crypto';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../base/logger.js';
import type { ClusterView } from '../broker/cluster-view.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { Reader } from '../protocol/codec.js';
import { readConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import { assignedPartitions, encodeAssignment } from '../protocol/consumer-protocol.js';
import { Group, Member, type JoinResult, type SyncResult } from './group.js';
import type { JoinRequest, SyncRequest, MemberIdentity } from './coordinator.js';
import type { OffsetsRecord } from './offsets-topic.js';
import { groupKey, groupValue } from './records.js';
import { addPartition, toTopicPartitions, type Assignment } from './assignment.js';
import { ConsumerGroup, ConsumerMember, MemberState } from './consumer-group.js';
import { ConsumerRecords, groupTombstones } from './consumer-records.js';
import type { ConsumerCoordinator, MigrationHooks } from './consumer-coordinator.js';
import { reconcile } from './reconcile.js';

/** What migration needs of the classic coordinator. */
interface ClassicSide {
  /** Starts a rebalance of a classic group (after a downgrade). */
  prepareRebalance(group: Group): void;
  /** Arms the session timers of a classic group's members. */
  armSessions(group: Group): void;
}

const NO_BYTES = Buffer.alloc(0);
const fail = (code: number, message: string) => new KafkaError(code, message);

/** A consumer-protocol subscription's topics and owned partitions (throws on bytes that are not one). */
function readSubscription(metadata: Buffer): { topics: string[]; owned: { topic: string; partitions: number[] }[] } {
  const r = new Reader(metadata);
  const version = Math.min(Math.max(r.int16(), 0), 3);
  const s = readConsumerProtocolSubscription(r, version);
  return { topics: s.topics, owned: s.ownedPartitions };
}

export class Migration implements MigrationHooks {
  constructor(
    private readonly config: BrokerConfig,
    private readonly consumer: ConsumerCoordinator,
    private readonly cluster: ClusterView,
    private readonly classic: ClassicSide,
    private readonly logger: Logger,
  ) {}

  private get policy(): string {
    return this.config.string('group.consumer.migration.policy');
  }

  private byIds(list: { topic: string; partitions: number[] }[]): Assignment {
    const a: Assignment = new Map();
    for (const t of list) {
      const topicId = this.cluster.topic(t.topic)?.topicId;
      if (topicId !== undefined) for (const p of t.partitions) addPartition(a, topicId, p);
    }
    return a;
  }

  private byNames(a: Assignment): { topic: string; partitions: number[] }[] {
    return toTopicPartitions(a).flatMap((t) => {
      const topic = this.cluster.topicById(t.topicId)?.name;
      return topic === undefined ? [] : [{ topic, partitions: t.partitions }];
    });
  }

  // ---- upgrade ----------------------------------------------------------------------------

  upgrade(holder: Group, records: OffsetsRecord[]): ConsumerGroup {
    const why = this.policy !== 'upgrade' && this.policy !== 'bidirectional' ? 'the online upgrade is disabled (group.consumer.migration.policy)'
      : holder.protocolType !== 'consumer' ? 'the group does not use the consumer embedded protocol'
      : holder.members.size > this.config.int('group.consumer.max.size') ? 'the group size exceeds group.consumer.max.size' : null;
    if (why !== null) throw fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${holder.groupId} is not a consumer group: cannot upgrade it, ${why}.`);
    const group = new ConsumerGroup();
    group.groupEpoch = holder.generationId;
    group.assignmentEpoch = holder.generationId;
    for (const classic of holder.members.values()) {
      let subscription: ReturnType<typeof readSubscription>;
      try {
        subscription = readSubscription(classic.metadataFor(holder.protocolName ?? ''));
      } catch {
        throw fail(ErrorCode.GROUP_ID_NOT_FOUND, `Cannot upgrade the classic group ${holder.groupId} to consumer group because the embedded consumer protocol is malformed.`);
      }
      const m = new ConsumerMember(classic.memberId);
      Object.assign(m, {
        instanceId: classic.groupInstanceId, clientId: classic.clientId, clientHost: classic.clientHost,
        subscribedTopicNames: subscription.topics, rebalanceTimeoutMs: classic.rebalanceTimeoutMs,
        classic: { sessionTimeoutMs: classic.sessionTimeoutMs, protocols: classic.protocols },
        memberEpoch: holder.generationId, previousMemberEpoch: holder.generationId, state: MemberState.STABLE,
        assigned: this.byIds(assignedPartitions(classic.assignment)),
      });
      group.putMember(m);
      group.target.set(m.memberId, m.assigned);
    }
    group.subscriptionMetadata = this.consumer.subscriptionMetadata(group, null, null);
    // Members waiting in a join or sync of the classic group rejoin the consumer group.
    for (const m of holder.members.values()) {
      m.answerJoin(holder.errorJoin(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
      m.answerSync({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: NO_BYTES });
    }
    records.push({ key: groupKey(holder.groupId), value: null });
    records.push(...consumerGroupRecords(holder.groupId, group));
    this.logger.info(`group ${holder.groupId}: upgraded online from the classic protocol to the consumer protocol (${group.members.size} classic member(s) kept)`);
    return group;
  }

  /** Sessions of the members that came over from the classic group (their classic timeouts). */
  armConverted(groupId: string, group: ConsumerGroup): void {
    for (const m of group.members.values()) if (m.classic && !group.timers.get(m.memberId)?.has('session')) this.consumer.armSession(groupId, group, m.memberId, m.classic.sessionTimeoutMs);
  }

  // ---- downgrade --------------------------------------------------------------------------

  maybeDowngrade(holder: Group, group: ConsumerGroup, memberId: string, records: OffsetsRecord[]): boolean {
    if (!group.allMembersUseClassicProtocolExcept(memberId) || group.members.size <= 1) return false;
    if (this.policy !== 'downgrade' && this.policy !== 'bidirectional') return false;
    if (group.members.size - 1 > this.config.int('group.max.size')) return false;
    const remaining = [...group.members.values()].filter((m) => m.memberId !== memberId);
    const protocolName = remaining[0].classic!.protocols[0]?.name ?? null;
    records.push(...groupTombstones(holder.groupId, group));
    records.push({
      key: groupKey(holder.groupId),
      value: groupValue({
        protocolType: 'consumer', generation: group.groupEpoch + 1, protocol: protocolName, leader: remaining[0].memberId, currentStateTimestamp: Date.now(),
        members: remaining.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost,
          rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.classic!.sessionTimeoutMs,
          subscription: m.classic!.protocols.find((p) => p.name === protocolName)?.metadata ?? NO_BYTES, assignment: encodeAssignment(this.byNames(m.assigned)),
        })),
      }),
    });
    return true;
  }

  completeDowngrade(holder: Group, group: ConsumerGroup, leavingMemberId: string): void {
    group.stopTimers();
    holder.consumer = null;
    holder.resetClassic();
    holder.generationId = group.groupEpoch + 1;
    holder.protocolType = 'consumer';
    for (const m of group.members.values()) {
      if (m.memberId === leavingMemberId) continue;
      const member = new Member(m.memberId, m.instanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.classic!.sessionTimeoutMs, 'consumer', m.classic!.protocols);
      member.assignment = encodeAssignment(this.byNames(m.assigned));
      holder.add(member);
    }
    holder.protocolName = holder.selectProtocol();
    holder.state = 'Stable';
    this.classic.armSessions(holder);
    this.logger.info(`group ${holder.groupId}: downgraded online to the classic protocol (${holder.members.size} classic member(s))`);
    this.classic.prepareRebalance(holder);
  }

  // ---- classic members inside a consumer group ---------------------------------------------

  /** JoinGroup from a classic member to a non-empty consumer group (Kafka's classicGroupJoinToConsumerGroup). */
  async join(holder: Group, req: JoinRequest): Promise<JoinResult> {
    const group = holder.consumer!;
    const error = (code: number, memberId = req.memberId) => holder.errorJoin(code, memberId);
    const isUnknown = req.memberId === '';
    const memberId = isUnknown ? `${req.clientId}-${randomUUID()}` : req.memberId;
    if (group.members.size >= this.config.int('group.consumer.max.size') && !group.members.has(memberId)) return error(ErrorCode.GROUP_MAX_SIZE_REACHED);
    if (req.protocolType !== 'consumer' || !this.supportsProtocols(group, req.protocols.map((p) => p.name))) return error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (isUnknown && req.groupInstanceId === null && req.requireKnownMemberId) return error(ErrorCode.MEMBER_ID_REQUIRED, memberId);
    let subscription: ReturnType<typeof readSubscription>;
    try {
      subscription = readSubscription(req.protocols[0].metadata);
    } catch {
      return error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    return this.consumer.serialize(holder.groupId, async () => {
      const records: OffsetsRecord[] = [];
      let member: ConsumerMember;
      const existingStatic = req.groupInstanceId === null ? undefined : group.staticMember(req.groupInstanceId);
      if (existingStatic && existingStatic.memberId !== memberId) {
        if (!isUnknown) return error(ErrorCode.FENCED_INSTANCE_ID);
        member = Object.assign(existingStatic.clone(), { memberId, memberEpoch: 0, previousMemberEpoch: 0 }) as ConsumerMember;
        records.push(ConsumerRecords.tombstone('current', holder.groupId, existingStatic.memberId), ConsumerRecords.tombstone('targetMember', holder.groupId, existingStatic.memberId), ConsumerRecords.tombstone('member', holder.groupId, existingStatic.memberId));
        records.push(ConsumerRecords.targetMember(holder.groupId, memberId, group.target.get(existingStatic.memberId) ?? new Map()));
      } else {
        member = group.members.get(memberId)?.clone() ?? new ConsumerMember(memberId);
      }
      const isNew = !group.members.has(memberId);
      const updated = member.clone();
      Object.assign(updated, {
        instanceId: req.groupInstanceId ?? updated.instanceId, rebalanceTimeoutMs: req.rebalanceTimeoutMs, serverAssignor: null,
        subscribedTopicNames: subscription.topics, clientId: req.clientId, clientHost: req.clientHost,
        classic: { sessionTimeoutMs: req.sessionTimeoutMs, protocols: req.protocols },
      });
      const topicsChanged = isNew || [...updated.subscribedTopicNames].sort().join('\u0000') !== [...member.subscribedTopicNames].sort().join('\u0000');
      records.push(ConsumerRecords.member(holder.groupId, updated));
      let groupEpoch = group.groupEpoch;
      const metadata = this.consumer.subscriptionMetadata(group, updated, null);
      const metadataChanged = [...metadata].map(([n, t]) => `${n}:${t.topicId}:${t.numPartitions}`).join(',') !== [...group.subscriptionMetadata].map(([n, t]) => `${n}:${t.topicId}:${t.numPartitions}`).join(',');
      if (metadataChanged) records.push(ConsumerRecords.partitionMetadata(holder.groupId, metadata));
      if (topicsChanged || metadataChanged) records.push(ConsumerRecords.groupEpoch(holder.groupId, ++groupEpoch));
      let targetEpoch = group.assignmentEpoch;
      let target = group.target.get(memberId) ?? new Map();
      if (groupEpoch > group.assignmentEpoch) {
        const targets = this.consumer.computeTarget(group, updated, metadata);
        for (const [id, a] of targets) records.push(ConsumerRecords.targetMember(holder.groupId, id, a));
        records.push(ConsumerRecords.targetEpoch(holder.groupId, groupEpoch));
        targetEpoch = groupEpoch;
        target = targets.get(memberId) ?? new Map();
      }
      const reconciled = updated.isReconciledTo(targetEpoch) ? updated
        : reconcile(updated, { targetEpoch, target, owned: this.byIds(subscription.owned), ownerOf: (t, p) => group.ownerOf(t, p) });
      records.push(ConsumerRecords.current(holder.groupId, reconciled));
      const applied = await this.consumer.append(holder.groupId, holder, group, records);
      const now = applied.members.get(memberId)!;
      applied.cancel(memberId, 'join');
      this.consumer.armSession(holder.groupId, applied, memberId, req.sessionTimeoutMs);
      applied.schedule(memberId, 'sync', req.rebalanceTimeoutMs, () => this.consumer.fenceLater(holder.groupId, memberId, 'it did not sync within its rebalance timeout'));
      return {
        errorCode: ErrorCode.NONE, generationId: now.memberEpoch, protocolType: 'consumer', protocolName: req.protocols[0].name,
        leader: '', memberId, members: [], skipAssignment: false,
      };
    }).catch((e) => {
      if (e instanceof KafkaError) return error(e.code);
      throw e;
    });
  }

  /** Protocols every classic member supports include one of these (or the group has no classic member). */
  private supportsProtocols(group: ConsumerGroup, names: string[]): boolean {
    const classic = [...group.members.values()].filter((m) => m.classic);
    return names.some((n) => classic.every((m) => m.classic!.protocols.some((p) => p.name === n)));
  }

  private classicMember(group: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerMember {
    if (instanceId !== null) {
      const existing = group.staticMember(instanceId);
      if (!existing) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
      if (existing.memberId !== memberId) throw fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
    }
    const member = group.members.get(memberId);
    if (!member || !member.usesClassicProtocol) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a classic member of the group.`);
    return member;
  }

  /** SyncGroup: the member's current assignment, in the consumer protocol's bytes. */
  sync(holder: Group, req: SyncRequest): SyncResult {
    const group = holder.consumer!;
    const failed = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES });
    try {
      const member = this.classicMember(group, req.memberId, req.groupInstanceId);
      if (req.generationId !== member.memberEpoch) return failed(ErrorCode.ILLEGAL_GENERATION);
      const protocolName = member.classic!.protocols[0]?.name ?? null;
      if ((req.protocolType !== null && req.protocolType !== 'consumer') || (req.protocolName !== null && req.protocolName !== protocolName)) return failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      if (group.groupEpoch > member.memberEpoch && member.state !== MemberState.UNREVOKED_PARTITIONS) return failed(ErrorCode.REBALANCE_IN_PROGRESS);
      group.cancel(member.memberId, 'sync');
      this.consumer.armSession(holder.groupId, group, member.memberId, member.classic!.sessionTimeoutMs);
      return { errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName, assignment: encodeAssignment(this.byNames(member.assigned)) };
    } catch (e) {
      if (e instanceof KafkaError) return failed(e.code);
      throw e;
    }
  }

  /** Heartbeat: REBALANCE_IN_PROGRESS when the member must rejoin to move toward its target. */
  heartbeat(holder: Group, generationId: number, memberId: string, instanceId: string | null): number {
    const group = holder.consumer!;
    try {
      const member = this.classicMember(group, memberId, instanceId);
      if (generationId !== member.memberEpoch) return ErrorCode.ILLEGAL_GENERATION;
      this.consumer.armSession(holder.groupId, group, memberId, member.classic!.sessionTimeoutMs);
      const waitingOnOthers = () => {
        for (const [topicId, partitions] of group.target.get(memberId) ?? []) {
          for (const p of partitions) if (!member.assigned.get(topicId)?.has(p) && group.ownerOf(topicId, p) !== undefined && group.ownerOf(topicId, p) !== memberId) return true;
        }
        return false;
      };
      if (member.memberEpoch < group.groupEpoch || member.state === MemberState.UNREVOKED_PARTITIONS
        || (member.state === MemberState.UNRELEASED_PARTITIONS && !waitingOnOthers())) {
        group.schedule(memberId, 'join', member.rebalanceTimeoutMs, () => this.consumer.fenceLater(holder.groupId, memberId, 'the classic member did not rejoin within its rebalance timeout'), true);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      }
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof KafkaError) return e.code;
      throw e;
    }
  }

  /** LeaveGroup of classic members: each one fenced from the consumer group. */
  async leave(holder: Group, members: MemberIdentity[]): Promise<number[]> {
    const codes: number[] = [];
    for (const m of members) {
      const group = holder.consumer;
      if (!group) {
        codes.push(ErrorCode.UNKNOWN_MEMBER_ID);
        continue;
      }
      const memberId = m.memberId === '' && m.groupInstanceId !== null ? group.staticMembers.get(m.groupInstanceId) ?? '' : m.memberId;
      const member = group.members.get(memberId);
      // Kafka: LeaveGroup is for classic members; a consumer-protocol member leaves by heartbeat.
      if (!member || !member.usesClassicProtocol) {
        codes.push(ErrorCode.UNKNOWN_MEMBER_ID);
        continue;
      }
      if (m.groupInstanceId !== null && member.instanceId !== m.groupInstanceId) {
        codes.push(ErrorCode.FENCED_INSTANCE_ID);
        continue;
      }
      try {
        await this.consumer.serialize(holder.groupId, () => this.consumer.fence(holder.groupId, holder, group, memberId));
        codes.push(ErrorCode.NONE);
      } catch (e) {
        codes.push(e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    return codes;
  }
}

/** Every record of a consumer group, as written when a classic group converts to it. */
function consumerGroupRecords(groupId: string, group: ConsumerGroup): OffsetsRecord[] {
  const records: OffsetsRecord[] = [];
  for (const m of group.members.values()) records.push(ConsumerRecords.member(groupId, m));
  records.push(ConsumerRecords.groupEpoch(groupId, group.groupEpoch), ConsumerRecords.partitionMetadata(groupId, group.subscriptionMetadata));
  for (const [memberId, a] of group.target) records.push(ConsumerRecords.targetMember(groupId, memberId, a));
  records.push(ConsumerRecords.targetEpoch(groupId, group.assignmentEpoch));
  for (const m of group.members.values()) records.push(ConsumerRecords.current(groupId, m));
  return records;
}
