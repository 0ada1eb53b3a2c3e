// KIP-848's consumer group protocol, the coordinator's side (Kafka's GroupMetadataManager
// for consumer groups): ConsumerGroupHeartbeat joins, heartbeats and leaves; each heartbeat
// (1) updates the member and bumps the group epoch when subscriptions or the subscribed
// topics changed, (2) computes a new target assignment with the server-side assignor when
// the group epoch is ahead of the assignment epoch, (3) moves the member one step toward
// its target (reconcile.ts). Sessions (group.consumer.session.timeout.ms) and revocation
// deadlines (the member's rebalance timeout) fence members that stop. Every change is
// written to __consumer_offsets first and applied once appended (consumer-records.ts).
// Classic members inside a consumer group and the conversions between protocols are
// migration.ts's.
import { randomUUID } from 'node:crypto';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../base/logger.js';
import type { ClusterView } from '../broker/cluster-view.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { Reader } from '../protocol/codec.js';
import type { Group } from './group.js';
import type { GroupStore } from './store.js';
import type { OffsetsRecord } from './offsets-topic.js';
import { configuredAssignors, type ServerAssignor } from './assignors.js';
import { reconcile } from './reconcile.js';
import { sameAssignment, type Assignment } from './assignment.js';
import {
  ConsumerGroup, ConsumerMember, MemberState, compileTopicRegex, JOIN_GROUP_MEMBER_EPOCH, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  type SubscribedTopic,
} from './consumer-group.js';
import { ConsumerRecords, applyConsumerRecord, groupTombstones, memberTombstones, readConsumerKey } from './consumer-records.js';
import { groupKey } from './records.js';

interface ConsumerHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** What the member owns (null: unchanged since its last heartbeat). */
  owned: Assignment | null;
  clientId: string;
  clientHost: string;
  /** v1+: the client generates its member id (KIP-1082). */
  apiVersion: number;
}

interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: Assignment | null;
}

/** The hooks migration.ts adds: online upgrade of classic groups, downgrade on a member's departure. */
export interface MigrationHooks {
  /** A classic group a consumer-protocol member joins: converted (the new consumer group) or refused. */
  upgrade(holder: Group, records: OffsetsRecord[]): ConsumerGroup;
  /** Whether removing `memberId` turns the group back to classic; if so, appends what that takes. */
  maybeDowngrade(holder: Group, group: ConsumerGroup, memberId: string, records: OffsetsRecord[]): boolean;
  /** After a downgrade was appended: the classic group takes over. */
  completeDowngrade(holder: Group, group: ConsumerGroup, leavingMemberId: string): void;
  /** After an upgrade was appended: the sessions of the members that came from the classic group. */
  armConverted(groupId: string, group: ConsumerGroup): void;
}

const fail = (code: number, message: string) => new KafkaError(code, message);

export class ConsumerCoordinator {
  readonly assignors: ServerAssignor[];
  /** One request per group at a time: each computes from the state, appends, then applies. */
  private readonly queues = new Map<string, Promise<unknown>>();
  migration: MigrationHooks | null = null;

  constructor(private readonly config: BrokerConfig, private readonly store: GroupStore, private readonly cluster: ClusterView, private readonly logger: Logger) {
    this.assignors = configuredAssignors(config.list('group.consumer.assignors'));
  }

  serialize<T>(groupId: string, task: () => Promise<T>): Promise<T> {
    const before = this.queues.get(groupId) ?? Promise.resolve();
    const run = before.then(task, task);
    const settled = run.then(() => undefined, () => undefined);
    this.queues.set(groupId, settled);
    void settled.then(() => { if (this.queues.get(groupId) === settled) this.queues.delete(groupId); });
    return run;
  }

  get heartbeatIntervalMs(): number {
    return this.config.int('group.consumer.heartbeat.interval.ms');
  }

  // ---- ConsumerGroupHeartbeat ----------------------------------------------------------

