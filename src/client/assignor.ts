// The consumer protocol's bytes (a version int16, then ConsumerProtocolSubscription or
// ...Assignment) and Kafka's "range" assignor (RangeAssignor.java): per topic, the members
// subscribed to it, sorted by member id, each take a contiguous range of partitions, the
// first (partitions % members) one more.
import { Writer } from '../protocol/codec.js';
import { writeConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import { writeConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
export { assignedPartitions, subscribedTopics } from '../group/lag.js';

export const RANGE_ASSIGNOR = 'range';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Subscription bytes, version 0 (topics and user data: all a range assignor needs). */
export function encodeSubscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  writeConsumerProtocolSubscription(w, 0, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  return w.toBuffer();
}

/** Assignment bytes, version 0. */
export function encodeAssignment(assigned: TopicPartitions[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  writeConsumerProtocolAssignment(w, 0, { assignedPartitions: assigned, userData: null });
  return w.toBuffer();
}

/**
 * Range assignment. `subscriptions`: member id → topics; `partitionCounts`: topic → number of
 * partitions (a topic missing from it is skipped). Every member gets an entry.
 */
export function rangeAssign(subscriptions: Map<string, string[]>, partitionCounts: Map<string, number>): Map<string, TopicPartitions[]> {
  const out = new Map<string, TopicPartitions[]>();
  for (const member of subscriptions.keys()) out.set(member, []);
  const topics = [...new Set([...subscriptions.values()].flat())].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic);
    if (count === undefined || count <= 0) continue;
    const members = [...subscriptions].filter(([, ts]) => ts.includes(topic)).map(([m]) => m).sort();
    const each = Math.floor(count / members.length);
    const extra = count % members.length;
    members.forEach((member, i) => {
      const start = each * i + Math.min(i, extra);
      const length = each + (i < extra ? 1 : 0);
      if (length === 0) return;
      out.get(member)!.push({ topic, partitions: Array.from({ length }, (_, k) => start + k) });
    });
  }
  return out;
}
