// Consumer lag: for each partition a group has committed or been assigned, the committed
// offset against the log end offset, and the member that owns the partition. One function
// serves the tools (consumer-groups --describe), the HTTP gateway and metrics.
import { assignedPartitions, subscribedTopics } from '../protocol/consumer-protocol.js';
import type { LogManager } from '../log/log-manager.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { GroupCoordinator } from './coordinator.js';
import type { Group } from './group.js';

interface PartitionLag {
  topic: string;
  partition: number;
  /** -1: nothing committed yet. */
  committedOffset: number;
  /** -1: the partition does not exist (any more). */
  logEndOffset: number;
  /** logEndOffset − committedOffset, or null when either is unknown. */
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

interface GroupLag {
  groupId: string;
  /** Classic states, or a consumer-protocol group's (Empty, Assigning, Reconciling, Stable). */
  state: string;
  partitions: PartitionLag[];
  /** Sum of the known lags. */
  totalLag: number;
}

/** Topics any live member of a consumer group subscribes to. */
export function groupSubscriptions(group: Group): Set<string> {
  const topics = new Set<string>();
  for (const member of group.members.values()) for (const t of subscribedTopics(member.metadataFor(group.protocolName ?? ''))) topics.add(t);
  return topics;
}

/** The lag of one group, or null if the coordinator does not know it. */
export function groupLag(coordinator: GroupCoordinator, logs: LogManager, cluster: ClusterView, groupId: string): GroupLag | null {
  const group = coordinator.group(groupId);
  if (!group || group.is('Dead')) return null;
  const rows = new Map<string, PartitionLag>();
  const row = (topic: string, partition: number): PartitionLag => {
    const key = `${topic}\u0000${partition}`;
    let r = rows.get(key);
    if (!r) {
      const log = logs.partition(topic, partition);
      r = { topic, partition, committedOffset: -1, logEndOffset: log ? log.highWatermark : -1, lag: null, memberId: null, clientId: null, host: null };
      rows.set(key, r);
    }
    return r;
  };
  for (const [topic, partitions] of group.offsets) for (const [partition, committed] of partitions) row(topic, partition).committedOffset = committed.offset;
  if (group.consumer) {
    for (const member of group.consumer.members.values()) {
      for (const [topicId, partitions] of member.assigned) {
        const topic = cluster.topicById(topicId)?.name;
        if (topic === undefined) continue;
        for (const partition of partitions) Object.assign(row(topic, partition), { memberId: member.memberId, clientId: member.clientId, host: member.clientHost });
      }
    }
  } else if (group.protocolType === 'consumer') {
    for (const member of group.members.values()) {
      for (const { topic, partitions } of assignedPartitions(member.assignment)) {
        for (const partition of partitions) Object.assign(row(topic, partition), { memberId: member.memberId, clientId: member.clientId, host: member.clientHost });
      }
    }
  }
  let totalLag = 0;
  for (const r of rows.values()) {
    if (r.committedOffset >= 0 && r.logEndOffset >= 0) {
      r.lag = Math.max(0, r.logEndOffset - r.committedOffset);
      totalLag += r.lag;
    }
  }
  const partitions = [...rows.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return { groupId, state: group.stateName, partitions, totalLag };
}