  async heartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const answer = (e: unknown): ConsumerHeartbeatResult => {
      if (!(e instanceof KafkaError)) throw e;
      return { errorCode: e.code, errorMessage: e.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    };
    try {
      this.validate(req);
    } catch (e) {
      return answer(e);
    }
    await this.store.topic.ensure();
    return this.serialize(req.groupId, async () => {
      if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(req);
      return this.join(req);
    }).catch(answer);
  }

  /** Kafka's request checks (INVALID_REQUEST with its messages; UNSUPPORTED_ASSIGNOR). */
  private validate(req: ConsumerHeartbeatRequest): void {
    const emptyString = (v: string | null) => v !== null && v.trim() === '';
    if (emptyString(req.groupId)) throw fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.');
    if (emptyString(req.instanceId)) throw fail(ErrorCode.INVALID_REQUEST, 'InstanceId can\'t be empty.');
    if (emptyString(req.rackId)) throw fail(ErrorCode.INVALID_REQUEST, 'RackId can\'t be empty.');
    // librdkafka sends an empty regex with a subscription by names: no regex (as Kafka reads it).
    if (req.subscribedTopicRegex && compileTopicRegex(req.subscribedTopicRegex) === null) {
      throw fail(ErrorCode.INVALID_REQUEST, `SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression.`);
    }
    if (req.apiVersion >= 1 && emptyString(req.memberId)) throw fail(ErrorCode.INVALID_REQUEST, 'MemberId can\'t be empty.');
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (emptyString(req.memberId)) throw fail(ErrorCode.INVALID_REQUEST, 'MemberId can\'t be empty.');
    } else if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (req.rebalanceTimeoutMs === -1) throw fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
      if (req.owned === null || req.owned.size > 0) throw fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
      if ((req.subscribedTopicNames === null || req.subscribedTopicNames.length === 0) && !req.subscribedTopicRegex) {
        throw fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
      }
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (emptyString(req.memberId)) throw fail(ErrorCode.INVALID_REQUEST, 'MemberId can\'t be empty.');
      if (req.instanceId === null) throw fail(ErrorCode.INVALID_REQUEST, 'InstanceId can\'t be null.');
    } else throw fail(ErrorCode.INVALID_REQUEST, 'MemberEpoch is invalid.');
    if (req.serverAssignor !== null && !this.assignors.some((a) => a.name === req.serverAssignor)) {
      throw fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.assignors.map((a) => a.name).join(', ')}.`);
    }
  }

  /** The consumer group of `groupId`, maybe created (epoch 0) or converted from an empty or classic group. */
  private consumerGroup(groupId: string, create: boolean, records: OffsetsRecord[]): { holder: Group | null; group: ConsumerGroup } {
    const holder = this.store.get(groupId);
    if (!holder || holder.is('Dead')) {
      if (!create) throw fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
      return { holder: null, group: new ConsumerGroup() };
    }
    if (holder.consumer) return { holder, group: holder.consumer };
    if (!create) throw fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    if (holder.is('Empty')) {
      // An empty classic group (maybe just committed offsets) becomes a consumer group: its
      // classic record goes, its offsets stay.
      if (holder.protocolType !== null) records.push({ key: groupKey(groupId), value: null });
      return { holder, group: new ConsumerGroup() };
    }
    if (!this.migration) throw fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    return { holder, group: this.migration.upgrade(holder, records) };
  }

  private async join(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const records: OffsetsRecord[] = [];
    const create = req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const { holder, group } = this.consumerGroup(req.groupId, create, records);
    const maxSize = this.config.int('group.consumer.max.size');
    if (group.members.size >= maxSize && (req.memberId === '' || !group.members.has(req.memberId))) {
      throw fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${maxSize} members.`);
    }
    const memberId = req.memberId === '' ? randomUUID() : req.memberId;
    const { member, replaced } = req.instanceId === null
      ? { member: this.dynamicMember(group, memberId, req), replaced: null }
      : this.staticMember(req.groupId, group, memberId, req, records);
    // A static member replacing its old instance is not new: it brings no rebalance.
    const isNew = !group.members.has(memberId) && replaced === null;

    // 1. The member, and the group epoch when subscriptions or their topics changed.
    const updated = member.clone();
    if (req.instanceId !== null) updated.instanceId = req.instanceId;
    if (req.rackId !== null) updated.rackId = req.rackId;
    if (req.rebalanceTimeoutMs !== -1) updated.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.serverAssignor !== null) updated.serverAssignor = req.serverAssignor;
    if (req.subscribedTopicNames !== null) updated.subscribedTopicNames = [...req.subscribedTopicNames];
    if (req.subscribedTopicRegex !== null) updated.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
    updated.clientId = req.clientId;
    updated.clientHost = req.clientHost;
    updated.classic = null;
    let groupEpoch = group.groupEpoch;
    let bump = false;
    if (!sameSubscriptionRecord(member, updated) || isNew) {
      records.push(ConsumerRecords.member(req.groupId, updated));
      bump ||= !sameTopics(member.subscribedTopicNames, updated.subscribedTopicNames) || member.subscribedTopicRegex !== updated.subscribedTopicRegex || isNew;
    }
    const metadata = this.subscriptionMetadata(group, updated, null);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) {
      records.push(ConsumerRecords.partitionMetadata(req.groupId, metadata));
      bump = true;
    }
    if (bump) {
      groupEpoch += 1;
      records.push(ConsumerRecords.groupEpoch(req.groupId, groupEpoch));
    }

    // 2. A new target assignment when the group epoch is ahead of it.
    let targetEpoch = group.assignmentEpoch;
    // A static member replacing its old instance inherits the old member id's target.
    let target = group.target.get(memberId) ?? (replaced ? group.target.get(replaced) : undefined) ?? new Map();
    if (groupEpoch > group.assignmentEpoch) {
      const targets = this.computeTarget(group, updated, metadata, replaced);
      for (const [id, a] of targets) if (!sameAssignment(a, group.target.get(id) ?? new Map())) records.push(ConsumerRecords.targetMember(req.groupId, id, a));
      records.push(ConsumerRecords.targetEpoch(req.groupId, groupEpoch));
      targetEpoch = groupEpoch;
      target = targets.get(memberId) ?? new Map();
    }

    // 3. One reconciliation step.
    const reconciled = updated.isReconciledTo(targetEpoch) ? updated
      : reconcile(updated, { targetEpoch, target, owned: req.owned, ownerOf: (t, p) => group.ownerOf(t, p) });
    const assignmentChanged = !sameAssignment(reconciled.assigned, member.assigned) || !sameAssignment(reconciled.pendingRevocation, member.pendingRevocation);
    const stepped = reconciled.memberEpoch !== member.memberEpoch || reconciled.previousMemberEpoch !== member.previousMemberEpoch || reconciled.state !== member.state || assignmentChanged || !group.members.has(memberId);
    if (stepped) records.push(ConsumerRecords.current(req.groupId, reconciled));

    // What the member held before this heartbeat (a restarted member: nothing).
    const assignedBefore = member.assigned;
    const applied = await this.append(req.groupId, holder, group, records);
    this.migration?.armConverted(req.groupId, applied);
    const now = applied.members.get(memberId)!;
    this.armSession(req.groupId, applied, memberId, this.config.int('group.consumer.session.timeout.ms'));
    // The revocation deadline runs from the step that asked for it (Kafka's rebalance timeout):
    // heartbeats that change nothing do not extend it.
    if (now.state !== MemberState.UNREVOKED_PARTITIONS) applied.cancel(memberId, 'rebalance');
    else if (stepped && now.rebalanceTimeoutMs > 0) this.armRevocationDeadline(req.groupId, applied, memberId, now.memberEpoch, now.rebalanceTimeoutMs);
    const full = req.memberEpoch === 0 || (req.rebalanceTimeoutMs !== -1 && req.subscribedTopicNames !== null && req.owned !== null);
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, memberId, memberEpoch: now.memberEpoch, heartbeatIntervalMs: this.heartbeatIntervalMs,
      assignment: full || !sameAssignment(now.assigned, assignedBefore) ? now.assigned : null,
    };
  }

  private dynamicMember(group: ConsumerGroup, memberId: string, req: ConsumerHeartbeatRequest): ConsumerMember {
    const existing = group.members.get(memberId);
    if (!existing) {
      if (req.memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${req.groupId}.`);
      return new ConsumerMember(memberId);
    }
    if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH && !existing.usesClassicProtocol) {
      // KIP-1082: a member keeps its id for its lifetime, so a fenced member rejoins with it
      // (epoch 0, owning nothing): it starts over from epoch 0 with its subscription.
      const restarted = existing.clone();
      Object.assign(restarted, { memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.STABLE, assigned: new Map(), pendingRevocation: new Map() });
      return restarted;
    }
    if (!existing.usesClassicProtocol) checkMemberEpoch(existing, req.memberEpoch, req.owned);
    return existing;
  }

  /**
   * Static membership (KIP-345 in KIP-848's terms): an instance id rejoining takes its member's
   * place (`replaced`: the old member id, whose records this heartbeat removes).
   */
  private staticMember(groupId: string, group: ConsumerGroup, memberId: string, req: ConsumerHeartbeatRequest, records: OffsetsRecord[]): { member: ConsumerMember; replaced: string | null } {
    const existing = group.staticMember(req.instanceId!);
    const same = (member: ConsumerMember) => ({ member, replaced: null });
    if (req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (!existing) return same(group.members.get(memberId)?.clone() ?? new ConsumerMember(memberId));
      if (existing.memberId === memberId) return same(this.dynamicMember(group, memberId, req));
      if (!existing.usesClassicProtocol && existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
      }
      // The new instance takes the old one's place: its subscription, target and assignment.
      const replacement = Object.assign(existing.clone(), { memberId, memberEpoch: 0, previousMemberEpoch: 0 }) as ConsumerMember;
      records.push(...memberTombstones(groupId, existing.memberId));
      records.push(ConsumerRecords.member(groupId, replacement));
      records.push(ConsumerRecords.targetMember(groupId, memberId, group.target.get(existing.memberId) ?? new Map()));
      records.push(ConsumerRecords.current(groupId, replacement));
      this.logger.info(`group ${groupId}: static member ${req.instanceId} rejoined as ${memberId}, replacing ${existing.memberId}`);
      return { member: replacement, replaced: existing.memberId };
    }
    if (!existing) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (existing.memberId !== memberId) throw fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
    if (!existing.usesClassicProtocol) checkMemberEpoch(existing, req.memberEpoch, req.owned);
    return same(existing);
  }

  /** Subscribed topic name → id and partition count, with `updated` in place of its old self (null: `removed` gone). */
  subscriptionMetadata(group: ConsumerGroup, updated: ConsumerMember | null, removed: string | null): Map<string, SubscribedTopic> {
    const names = new Set<string>();
    const members = [...group.members.values()].filter((m) => m.memberId !== updated?.memberId && m.memberId !== removed);
    if (updated) members.push(updated);
    for (const m of members) {
      for (const t of m.subscribedTopicNames) names.add(t);
      // A regex subscribes to every topic it matches now, internal topics aside.
      if (m.subscribedTopicRegex) for (const name of this.cluster.topicNames()) if (!this.cluster.topic(name)?.internal && m.subscribesTo(name)) names.add(name);
    }
    const metadata = new Map<string, SubscribedTopic>();
    for (const name of [...names].sort()) {
      const topic = this.cluster.topic(name);
      if (topic && !topic.internal) metadata.set(name, { topicId: topic.topicId, numPartitions: topic.partitionCount });
    }
    return metadata;
  }

  /** The server-side assignor's target for every member, `updated` included. */
  computeTarget(group: ConsumerGroup, updated: ConsumerMember | null, metadata: Map<string, SubscribedTopic>, removed: string | null = null): Map<string, Assignment> {
    const members = [...group.members.values()].filter((m) => m.memberId !== updated?.memberId && m.memberId !== removed);
    if (updated) members.push(updated);
    const assignor = this.preferredAssignor(members);
    const topics = new Map([...metadata.values()].map((t) => [t.topicId, t.numPartitions]));
    return assignor.assign(members.map((m) => ({
      memberId: m.memberId,
      subscribedTopicIds: new Set([...metadata].filter(([name]) => m.subscribesTo(name)).map(([, t]) => t.topicId)),
      // A static member that replaced `removed` keeps what that one was meant to have.
      previous: group.target.get(m.memberId) ?? (m === updated && removed !== null ? group.target.get(removed) : undefined) ?? new Map(),
    })), topics);
  }

  /** The assignor most members ask for; the first configured one when none asks (Kafka's rule). */
  private preferredAssignor(members: Iterable<ConsumerMember>): ServerAssignor {
    const votes = new Map<string, number>();
    for (const m of members) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    const preferred = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    return this.assignors.find((a) => a.name === preferred) ?? this.assignors[0];
  }

  /** The assignor the group's target assignment comes from (ConsumerGroupDescribe). */
  assignorFor(group: ConsumerGroup): ServerAssignor {
    return this.preferredAssignor(group.members.values());
  }

  /**
   * A classic JoinGroup for a group on the consumer protocol: a non-empty one serves its
   * classic members (migration.ts); an empty one is removed so that the classic protocol takes
   * the group id over, as Kafka does (null: go on with a classic group).
   */
  async forClassicJoin(groupId: string): Promise<Group | null> {
    const holder = this.store.get(groupId);
    if (!holder?.consumer) return null;
    if (holder.consumer.members.size > 0) return holder;
    await this.serialize(groupId, async () => {
      const group = holder.consumer;
      if (!group || group.members.size > 0) return;
      await this.store.topic.append(groupId, groupTombstones(groupId, group));
      group.stopTimers();
      holder.consumer = null;
    });
    return holder.consumer ? holder : null;
  }

  // ---- leaving, fencing -------------------------------------------------------------------

  private async leave(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const { holder, group } = this.consumerGroup(req.groupId, false, []);
    const done = (memberEpoch: number): ConsumerHeartbeatResult => ({ errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (req.instanceId === null) {
      if (!group.members.has(req.memberId)) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
      this.logger.info(`group ${req.groupId}: member ${req.memberId} left`);
      await this.fence(req.groupId, holder!, group, req.memberId);
      return done(req.memberEpoch);
    }
    const existing = group.staticMember(req.instanceId);
    if (!existing) throw fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (existing.memberId !== req.memberId) throw fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A static member going away for a while keeps its partitions until its session ends;
      // the same instance id rejoining takes them back without a rebalance.
      const leaving = Object.assign(existing.clone(), { memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, pendingRevocation: new Map() }) as ConsumerMember;
      await this.append(req.groupId, holder, group, [ConsumerRecords.current(req.groupId, leaving)]);
      return done(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    await this.fence(req.groupId, holder!, group, req.memberId);
    return done(req.memberEpoch);
  }

  /** Removes a member (left, session expired, revocation too slow) and bumps the group epoch. */
  async fence(groupId: string, holder: Group, group: ConsumerGroup, memberId: string): Promise<void> {
    const records: OffsetsRecord[] = [];
    if (this.migration?.maybeDowngrade(holder, group, memberId, records)) {
      await this.store.topic.append(groupId, records);
      this.migration.completeDowngrade(holder, group, memberId);
      return;
    }
    records.push(...memberTombstones(groupId, memberId));
    const metadata = this.subscriptionMetadata(group, null, memberId);
    if (!sameMetadata(metadata, group.subscriptionMetadata)) records.push(ConsumerRecords.partitionMetadata(groupId, metadata));
    records.push(ConsumerRecords.groupEpoch(groupId, group.groupEpoch + 1));
    await this.append(groupId, holder, group, records);
  }

  /** Fences a member from a timer (its own queue turn; the member may be gone or replaced by then). */
  fenceLater(groupId: string, memberId: string, why: string, stillDue: (m: ConsumerMember) => boolean = () => true): void {
    void this.serialize(groupId, async () => {
      const holder = this.store.get(groupId);
      const group = holder?.consumer;
      const member = group?.members.get(memberId);
      if (!holder || !group || !member || !stillDue(member)) return;
      this.logger.info(`group ${groupId}: member ${memberId} fenced: ${why}`);
      await this.fence(groupId, holder, group, memberId);
    }).catch((e) => this.logger.warn(`group ${groupId}: cannot fence member ${memberId}: ${(e as Error).message}`));
  }

  armSession(groupId: string, group: ConsumerGroup, memberId: string, ms: number): void {
    group.schedule(memberId, 'session', ms, () => this.fenceLater(groupId, memberId, `no heartbeat within its session timeout of ${ms} ms`));
  }

  private armRevocationDeadline(groupId: string, group: ConsumerGroup, memberId: string, epoch: number, ms: number): void {
    group.schedule(memberId, 'rebalance', ms, () => this.fenceLater(groupId, memberId, `it did not revoke its partitions within its rebalance timeout of ${ms} ms`, (m) => m.memberEpoch === epoch));
  }

  // ---- persistence ------------------------------------------------------------------------

  /**
   * Appends the records, then applies them: to the existing group, or to a new one that is
   * installed in the store once it has its epoch record. Returns the group as it now is.
   */
  async append(groupId: string, holder: Group | null, group: ConsumerGroup, records: OffsetsRecord[]): Promise<ConsumerGroup> {
    if (records.length > 0) await this.store.topic.append(groupId, records);
    const target = holder ?? this.store.getOrCreate(groupId);
    if (target.consumer !== group) {
      // A new or converted group: the classic state goes, the consumer state comes.
      target.resetClassic();
      target.consumer = group;
    }
    this.apply(target, records);
    return target.consumer ?? group;
  }

  /** Applies appended records to the group (as a restart would replay them). */
  apply(holder: Group, records: OffsetsRecord[]): void {
    for (const record of records) {
      const r = new Reader(record.key);
      const version = r.int16();
      const key = readConsumerKey(version, r);
      if (key) holder.consumer = applyConsumerRecord(holder.consumer, key, record.value);
    }
  }
}

/** Kafka's epoch check: the current epoch, or the previous one with no more than the current assignment. */
function checkMemberEpoch(member: ConsumerMember, epoch: number, owned: Assignment | null): void {
  if (epoch > member.memberEpoch) {
    throw fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${epoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (epoch < member.memberEpoch) {
    let ownsOnlyAssigned = owned !== null;
    for (const [topicId, partitions] of owned ?? []) for (const p of partitions) if (!member.assigned.get(topicId)?.has(p)) ownsOnlyAssigned = false;
    if (epoch !== member.previousMemberEpoch || !ownsOnlyAssigned) {
      throw fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${epoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
  }
}

const sameTopics = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);

/** Whether the fields the member subscription record holds are unchanged. */
function sameSubscriptionRecord(a: ConsumerMember, b: ConsumerMember): boolean {
  return a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId && a.clientHost === b.clientHost
    && sameTopics(a.subscribedTopicNames, b.subscribedTopicNames) && a.subscribedTopicRegex === b.subscribedTopicRegex
    && a.rebalanceTimeoutMs === b.rebalanceTimeoutMs && a.serverAssignor === b.serverAssignor && (a.classic === null) === (b.classic === null);
}

function sameMetadata(a: Map<string, SubscribedTopic>, b: Map<string, SubscribedTopic>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const o = b.get(name);
    if (!o || o.topicId !== t.topicId || o.numPartitions !== t.numPartitions) return false;
  }
  return true;
}
