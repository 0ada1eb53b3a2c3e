// A member of a consumer group (the classic protocol, KIP-62 timeouts): JoinGroup (with
// KIP-394's MEMBER_ID_REQUIRED round trip), SyncGroup (the leader runs the range assignor),
// Heartbeat on a timer, and LeaveGroup on close. A heartbeat answered with
// REBALANCE_IN_PROGRESS (or a fenced generation) marks the member for rejoining: its owner
// commits what it has, calls join() again and resumes from the new assignment.
//
// The state machine is one; what carries its requests is a GroupTransport: the wire
// (src/client/wire-group-transport.ts, the strom CLI's consumers) or the broker's own
// coordinator called in process (the HTTP gateway's REST consumer instances,
// src/http/member-transport.ts). So this module imports neither client/ nor http/.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import { RANGE_ASSIGNOR, rangeAssign } from './range-assignor.js';
import { encodeAssignment, encodeSubscription, assignedPartitions, subscribedTopics, type TopicPartitions } from '../protocol/consumer-protocol.js';

interface GroupMemberOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  groupInstanceId?: string | null;
  /** Bounds the rounds of one join() (MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, ...). */
  maxJoinAttempts?: number;
  /** Called when a heartbeat or commit finds the group rebalancing (needsRejoin turned true). */
  onRejoinNeeded?: () => void;
}

/** Who a request comes from: the fields Heartbeat, OffsetCommit and SyncGroup share. */
export interface MemberIdentity {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface JoinGroupCall {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinGroupAnswer {
  errorCode: number;
  generationId: number;
  memberId: string;
  leader: string;
  protocolName: string | null;
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncGroupCall extends MemberIdentity {
  protocolType: string;
  protocolName: string;
  assignments: { memberId: string; assignment: Buffer }[];
}

/** What carries a member's requests to its group coordinator. */
export interface GroupTransport {
  joinGroup(call: JoinGroupCall): Promise<JoinGroupAnswer>;
  syncGroup(call: SyncGroupCall): Promise<{ errorCode: number; assignment: Buffer }>;
  heartbeat(call: MemberIdentity): Promise<number>;
  /** LeaveGroup; never throws (a member that cannot say goodbye times out). */
  leaveGroup(call: { groupId: string; memberId: string; groupInstanceId: string | null }): Promise<void>;
  /** OffsetCommit as `member`; throws KafkaError on the first partition that fails. */
  commitOffsets(member: MemberIdentity, offsets: { topic: string; partition: number; offset: number }[]): Promise<void>;
  /** Partition counts of the topics that exist (the leader's input to the assignor). */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
  /** The coordinator moved or went away: find it again for the next request. */
  reset(): void;
}

/** Pause before joining again when the group is rebalancing or its coordinator busy or moved. */
const JOIN_RETRY_BACKOFF_MS = 200;

const REJOIN_ERRORS: Set<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);

export class GroupMember {
  readonly groupId: string;
  memberId = '';
  generationId = -1;
  isLeader = false;
  assignment: TopicPartitions[] = [];
  private rejoin = true;
  private left = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<GroupMemberOptions, 'groupInstanceId' | 'onRejoinNeeded'>> & { groupInstanceId: string | null };
  private readonly onRejoinNeeded: () => void;

  constructor(private readonly transport: GroupTransport, options: GroupMemberOptions) {
    this.groupId = options.groupId;
    this.o = {
      groupId: options.groupId,
      topics: [...options.topics],
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
      groupInstanceId: options.groupInstanceId ?? null,
      maxJoinAttempts: options.maxJoinAttempts ?? 20,
    };
    this.onRejoinNeeded = options.onRejoinNeeded ?? (() => {});
  }

  /** True once the group is rebalancing: call join() again. */
  get needsRejoin(): boolean {
    return this.rejoin;
  }

  get topics(): readonly string[] {
    return this.o.topics;
  }

  /** Changes the subscription; the next join() tells the group (which rebalances). */
  subscribe(topics: string[]): void {
    this.o.topics = [...topics];
    this.markRejoin();
  }

