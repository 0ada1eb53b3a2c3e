// Per-partition results grouped by topic, in first-seen order: the shape of the admin
// responses that answer partition by partition (ElectLeaders, AlterPartitionReassignments,
// ListPartitionReassignments).
export function byTopic<T extends { topic: string }>(results: readonly T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const r of results) {
    const list = grouped.get(r.topic);
    if (list) list.push(r);
    else grouped.set(r.topic, [r]);
  }
  return grouped;
}
