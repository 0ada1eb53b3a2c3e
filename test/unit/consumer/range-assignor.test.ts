// src/consumer/range-assignor.ts: Kafka's range assignor and the consumer-protocol bytes.
import { describe, expect, it } from 'vitest';
import { rangeAssign } from '../../../src/consumer/range-assignor.js';
import { encodeAssignment, encodeSubscription, assignedPartitions, subscribedTopics } from '../../../src/protocol/consumer-protocol.js';

describe('rangeAssign', () => {
  it('gives each member a contiguous range, the first ones one more (RangeAssignor)', () => {
    const subs = new Map([['m-b', ['t']], ['m-a', ['t']], ['m-c', ['t']]]);
    const out = rangeAssign(subs, new Map([['t', 7]]));
    expect(out.get('m-a')).toEqual([{ topic: 't', partitions: [0, 1, 2] }]);
    expect(out.get('m-b')).toEqual([{ topic: 't', partitions: [3, 4] }]);
    expect(out.get('m-c')).toEqual([{ topic: 't', partitions: [5, 6] }]);
  });

  it('assigns per topic among the members subscribed to it; more members than partitions leaves some idle', () => {
    const subs = new Map([['a', ['x', 'y']], ['b', ['y']], ['c', ['y']]]);
    const out = rangeAssign(subs, new Map([['x', 2], ['y', 2]]));
    expect(out.get('a')).toEqual([{ topic: 'x', partitions: [0, 1] }, { topic: 'y', partitions: [0] }]);
    expect(out.get('b')).toEqual([{ topic: 'y', partitions: [1] }]);
    expect(out.get('c')).toEqual([]);
  });

  it('skips topics without metadata', () => {
    expect(rangeAssign(new Map([['a', ['gone']]]), new Map()).get('a')).toEqual([]);
  });
});

describe('consumer protocol bytes', () => {
  it('round-trip through the readers the broker uses (version prefix included)', () => {
    const sub = encodeSubscription(['t1', 't2']);
    expect(sub.readInt16BE(0)).toBe(0);
    expect(subscribedTopics(sub)).toEqual(['t1', 't2']);
    const assignment = [{ topic: 't1', partitions: [0, 2] }];
    expect(assignedPartitions(encodeAssignment(assignment))).toEqual(assignment);
  });
});
