// A group member's requests over the wire: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and
// OffsetCommit sent to the group's coordinator (found with FindCoordinator, kept until it
// fails or moves), at the newest version both sides speak.
import { JoinGroupApi } from '../protocol/generated/join-group.js';
import { SyncGroupApi } from '../protocol/generated/sync-group.js';
import { HeartbeatApi } from '../protocol/generated/heartbeat.js';
import { LeaveGroupApi } from '../protocol/generated/leave-group.js';
import type { Connection } from './connection.js';
import type { Cluster } from './cluster.js';
import { commitOffsets } from './groups.js';
import type { GroupTransport, JoinGroupAnswer, JoinGroupCall, MemberIdentity, SyncGroupCall } from '../consumer/group-member.js';

export class WireGroupTransport implements GroupTransport {
  private coordinator: Connection | undefined;
  /** The last JoinGroup's rebalance timeout: a SyncGroup waits as long for the leader. */
  private rebalanceTimeoutMs = 30_000;

  constructor(private readonly cluster: Cluster) {}

  private async connection(groupId: string): Promise<Connection> {
    if (this.coordinator && !this.coordinator.closed) return this.coordinator;
    return (this.coordinator = await this.cluster.coordinator(groupId));
  }

  async joinGroup(call: JoinGroupCall): Promise<JoinGroupAnswer> {
    const c = await this.connection(call.groupId);
    const v = c.version(JoinGroupApi, 1, 9);
    this.rebalanceTimeoutMs = call.rebalanceTimeoutMs;
    const res = await c.send(JoinGroupApi, v, {
      ...call,
      groupInstanceId: v >= 5 ? call.groupInstanceId : null,
      reason: null,
    }, { timeoutMs: call.rebalanceTimeoutMs + 5_000 });
    return { errorCode: res.errorCode, generationId: res.generationId, memberId: res.memberId, leader: res.leader, protocolName: res.protocolName, members: res.members };
  }

  async syncGroup(call: SyncGroupCall): Promise<{ errorCode: number; assignment: Buffer }> {
    const c = await this.connection(call.groupId);
    const v = c.version(SyncGroupApi, 0, 5);
    const res = await c.send(SyncGroupApi, v, {
      ...call,
      groupInstanceId: v >= 3 ? call.groupInstanceId : null,
      protocolType: v >= 5 ? call.protocolType : null,
      protocolName: v >= 5 ? call.protocolName : null,
    }, { timeoutMs: this.rebalanceTimeoutMs + 5_000 });
    return { errorCode: res.errorCode, assignment: res.assignment };
  }

  async heartbeat(call: MemberIdentity): Promise<number> {
    const c = await this.connection(call.groupId);
    const v = c.version(HeartbeatApi, 0, 4);
    const res = await c.send(HeartbeatApi, v, { ...call, groupInstanceId: v >= 3 ? call.groupInstanceId : null });
    return res.errorCode;
  }

  async leaveGroup(call: { groupId: string; memberId: string; groupInstanceId: string | null }): Promise<void> {
    const c = this.coordinator;
    if (!c || c.closed) return;
    const v = c.version(LeaveGroupApi, 0, 5);
    await c.send(LeaveGroupApi, v, {
      groupId: call.groupId,
      memberId: v < 3 ? call.memberId : '',
      members: v >= 3 ? [{ memberId: call.memberId, groupInstanceId: call.groupInstanceId, reason: null }] : [],
    }, { timeoutMs: 5_000 }).catch(() => undefined);
  }

  commitOffsets(member: MemberIdentity, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    return commitOffsets(this.cluster, member.groupId, offsets, member);
  }

  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const md = await this.cluster.metadata(topics);
    return new Map(md.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
  }

  reset(): void {
    this.coordinator = undefined;
  }
}
