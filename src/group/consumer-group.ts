// A group on KIP-848's consumer group protocol (Kafka's ConsumerGroup): a group epoch that
// moves whenever the group's membership or subscriptions change, a target assignment
// computed by a server-side assignor for that epoch (its assignment epoch), and per member
// its member epoch, current assignment and partitions pending revocation. Members reconcile
// toward their target one heartbeat at a time (reconcile.ts); no member ever stops for the
// others, so there is no stop-the-world rebalance. This file holds the data and the rules
// that depend only on it; consumer-coordinator.ts drives it, consumer-records.ts persists it.
import { ErrorCode } from '../protocol/errors.js';
import type { Protocol } from './group.js';
import { emptyAssignment, type Assignment } from './assignment.js';

/** Kafka's MemberState codes, as the current assignment record stores them. */
export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2, UNKNOWN: 127 } as const;
export type MemberStateCode = (typeof MemberState)[keyof typeof MemberState];

/** Member epochs with a meaning of their own (ConsumerGroupHeartbeat). */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

const compiled = new Map<string, RegExp | null>();

/** A subscription regex as a whole-name matcher, or null when it does not compile. Cached: members send the same one. */
export function compileTopicRegex(regex: string): RegExp | null {
  let re = compiled.get(regex);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${regex})$`);
    } catch {
      re = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(regex, re);
  }
  return re;
}

type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';

/** A member that still speaks the classic protocol inside a consumer group (after an online upgrade). */
interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  protocols: Protocol[];
}

export class ConsumerMember {
  instanceId: string | null = null;
  rackId: string | null = null;
  clientId = '';
  clientHost = '';
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  rebalanceTimeoutMs = -1;
  serverAssignor: string | null = null;
  classic: ClassicMemberMetadata | null = null;
  // The current assignment (ConsumerGroupCurrentMemberAssignment).
  memberEpoch = 0;
  previousMemberEpoch = 0;
  state: MemberStateCode = MemberState.STABLE;
  assigned: Assignment = emptyAssignment();
  pendingRevocation: Assignment = emptyAssignment();

  constructor(readonly memberId: string) {}

  /**
   * Whether the member subscribes to `topic`: by name, or (ConsumerGroupHeartbeat v1) by its
   * regex, which must match the whole name (Java's Pattern.matches, as Kafka 4.0 applies it).
   */
  subscribesTo(topic: string): boolean {
    if (this.subscribedTopicNames.includes(topic)) return true;
    if (!this.subscribedTopicRegex) return false;
    return compileTopicRegex(this.subscribedTopicRegex)?.test(topic) ?? false;
  }

  /** Whether the member has caught up with the target assignment of `epoch`. */
  isReconciledTo(epoch: number): boolean {
    return this.memberEpoch === epoch && this.state === MemberState.STABLE;
  }

  get usesClassicProtocol(): boolean {
    return this.classic !== null;
  }

  /** A copy, to compute a member's next state without touching the group's. */
  clone(): ConsumerMember {
    return Object.assign(new ConsumerMember(this.memberId), this, { subscribedTopicNames: [...this.subscribedTopicNames] });
  }
}

/** What the group knows of a subscribed topic when it computed its assignment. */
export interface SubscribedTopic {
  topicId: string;
  numPartitions: number;
}

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id (static membership). */
  readonly staticMembers = new Map<string, string>();
  /** member id → its target assignment at assignmentEpoch. */
  readonly target = new Map<string, Assignment>();
  /** Subscribed topic name → id and partition count (ConsumerGroupPartitionMetadata). */
  subscriptionMetadata = new Map<string, SubscribedTopic>();
  /** topic id → partition → member owning it (assigned or pending revocation): Kafka's partition epochs. */
  private readonly owners = new Map<string, Map<number, string>>();
  /** Per member: session, rebalance (revocation) and, for classic members, join/sync timers. */
  readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();
  /** Requests for the group run one at a time: each reads the state, appends, then applies. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it (one request of the group at a time). */
  serialize<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (!m.isReconciledTo(this.assignmentEpoch)) return 'Reconciling';
    return 'Stable';
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  /** The member currently owning a partition (assigned or still to be revoked), if any. */
  ownerOf(topicId: string, partition: number): string | undefined {
    return this.owners.get(topicId)?.get(partition);
  }

  /** Topic names any member subscribes to, with how many members do. */
  subscribedTopicNames(): Map<string, number> {
    const names = new Map<string, number>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) names.set(t, (names.get(t) ?? 0) + 1);
    return names;
  }

  isSubscribedToTopic(topic: string): boolean {
    for (const m of this.members.values()) if (m.subscribesTo(topic)) return true;
    return false;
  }

  allMembersUseClassicProtocolExcept(memberId: string): boolean {
    for (const m of this.members.values()) if (m.memberId !== memberId && !m.usesClassicProtocol) return false;
    return true;
  }

  // ---- offsets ---------------------------------------------------------------------------

  /**
   * Kafka's validateOffsetCommit: epoch -1 commits (admins, standalone consumers) only while
   * the group is empty; a member commits with its current member epoch (STALE_MEMBER_EPOCH;
   * ILLEGAL_GENERATION for a classic member's generation), and a consumer-protocol member
   * with OffsetCommit v9+, the version that carries the epoch (UNSUPPORTED_VERSION before).
   */
  validateOffsetCommit(memberId: string, memberEpoch: number, apiVersion: number): number {
    if (memberEpoch < 0 && this.members.size === 0) return ErrorCode.NONE;
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (!member.usesClassicProtocol && apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    return this.checkEpoch(member, memberEpoch);
  }

  /** Kafka's validateOffsetFetch: a null member with epoch -1 (an admin) may always read. */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    const member = memberId === null ? undefined : this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    return this.checkEpoch(member, memberEpoch);
  }

  private checkEpoch(member: ConsumerMember, memberEpoch: number): number {
    if (memberEpoch === member.memberEpoch) return ErrorCode.NONE;
    return member.usesClassicProtocol ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH;
  }

  // ---- applying records (live and at load) ----------------------------------------------

  /** Adds or updates a member's subscription (ConsumerGroupMemberMetadata). */
  putMember(member: ConsumerMember): void {
    const old = this.members.get(member.memberId);
    if (old?.instanceId && old.instanceId !== member.instanceId && this.staticMembers.get(old.instanceId) === old.memberId) this.staticMembers.delete(old.instanceId);
    if (old) this.unindex(old);
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.index(member);
  }

  removeMember(memberId: string): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.unindex(member);
    this.members.delete(memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === memberId) this.staticMembers.delete(member.instanceId);
    for (const timer of this.timers.get(memberId)?.values() ?? []) clearTimeout(timer);
    this.timers.delete(memberId);
  }

  /** Applies a member's current assignment (ConsumerGroupCurrentMemberAssignment). */
  setCurrentAssignment(memberId: string, v: { memberEpoch: number; previousMemberEpoch: number; state: MemberStateCode; assigned: Assignment; pendingRevocation: Assignment }): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.unindex(member);
    // A new object: a request still holding the old one sees the member as it was.
    const updated = Object.assign(member.clone(), v);
    this.members.set(memberId, updated);
    this.index(updated);
  }

  private index(member: ConsumerMember): void {
    for (const a of [member.assigned, member.pendingRevocation]) {
      for (const [topicId, partitions] of a) {
        let byPartition = this.owners.get(topicId);
        if (!byPartition) this.owners.set(topicId, (byPartition = new Map()));
        for (const p of partitions) byPartition.set(p, member.memberId);
      }
    }
  }

  private unindex(member: ConsumerMember): void {
    for (const a of [member.assigned, member.pendingRevocation]) {
      for (const [topicId, partitions] of a) {
        const byPartition = this.owners.get(topicId);
        for (const p of partitions) if (byPartition?.get(p) === member.memberId) byPartition.delete(p);
      }
    }
  }

  // ---- timers ------------------------------------------------------------------------------

  schedule(memberId: string, kind: 'session' | 'rebalance' | 'join' | 'sync', ms: number, fire: () => void, ifAbsent = false): void {
    let timers = this.timers.get(memberId);
    if (!timers) this.timers.set(memberId, (timers = new Map()));
    const existing = timers.get(kind);
    if (existing && ifAbsent) return;
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      if (this.timers.get(memberId)?.get(kind) === timer) this.timers.get(memberId)!.delete(kind);
      fire();
    }, ms);
    timer.unref();
    timers.set(kind, timer);
  }

  cancel(memberId: string, kind: 'session' | 'rebalance' | 'join' | 'sync'): void {
    const timer = this.timers.get(memberId)?.get(kind);
    if (timer) clearTimeout(timer);
    this.timers.get(memberId)?.delete(kind);
  }

  stopTimers(): void {
    for (const timers of this.timers.values()) for (const timer of timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
