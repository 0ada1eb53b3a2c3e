// A member of a consumer group (the classic protocol, KIP-62 timeouts): JoinGroup (with
// KIP-394's MEMBER_ID_REQUIRED round trip), SyncGroup (the leader runs the range assignor),
// Heartbeat on a timer, and LeaveGroup on close. A heartbeat answered with
// REBALANCE_IN_PROGRESS (or a fenced generation) marks the member for rejoining: the
// consumer loop commits what it has, calls join() again and resumes from the new assignment.
import { JoinGroupApi } from '../protocol/generated/join-group.js';
import { SyncGroupApi } from '../protocol/generated/sync-group.js';
import { HeartbeatApi } from '../protocol/generated/heartbeat.js';
import { LeaveGroupApi } from '../protocol/generated/leave-group.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Connection } from './connection.js';
import type { Cluster } from './cluster.js';
import { sleep } from './cluster.js';
import { check, KafkaResponseError } from './errors.js';
import { RANGE_ASSIGNOR, rangeAssign } from './assignor.js';
import { encodeAssignment, encodeSubscription, assignedPartitions, subscribedTopics, type TopicPartitions } from '../protocol/consumer-protocol.js';
import { commitOffsets } from './groups.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  groupInstanceId?: string | null;
  /** Bounds the rounds of one join() (MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, ...). */
  maxJoinAttempts?: number;
}

const REJOIN_ERRORS: Set<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);

export class GroupMember {
  readonly groupId: string;
  memberId = '';
  generationId = -1;
  isLeader = false;
  assignment: TopicPartitions[] = [];
  private rejoin = true;
  private heartbeat: NodeJS.Timeout | undefined;
  private coordinator: Connection | undefined;
  private readonly o: Required<Omit<GroupMemberOptions, 'groupInstanceId'>> & { groupInstanceId: string | null };

  constructor(private readonly cluster: Cluster, options: GroupMemberOptions) {
    this.groupId = options.groupId;
    this.o = {
      groupId: options.groupId,
      topics: options.topics,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
      groupInstanceId: options.groupInstanceId ?? null,
      maxJoinAttempts: options.maxJoinAttempts ?? 20,
    };
  }

  /** True once the group is rebalancing: call join() again. */
  get needsRejoin(): boolean {
    return this.rejoin;
  }

  /** Joins (or rejoins) the group and returns this member's assignment. */
  async join(): Promise<TopicPartitions[]> {
    this.stopHeartbeat();
    for (let attempt = 0; attempt < this.o.maxJoinAttempts; attempt++) {
      const c = this.coordinator && !this.coordinator.closed ? this.coordinator : (this.coordinator = await this.cluster.coordinator(this.groupId));
      const joined = await this.joinOnce(c);
      if (joined === 'retry') continue;
      const assignment = await this.sync(c, joined);
      if (assignment === 'retry') continue;
      this.assignment = assignment;
      this.rejoin = false;
      this.startHeartbeat();
      return assignment;
    }
    throw new Error(`could not join group ${this.groupId} after ${this.o.maxJoinAttempts} attempts`);
  }

  private async joinOnce(c: Connection): Promise<'retry' | { leader: string; protocol: string; members: { memberId: string; metadata: Buffer }[] }> {
    const v = c.version(JoinGroupApi, 1, 9);
    const res = await c.send(JoinGroupApi, v, {
      groupId: this.groupId,
      sessionTimeoutMs: this.o.sessionTimeoutMs,
      rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: v >= 5 ? this.o.groupInstanceId : null,
      protocolType: 'consumer',
      protocols: [{ name: RANGE_ASSIGNOR, metadata: encodeSubscription(this.o.topics) }],
      reason: null,
    }, { timeoutMs: this.o.rebalanceTimeoutMs + 5_000 });
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = res.memberId; // KIP-394: join again with the id the coordinator chose
      return 'retry';
    }
    if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || res.errorCode === ErrorCode.ILLEGAL_GENERATION) {
      this.memberId = '';
      return 'retry';
    }
    if (res.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      await sleep(200);
      return 'retry';
    }
    if (res.errorCode === ErrorCode.NOT_COORDINATOR || res.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      this.coordinator = undefined;
      await sleep(200);
      return 'retry';
    }
    check(res.errorCode, `joining group ${this.groupId}`);
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    this.isLeader = res.leader === res.memberId;
    return { leader: res.leader, protocol: res.protocolName ?? RANGE_ASSIGNOR, members: res.members };
  }

  private async sync(c: Connection, joined: { protocol: string; members: { memberId: string; metadata: Buffer }[] }): Promise<'retry' | TopicPartitions[]> {
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (this.isLeader) {
      const subscriptions = new Map(joined.members.map((m) => [m.memberId, subscribedTopics(m.metadata)]));
      const topics = [...new Set([...subscriptions.values()].flat())];
      const md = await this.cluster.metadata(topics);
      const counts = new Map(md.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
      assignments = [...rangeAssign(subscriptions, counts)].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
    }
    const v = c.version(SyncGroupApi, 0, 5);
    const res = await c.send(SyncGroupApi, v, {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: v >= 3 ? this.o.groupInstanceId : null,
      protocolType: v >= 5 ? 'consumer' : null,
      protocolName: v >= 5 ? joined.protocol : null,
      assignments,
    }, { timeoutMs: this.o.rebalanceTimeoutMs + 5_000 });
    if (REJOIN_ERRORS.has(res.errorCode)) {
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      return 'retry';
    }
    check(res.errorCode, `syncing group ${this.groupId}`);
    return assignedPartitions(res.assignment);
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
    const c = this.coordinator;
    if (!c || this.rejoin) return;
    try {
      const v = c.version(HeartbeatApi, 0, 4);
      const res = await c.send(HeartbeatApi, v, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: v >= 3 ? this.o.groupInstanceId : null });
      if (REJOIN_ERRORS.has(res.errorCode)) {
        if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        this.rejoin = true;
        this.stopHeartbeat();
      }
    } catch {
      this.rejoin = true; // the coordinator moved or went away: find it again on rejoin
      this.coordinator = undefined;
      this.stopHeartbeat();
    }
  }

  /** Commits offsets as this member (its generation fences stale commits). */
  async commit(offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    try {
      await commitOffsets(this.cluster, this.groupId, offsets, { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId });
    } catch (e) {
      if (e instanceof KafkaResponseError && REJOIN_ERRORS.has(e.code)) this.rejoin = true;
      throw e;
    }
  }

  /** Leaves the group (its partitions go to the others at once) and stops heartbeating. */
  async leave(): Promise<void> {
    this.stopHeartbeat();
    const c = this.coordinator;
    if (!c || !this.memberId || c.closed) return;
    const v = c.version(LeaveGroupApi, 0, 5);
    await c.send(LeaveGroupApi, v, {
      groupId: this.groupId,
      memberId: v < 3 ? this.memberId : '',
      members: v >= 3 ? [{ memberId: this.memberId, groupInstanceId: this.o.groupInstanceId, reason: null }] : [],
    }, { timeoutMs: 5_000 }).catch(() => undefined);
    this.rejoin = true;
  }
}