  /** Joins (or rejoins) the group and returns this member's assignment. */
  async join(): Promise<TopicPartitions[]> {
    this.stopHeartbeat();
    for (let attempt = 0; attempt < this.o.maxJoinAttempts; attempt++) {
      if (this.left) break;
      const topics = this.o.topics;
      const joined = await this.joinOnce();
      if (joined === 'retry') continue;
      const assignment = await this.sync(joined);
      if (assignment === 'retry') continue;
      if (this.left) break; // left while the sync was in flight: the assignment is not ours
      if (topics !== this.o.topics) continue; // subscribe() came meanwhile: tell the group
      this.assignment = assignment;
      this.rejoin = false;
      this.startHeartbeat();
      return assignment;
    }
    if (this.left) throw new Error(`left group ${this.groupId}`);
    throw new Error(`could not join group ${this.groupId} after ${this.o.maxJoinAttempts} attempts`);
  }

  private async joinOnce(): Promise<'retry' | { protocol: string; members: { memberId: string; metadata: Buffer }[] }> {
    const res = await this.transport.joinGroup({
      groupId: this.groupId,
      memberId: this.memberId,
      groupInstanceId: this.o.groupInstanceId,
      sessionTimeoutMs: this.o.sessionTimeoutMs,
      rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
      protocolType: 'consumer',
      protocols: [{ name: RANGE_ASSIGNOR, metadata: encodeSubscription(this.o.topics) }],
    });
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId; // KIP-394: join again with the id the coordinator chose
      return 'retry';
    }
    if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || res.errorCode === ErrorCode.ILLEGAL_GENERATION) {
      this.memberId = '';
      return 'retry';
    }
    if (res.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      await sleep(JOIN_RETRY_BACKOFF_MS);
      return 'retry';
    }
    if (res.errorCode === ErrorCode.NOT_COORDINATOR || res.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      this.transport.reset();
      await sleep(JOIN_RETRY_BACKOFF_MS);
      return 'retry';
    }
    check(res.errorCode, `joining group ${this.groupId}`);
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    this.isLeader = res.leader === res.memberId;
    return { protocol: res.protocolName ?? RANGE_ASSIGNOR, members: res.members };
  }

  private async sync(joined: { protocol: string; members: { memberId: string; metadata: Buffer }[] }): Promise<'retry' | TopicPartitions[]> {
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (this.isLeader) {
      const subscriptions = new Map(joined.members.map((m) => [m.memberId, subscribedTopics(m.metadata)]));
      const counts = await this.transport.partitionCounts([...new Set([...subscriptions.values()].flat())]);
      assignments = [...rangeAssign(subscriptions, counts)].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
    }
    const res = await this.transport.syncGroup({
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.o.groupInstanceId,
      protocolType: 'consumer',
      protocolName: joined.protocol,
      assignments,
    });
    if (REJOIN_ERRORS.has(res.errorCode)) {
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      return 'retry';
    }
    check(res.errorCode, `syncing group ${this.groupId}`);
    return assignedPartitions(res.assignment);
  }

  private markRejoin(): void {
    if (this.rejoin || this.left) return;
    this.rejoin = true;
    this.stopHeartbeat();
    this.onRejoinNeeded();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => { void this.beat(); }, this.o.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async beat(): Promise<void> {
    if (this.rejoin || this.left) return;
    const generationId = this.generationId;
    try {
      const code = await this.transport.heartbeat({ groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId });
      if (REJOIN_ERRORS.has(code) && generationId === this.generationId) {
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        this.markRejoin();
      }
    } catch {
      this.transport.reset(); // the coordinator moved or went away: find it again on rejoin
      this.markRejoin();
    }
  }

  /** Commits offsets as this member (its generation fences stale commits). */
  async commit(offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    const generationId = this.generationId;
    try {
      await this.transport.commitOffsets({ groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId }, offsets);
    } catch (e) {
      // A commit of an older generation failing says nothing about the current one.
      if (e instanceof KafkaError && REJOIN_ERRORS.has(e.code) && generationId === this.generationId) this.markRejoin();
      throw e;
    }
  }

  /**
   * Leaves the group for good (its partitions go to the others at once) and stops
   * heartbeating; a join() in flight gives up instead of joining again.
   */
  async leave(): Promise<void> {
    this.stopHeartbeat();
    const alreadyLeft = this.left;
    this.left = true;
    this.rejoin = true;
    if (alreadyLeft || !this.memberId) return;
    await this.transport.leaveGroup({ groupId: this.groupId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId });
  }
}
