// KIP-848's server-side assignors: the coordinator, not a group leader, computes a consumer
// group's target assignment whenever the group epoch moves (a member joins, leaves or
// changes its subscription, or a subscribed topic gains partitions). Two are offered, as
// Kafka offers them (group.consumer.assignors):
//   uniform: every partition of the subscribed topics spread so that members differ by at
//            most one partition where their subscriptions allow it, keeping each partition
//            with its previous owner wherever balance permits (fewer revocations);
//   range:   per topic, its partitions in contiguous ranges over the members subscribed to
//            it, in member id order, the first members taking one extra when they do not
//            divide evenly (so co-partitioned topics line up, as the classic range assignor).
import { ConfigError } from '../config/config.js';
import { addPartition, type Assignment } from './assignment.js';

export interface AssignorMember {
  memberId: string;
  /** Topic ids the member subscribes to (those that exist). */
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's previous target assignment: what stickiness keeps. */
  previous: Assignment;
}

export interface ServerAssignor {
  readonly name: string;
  /** A target assignment for every member; `topics` maps each subscribed topic id to its partition count. */
  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, number>): Map<string, Assignment>;
}

const byMemberId = (a: AssignorMember, b: AssignorMember) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

export const rangeAssignor: ServerAssignor = {
  name: 'range',
  assign(members, topics) {
    const result = new Map(members.map((m) => [m.memberId, new Map() as Assignment]));
    for (const [topicId, numPartitions] of [...topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const subscribers = members.filter((m) => m.subscribedTopicIds.has(topicId)).sort(byMemberId);
      if (subscribers.length === 0) continue;
      const base = Math.floor(numPartitions / subscribers.length);
      const extra = numPartitions % subscribers.length;
      let next = 0;
      subscribers.forEach((m, i) => {
        const count = base + (i < extra ? 1 : 0);
        for (let p = next; p < next + count; p++) addPartition(result.get(m.memberId)!, topicId, p);
        next += count;
      });
    }
    return result;
  },
};

export const uniformAssignor: ServerAssignor = {
  name: 'uniform',
  assign(members, topics) {
    const sorted = [...members].sort(byMemberId);
    const result = new Map(sorted.map((m) => [m.memberId, new Map() as Assignment]));
    const count = new Map(sorted.map((m) => [m.memberId, 0]));
    const owner = new Map<string, string>(); // "topicId:partition" → member id
    const key = (topicId: string, p: number) => `${topicId}:${p}`;
    const give = (memberId: string, topicId: string, p: number) => {
      addPartition(result.get(memberId)!, topicId, p);
      count.set(memberId, count.get(memberId)! + 1);
      owner.set(key(topicId, p), memberId);
    };
    const take = (memberId: string, topicId: string, p: number) => {
      result.get(memberId)!.get(topicId)!.delete(p);
      count.set(memberId, count.get(memberId)! - 1);
      owner.delete(key(topicId, p));
    };
    // 1. Stickiness: each member keeps what it had that is still valid.
    for (const m of sorted) {
      for (const [topicId, partitions] of m.previous) {
        const numPartitions = topics.get(topicId);
        if (numPartitions === undefined || !m.subscribedTopicIds.has(topicId)) continue;
        for (const p of partitions) if (p < numPartitions && !owner.has(key(topicId, p))) give(m.memberId, topicId, p);
      }
    }
    // 2. Every partition left over goes to the least loaded member subscribed to its topic;
    // topics with fewer subscribers first, so constrained members are served while they can be.
    const eligible = new Map([...topics.keys()].map((topicId) => [topicId, sorted.filter((m) => m.subscribedTopicIds.has(topicId))]));
    const order = [...topics].sort(([a], [b]) => eligible.get(a)!.length - eligible.get(b)!.length || (a < b ? -1 : 1));
    const leastLoaded = (candidates: AssignorMember[]) => candidates.reduce((best, m) => (count.get(m.memberId)! < count.get(best.memberId)! ? m : best));
    for (const [topicId, numPartitions] of order) {
      const candidates = eligible.get(topicId)!;
      if (candidates.length === 0) continue;
      for (let p = 0; p < numPartitions; p++) if (!owner.has(key(topicId, p))) give(leastLoaded(candidates).memberId, topicId, p);
    }
    // 3. Balance: move partitions from the most to the least loaded member that may take them,
    // while that narrows the gap. Each move lowers the sum of squared counts, so this ends.
    for (let moved = true; moved;) {
      moved = false;
      const byLoad = [...sorted].sort((a, b) => count.get(b.memberId)! - count.get(a.memberId)! || byMemberId(a, b));
      for (const donor of byLoad) {
        for (const [topicId, partitions] of result.get(donor.memberId)!) {
          const taker = eligible.get(topicId)!.reduce<AssignorMember | null>((best, m) =>
            (count.get(m.memberId)! < count.get(donor.memberId)! - 1 && (best === null || count.get(m.memberId)! < count.get(best.memberId)!) ? m : best), null);
          if (!taker) continue;
          // The highest partition moves: a member's low partitions stay put across rebalances.
          const p = Math.max(...partitions);
          take(donor.memberId, topicId, p);
          give(taker.memberId, topicId, p);
          moved = true;
          break;
        }
        if (moved) break;
      }
    }
    return result;
  },
};

const ASSIGNORS: Record<string, ServerAssignor> = { uniform: uniformAssignor, range: rangeAssignor };

/** Kafka's class names for the same assignors (what a Kafka server.properties names). */
const CLASS_NAMES: Record<string, string> = {
  'org.apache.kafka.coordinator.group.assignor.UniformAssignor': 'uniform',
  'org.apache.kafka.coordinator.group.assignor.RangeAssignor': 'range',
};

/** The assignors group.consumer.assignors names, in order; throws on an unknown name. */
export function configuredAssignors(names: string[]): ServerAssignor[] {
  const list = names.map((n) => n.trim()).filter((n) => n !== '').map((n) => {
    const assignor = ASSIGNORS[CLASS_NAMES[n] ?? n];
    if (!assignor) throw new ConfigError(`group.consumer.assignors: unknown assignor ${n} (known: ${Object.keys(ASSIGNORS).join(', ')})`);
    return assignor;
  });
  if (list.length === 0) throw new ConfigError('group.consumer.assignors: at least one assignor is needed');
  return list;
}
