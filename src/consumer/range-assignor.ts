// Kafka's "range" assignor (RangeAssignor.java): per topic, the members
// subscribed to it, sorted by member id, each take a contiguous range of partitions, the
// first (partitions % members) one more.
import type { TopicPartitions } from '../protocol/consumer-protocol.js';

export const RANGE_ASSIGNOR = 'range';

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
