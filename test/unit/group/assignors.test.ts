import { describe, expect, it } from 'vitest';
import { rangeAssignor, uniformAssignor, configuredAssignors, type AssignorMember } from '../../../src/group/assignors.js';
import { assignmentSize, type Assignment } from '../../../src/group/assignment.js';

const member = (memberId: string, topics: string[], previous: Record<string, number[]> = {}): AssignorMember => ({
  memberId, subscribedTopicIds: new Set(topics), previous: new Map(Object.entries(previous).map(([t, ps]) => [t, new Set(ps)])),
});
const flat = (a: Assignment | undefined) => [...(a ?? new Map())].flatMap(([t, ps]) => [...ps].sort((x, y) => x - y).map((p) => `${t}:${p}`));

describe('range assignor', () => {
  it('gives each topic\'s partitions in ranges, first members one extra, co-partitioned topics aligned', () => {
    const out = rangeAssignor.assign([member('b', ['x', 'y']), member('a', ['x', 'y']), member('c', ['x', 'y'])], new Map([['x', 7], ['y', 7]]));
    expect(flat(out.get('a'))).toEqual(['x:0', 'x:1', 'x:2', 'y:0', 'y:1', 'y:2']);
    expect(flat(out.get('b'))).toEqual(['x:3', 'x:4', 'y:3', 'y:4']);
    expect(flat(out.get('c'))).toEqual(['x:5', 'x:6', 'y:5', 'y:6']);
  });
});

describe('uniform assignor', () => {
  it('spreads partitions evenly and assigns every one exactly once', () => {
    const out = uniformAssignor.assign(['a', 'b', 'c'].map((m) => member(m, ['t'])), new Map([['t', 8]]));
    const all = ['a', 'b', 'c'].flatMap((m) => flat(out.get(m)));
    expect(all.sort()).toEqual(Array.from({ length: 8 }, (_, p) => `t:${p}`).sort());
    expect(['a', 'b', 'c'].map((m) => assignmentSize(out.get(m)!)).sort()).toEqual([2, 3, 3]);
  });

  it('keeps partitions with their owners: a leaving member\'s go to the others, theirs stay', () => {
    const out = uniformAssignor.assign([member('a', ['t'], { t: [0, 1] }), member('b', ['t'], { t: [2, 3] })], new Map([['t', 6]]));
    expect(flat(out.get('a'))).toEqual(expect.arrayContaining(['t:0', 't:1']));
    expect(flat(out.get('b'))).toEqual(expect.arrayContaining(['t:2', 't:3']));
    expect(assignmentSize(out.get('a')!)).toBe(3);
    expect(assignmentSize(out.get('b')!)).toBe(3);
  });

  it('takes from a member with more than its share for a newcomer, and respects subscriptions', () => {
    const out = uniformAssignor.assign([member('a', ['t', 'u'], { t: [0, 1, 2, 3], u: [0, 1] }), member('b', ['t'])], new Map([['t', 4], ['u', 2]]));
    // a keeps u (only it may have them) and its lowest t partition; b takes the rest of t.
    expect(flat(out.get('a'))).toEqual(['t:0', 'u:0', 'u:1']);
    expect(flat(out.get('b'))).toEqual(['t:1', 't:2', 't:3']);
  });
});

describe('group.consumer.assignors', () => {
  it('takes names or Kafka\'s class names, and refuses unknown ones', () => {
    expect(configuredAssignors(['range', 'org.apache.kafka.coordinator.group.assignor.UniformAssignor']).map((a) => a.name)).toEqual(['range', 'uniform']);
    expect(() => configuredAssignors(['sticky'])).toThrow(/unknown assignor sticky/);
  });
});
