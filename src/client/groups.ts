// Consumer group administration: ListGroups (asked of every broker, as each lists the
// groups it coordinates), DescribeGroups, DeleteGroups, and committed offsets
// (OffsetFetch, OffsetCommit, OffsetDelete) at the group's coordinator.
import { ListGroupsApi } from '../protocol/generated/list-groups.js';
import { DescribeGroupsApi } from '../protocol/generated/describe-groups.js';
import { DeleteGroupsApi } from '../protocol/generated/delete-groups.js';
import { OffsetFetchApi } from '../protocol/generated/offset-fetch.js';
import { OffsetCommitApi } from '../protocol/generated/offset-commit.js';
import { OffsetDeleteApi } from '../protocol/generated/offset-delete.js';
import { ConsumerGroupDescribeApi } from '../protocol/generated/consumer-group-describe.js';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import { assignedPartitions, subscribedTopics } from '../protocol/consumer-protocol.js';
import type { Cluster } from './cluster.js';

interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** Empty when the broker's ListGroups version has no state (v0-3). */
  state: string;
  /** KIP-848's group type, "classic" or "consumer" (empty before ListGroups v5). */
  type: string;
}

export async function listGroups(cluster: Cluster): Promise<ListedGroup[]> {
  await cluster.metadata([]);
  const brokers = cluster.knownBrokers();
  const all = new Map<string, ListedGroup>();
  await Promise.all(brokers.map(async (b) => {
    const c = await cluster.connect(b.host, b.port);
    const v = c.version(ListGroupsApi, 0, 5);
    const res = await c.send(ListGroupsApi, v, { statesFilter: [], typesFilter: [] });
    check(res.errorCode, `listing groups on broker ${b.nodeId}`);
    for (const g of res.groups) all.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
  }));
  return [...all.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** Consumer protocol: the partitions assigned, per topic. */
  assignment: { topic: string; partitions: number[] }[];
  subscription: string[];
  /** KIP-848 groups: the member's epoch and its target assignment. */
  memberEpoch?: number;
  targetAssignment?: { topic: string; partitions: number[] }[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor (consumer protocol). */
  protocol: string;
  coordinator: { host: string; port: number; nodeId: number };
  members: GroupMemberDescription[];
  /** "consumer" for a KIP-848 group (described with ConsumerGroupDescribe), else "classic". */
  type: 'classic' | 'consumer';
  /** KIP-848 groups: the group epoch and the target assignment's epoch. */
  groupEpoch?: number;
  assignmentEpoch?: number;
}

/**
 * A group as Kafka's admin client describes it: ConsumerGroupDescribe first (KIP-848 groups),
 * DescribeGroups when the group is not one (GROUP_ID_NOT_FOUND) or the broker predates it.
 */
export async function describeGroup(cluster: Cluster, groupId: string): Promise<GroupDescription> {
  const c = await cluster.coordinator(groupId);
  if (c.serves(ConsumerGroupDescribeApi.key)) {
    const res = await c.send(ConsumerGroupDescribeApi, 0, { groupIds: [groupId], includeAuthorizedOperations: false });
    const g = res.groups[0];
    if (g && g.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND) {
      check(g.errorCode, `describing group ${groupId}`);
      const named = (a: { topicPartitions: { topicName: string; partitions: number[] }[] }) => a.topicPartitions.map((t) => ({ topic: t.topicName, partitions: [...t.partitions].sort((x, y) => x - y) }));
      return {
        groupId, state: g.groupState, protocolType: 'consumer', protocol: g.assignorName, type: 'consumer', groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch,
        coordinator: { host: c.host, port: c.port, nodeId: cluster.coordinatorIds.get(groupId) ?? -1 },
        members: g.members.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, host: m.clientHost,
          assignment: named(m.assignment), subscription: m.subscribedTopicNames, memberEpoch: m.memberEpoch, targetAssignment: named(m.targetAssignment),
        })),
      };
    }
  }
  const v = c.version(DescribeGroupsApi, 0, 5);
  const res = await c.send(DescribeGroupsApi, v, { groups: [groupId], includeAuthorizedOperations: false });
  const g = res.groups[0];
  if (!g) throw new Error(`DescribeGroups returned nothing for ${groupId}`);
  check(g.errorCode, `describing group ${groupId}`);
  const consumer = g.protocolType === 'consumer';
  return {
    groupId: g.groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    type: 'classic',
    coordinator: { host: c.host, port: c.port, nodeId: cluster.coordinatorIds.get(groupId) ?? -1 },
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      host: m.clientHost,
      assignment: consumer ? assignedPartitions(m.memberAssignment) : [],
      subscription: consumer ? subscribedTopics(m.memberMetadata) : [],
    })),
  };
}

