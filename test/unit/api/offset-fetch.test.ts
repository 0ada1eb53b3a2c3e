// src/api/offset-fetch.ts: OffsetFetch v0-8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetFetch } from '../../../src/api/offset-fetch.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('t', 3);
  await hb.topic('u', 1);
  const codes = await hb.broker.groups.commitOffsets({
    groupId: 'of-group', generationId: -1, memberId: '', groupInstanceId: null,
    offsets: [{ topic: 't', partition: 0, offset: 10, leaderEpoch: 0, metadata: 'm0' }, { topic: 't', partition: 2, offset: 12, leaderEpoch: -1, metadata: '' }, { topic: 'u', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }],
  }, () => true);
  expect(codes).toEqual([0, 0, 0]);
});
afterAll(stopHandlerBrokers);

const rows = (topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[]) =>
  topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode])).sort();

describe('OffsetFetch', () => {
  it('answers the committed offsets asked for; a partition without one gets -1, no error', async () => {
    const r = await hb.call(offsetFetch, 1, { ...defaultOffsetFetchRequest(), groupId: 'of-group', topics: [{ name: 't', partitionIndexes: [0, 1, 2] }] });
    expect(rows(r.topics)).toEqual([['t', 0, 10, -1, 'm0', 0], ['t', 1, -1, -1, '', 0], ['t', 2, 12, -1, '', 0]]);
  });

  it('v5+ answer the leader epoch', async () => {
    const r = await hb.call(offsetFetch, 5, { ...defaultOffsetFetchRequest(), groupId: 'of-group', topics: [{ name: 't', partitionIndexes: [0] }] });
    expect(rows(r.topics)).toEqual([['t', 0, 10, 0, 'm0', 0]]);
    expect(r.errorCode).toBe(ErrorCode.NONE);
  });

  it('v2+: null topics means every partition the group committed', async () => {
    const r = await hb.call(offsetFetch, 2, { ...defaultOffsetFetchRequest(), groupId: 'of-group', topics: null });
    expect(rows(r.topics)).toEqual([['t', 0, 10, -1, 'm0', 0], ['t', 2, 12, -1, '', 0], ['u', 0, 5, -1, '', 0]]);
  });

  it('an unknown group has no offsets: -1 for what is asked, nothing for null', async () => {
    const asked = await hb.call(offsetFetch, 3, { ...defaultOffsetFetchRequest(), groupId: 'of-none', topics: [{ name: 'u', partitionIndexes: [0] }] });
    expect(rows(asked.topics)).toEqual([['u', 0, -1, -1, '', 0]]);
    expect((await hb.call(offsetFetch, 3, { ...defaultOffsetFetchRequest(), groupId: 'of-none', topics: null })).topics).toEqual([]);
  });

  it('v8 batches groups, each answered on its own', async () => {
    const r = await hb.call(offsetFetch, 8, {
      ...defaultOffsetFetchRequest(), requireStable: true,
      groups: [{ groupId: 'of-group', memberId: null, memberEpoch: -1, topics: [{ name: 'u', partitionIndexes: [0] }] }, { groupId: 'of-none', memberId: null, memberEpoch: -1, topics: null }],
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset]))])).toEqual([
      ['of-group', ErrorCode.NONE, [['u', 0, 5]]], ['of-none', ErrorCode.NONE, []],
    ]);
  });
});
