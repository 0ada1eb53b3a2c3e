// Partition sets keyed by topic id, as KIP-848 names them (ConsumerGroupHeartbeat, the
// __consumer_offsets records): topic id → partitions. Small helpers to compare, copy and
// convert them; nothing here knows about members or groups.

/** topic id → partitions. */
export type Assignment = Map<string, Set<number>>;

interface TopicPartitionsById {
  topicId: string;
  partitions: number[];
}

export const emptyAssignment = (): Assignment => new Map();

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const partitions of a.values()) n += partitions.size;
  return n;
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (assignmentSize(a) !== assignmentSize(b)) return false;
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    if (!other && partitions.size > 0) return false;
    for (const p of partitions) if (!other!.has(p)) return false;
  }
  return true;
}

export function addPartition(a: Assignment, topicId: string, partition: number): void {
  let partitions = a.get(topicId);
  if (!partitions) a.set(topicId, (partitions = new Set()));
  partitions.add(partition);
}

function hasPartition(a: Assignment, topicId: string, partition: number): boolean {
  return a.get(topicId)?.has(partition) ?? false;
}

/** From the wire or a record (empty partition lists dropped). */
export function fromTopicPartitions(list: readonly TopicPartitionsById[] | null | undefined): Assignment {
  const a: Assignment = new Map();
  for (const t of list ?? []) for (const p of t.partitions) addPartition(a, t.topicId, p);
  return a;
}

/** To the wire or a record: topics and partitions in ascending order, so output is stable. */
export function toTopicPartitions(a: Assignment): TopicPartitionsById[] {
  return [...a].filter(([, partitions]) => partitions.size > 0).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));
}

/** Whether `owned` holds any partition of `a` (null owned: the member did not say, so assume it does). */
export function ownsAnyOf(owned: Assignment | null, a: Assignment): boolean {
  if (owned === null) return true;
  for (const [topicId, partitions] of owned) for (const p of partitions) if (hasPartition(a, topicId, p)) return true;
  return false;
}
