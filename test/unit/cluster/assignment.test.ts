import { describe, expect, it } from 'vitest';
import { assignReplicas, PlacementError } from '../../../src/cluster/assignment.js';

const brokers = (n: number, racks?: string[]) => Array.from({ length: n }, (_, i) => ({ id: i + 1, rack: racks ? racks[i % racks.length] : null }));
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

describe('replica placement', () => {
  it('spreads leaders and replicas evenly, each partition on distinct brokers', () => {
    const a = assignReplicas(brokers(3), 30, 3, 0, random);
    expect(a).toHaveLength(30);
    for (const replicas of a) expect(new Set(replicas).size).toBe(3);
    const leaders = new Map<number, number>();
    for (const [leader] of a) leaders.set(leader, (leaders.get(leader) ?? 0) + 1);
    expect([...leaders.values()]).toEqual([10, 10, 10]);
    const b = assignReplicas(brokers(5), 50, 2, 0, random);
    const load = new Map<number, number>();
    for (const r of b) for (const id of r) load.set(id, (load.get(id) ?? 0) + 1);
    expect([...load.values()].every((n) => n === 20)).toBe(true);
  });

  it('continues a topic from a partition number (CreatePartitions) and refuses impossible factors', () => {
    expect(assignReplicas(brokers(3), 2, 1, 4, () => 0)).toEqual([[2], [3]]);
    expect(() => assignReplicas(brokers(2), 1, 3)).toThrow(PlacementError);
    expect(() => assignReplicas(brokers(2), 1, 0)).toThrow(PlacementError);
  });

  it('with racks, puts a partition\'s replicas in as many racks as it can', () => {
    const racked = brokers(6, ['a', 'b', 'c']);
    const rackOf = (id: number) => racked.find((b) => b.id === id)!.rack;
    for (const replicas of assignReplicas(racked, 24, 3, 0, random)) {
      expect(new Set(replicas).size).toBe(3);
      expect(new Set(replicas.map(rackOf)).size).toBe(3);
    }
    for (const replicas of assignReplicas(racked, 12, 2, 0, random)) expect(new Set(replicas.map(rackOf)).size).toBe(2);
    // Four replicas over three racks: every rack has one, and no broker twice.
    for (const replicas of assignReplicas(racked, 12, 4, 0, random)) {
      expect(new Set(replicas).size).toBe(4);
      expect(new Set(replicas.map(rackOf)).size).toBe(3);
    }
    expect(() => assignReplicas([{ id: 1, rack: 'a' }, { id: 2, rack: null }], 1, 1)).toThrow(/rack/);
  });
});