/** Deletes groups; returns the error name per group (NONE when deleted). */
export async function deleteGroups(cluster: Cluster, groupIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const groupId of groupIds) {
    const c = await cluster.coordinator(groupId);
    const v = c.version(DeleteGroupsApi, 0, 2);
    const res = await c.send(DeleteGroupsApi, v, { groupsNames: [groupId] });
    for (const r of res.results) out.set(r.groupId, r.errorCode);
  }
  return out;
}

interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1: nothing committed. */
  offset: number;
  metadata: string | null;
}

/** The group's committed offsets (every partition it has, when `topics` is null). */
export async function fetchOffsets(cluster: Cluster, groupId: string, topics: { topic: string; partitions: number[] }[] | null = null): Promise<CommittedOffset[]> {
  const c = await cluster.coordinator(groupId);
  // v1-7: one group per request (v8 batches groups; one group is all the tools need).
  const v = c.version(OffsetFetchApi, 1, 7);
  if (topics === null && v < 2) throw new Error(`the broker at ${c.address} cannot list every offset of a group (OffsetFetch v${v})`);
  const res = await c.send(OffsetFetchApi, v, {
    groupId,
    topics: topics === null ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })),
    groups: [],
    requireStable: false,
  });
  if (v >= 2) check(res.errorCode, `fetching offsets of group ${groupId}`);
  const out: CommittedOffset[] = [];
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
      check(p.errorCode, `committed offset of ${t.name}-${p.partitionIndex}`);
      out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

interface CommitOptions {
  /** A member's generation and id; -1 and '' commit as a standalone (admin) client. */
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export async function commitOffsets(cluster: Cluster, groupId: string, offsets: { topic: string; partition: number; offset: number; metadata?: string }[], options: CommitOptions = {}): Promise<void> {
  if (offsets.length === 0) return;
  const c = await cluster.coordinator(groupId);
  const v = c.version(OffsetCommitApi, 2, 8);
  const topics = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[]>();
  for (const o of offsets) {
    topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' }]);
  }
  const res = await c.send(OffsetCommitApi, v, {
    groupId,
    generationIdOrMemberEpoch: options.generationId ?? -1,
    memberId: options.memberId ?? '',
    groupInstanceId: v >= 7 ? (options.groupInstanceId ?? null) : null,
    retentionTimeMs: -1,
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  });
  for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `committing the offset of ${t.name}-${p.partitionIndex} for group ${groupId}`);
}

/** OffsetDelete (KIP-496): drops the group's committed offsets of `topic`'s partitions. */
export async function deleteOffsets(cluster: Cluster, groupId: string, topic: string, partitions: number[]): Promise<void> {
  const c = await cluster.coordinator(groupId);
  const v = c.version(OffsetDeleteApi, 0, 0);
  const res = await c.send(OffsetDeleteApi, v, { groupId, topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) }] });
  check(res.errorCode, `deleting offsets of group ${groupId}`);
  for (const t of res.topics) for (const p of t.partitions) {
    if (p.errorCode !== 0) throw new KafkaError(p.errorCode, null, `deleting the offset of ${t.name}-${p.partitionIndex} for group ${groupId}`);
  }
}
