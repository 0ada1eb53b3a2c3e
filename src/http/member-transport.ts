// A group member's requests carried to the broker's own group coordinator in process, as
// the JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit handlers (src/api/) call
// it: REST consumer instances are members like any Kafka consumer, without a loopback socket.
import type { BrokerContext } from '../broker/context.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { GroupTransport, JoinGroupAnswer, JoinGroupCall, MemberIdentity, SyncGroupCall } from '../consumer/group-member.js';

export class CoordinatorTransport implements GroupTransport {
  constructor(private readonly broker: () => BrokerContext, private readonly clientId: string, private readonly clientHost: string) {}

  async joinGroup(call: JoinGroupCall): Promise<JoinGroupAnswer> {
    const res = await this.broker().groups.join({
      ...call,
      clientId: this.clientId,
      clientHost: this.clientHost,
      // As a JoinGroup v4+ client: a new member gets MEMBER_ID_REQUIRED first (KIP-394).
      requireKnownMemberId: true,
      supportsSkipAssignment: false,
    });
    return { errorCode: res.errorCode, generationId: res.generationId, memberId: res.memberId, leader: res.leader, protocolName: res.protocolName, members: res.members };
  }

  async syncGroup(call: SyncGroupCall): Promise<{ errorCode: number; assignment: Buffer }> {
    const res = await this.broker().groups.sync({ ...call, assignments: new Map(call.assignments.map((a) => [a.memberId, a.assignment])) });
    return { errorCode: res.errorCode, assignment: res.assignment };
  }

  async heartbeat(call: MemberIdentity): Promise<number> {
    return this.broker().groups.heartbeat(call.groupId, call.generationId, call.memberId, call.groupInstanceId);
  }

  async leaveGroup(call: { groupId: string; memberId: string; groupInstanceId: string | null }): Promise<void> {
    await this.broker().groups.leave(call.groupId, [{ memberId: call.memberId, groupInstanceId: call.groupInstanceId }]);
  }

  async commitOffsets(member: MemberIdentity, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    if (offsets.length === 0) return;
    const b = this.broker();
    const codes = await b.groups.commitOffsets(
      { ...member, offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1, metadata: '' })) },
      (topic, partition) => b.logs.partition(topic, partition) !== undefined,
    );
    const failed = codes.findIndex((c) => c !== ErrorCode.NONE);
    if (failed >= 0) {
      const o = offsets[failed];
      throw new KafkaError(codes[failed], null, `committing the offset of ${o.topic}-${o.partition} for group ${member.groupId}`);
    }
  }

  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const cluster = this.broker().cluster;
    return new Map(topics.flatMap((t) => {
      const topic = cluster.topic(t);
      return topic ? [[t, topic.partitionCount] as const] : [];
    }));
  }

  reset(): void {
    // The coordinator is this process: nothing to find again.
  }
}
