// src/api/offset-commit.ts: OffsetCommit v0-9.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetCommit } from '../../../src/api/offset-commit.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultOffsetCommitRequest } from '../../../src/protocol/generated/offset-commit.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker({ 'offset.metadata.max.bytes': '16' });
  await hb.topic('t', 2);
});
afterAll(stopHandlerBrokers);

type Part = [partition: number, offset: number, metadata?: string, leaderEpoch?: number];
const commit = async (v: number, groupId: string, parts: Part[], fields = {}, topic = 't') => (await hb.call(offsetCommit, v, {
  ...defaultOffsetCommitRequest(), groupId, generationIdOrMemberEpoch: -1, memberId: '',
  topics: [{ name: topic, partitions: parts.map(([partitionIndex, committedOffset, committedMetadata = '', committedLeaderEpoch = -1]) => ({ partitionIndex, committedOffset, committedLeaderEpoch, commitTimestamp: -1, committedMetadata })) }],
  ...fields,
})).topics[0].partitions.map((p) => [p.partitionIndex, p.errorCode]);
const committed = (groupId: string, partition = 0) => hb.broker.groups.group(groupId)?.offset('t', partition);

describe('OffsetCommit', () => {
  it('v0: a standalone commit (no generation, no member) is stored, with its metadata', async () => {
    expect(await commit(0, 'oc-v0', [[0, 42, 'meta'], [1, 7]])).toEqual([[0, ErrorCode.NONE], [1, ErrorCode.NONE]]);
    expect(committed('oc-v0')).toMatchObject({ offset: 42, metadata: 'meta' });
    expect(committed('oc-v0', 1)!.offset).toBe(7);
  });

  it('v6+ keep the leader epoch', async () => {
    await commit(6, 'oc-epoch', [[0, 3, '', 0]]);
    expect(committed('oc-epoch')!.leaderEpoch).toBe(0);
  });

  it('a member commits with its generation; another generation or member is refused', async () => {
    const { memberId, generationId } = await stableMember(hb, 'oc-member');
    expect(await commit(8, 'oc-member', [[0, 10]], { generationIdOrMemberEpoch: generationId, memberId })).toEqual([[0, ErrorCode.NONE]]);
    expect(await commit(8, 'oc-member', [[0, 11]], { generationIdOrMemberEpoch: generationId + 1, memberId })).toEqual([[0, ErrorCode.ILLEGAL_GENERATION]]);
    expect(await commit(8, 'oc-member', [[0, 12]], { generationIdOrMemberEpoch: generationId, memberId: 'nobody' })).toEqual([[0, ErrorCode.UNKNOWN_MEMBER_ID]]);
    // A standalone commit while the group has members is refused too.
    expect(await commit(8, 'oc-member', [[0, 13]])).toEqual([[0, ErrorCode.UNKNOWN_MEMBER_ID]]);
    expect(committed('oc-member')!.offset).toBe(10);
  });

  it('a generation for a group that does not exist: GROUP_ID_NOT_FOUND from v9, ILLEGAL_GENERATION before', async () => {
    expect(await commit(9, 'oc-nogroup', [[0, 1], [5, 1]], { generationIdOrMemberEpoch: 3, memberId: 'm' })).toEqual([[0, ErrorCode.GROUP_ID_NOT_FOUND], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(await commit(8, 'oc-nogroup', [[0, 1]], { generationIdOrMemberEpoch: 3, memberId: 'm' })).toEqual([[0, ErrorCode.ILLEGAL_GENERATION]]);
    expect(hb.broker.groups.group('oc-nogroup')).toBeUndefined();
  });

  it('per partition: unknown partitions and metadata above offset.metadata.max.bytes are refused, the rest stored', async () => {
    expect(await commit(2, 'oc-mixed', [[0, 1, 'x'.repeat(17)], [1, 2, 'x'.repeat(16)], [9, 3]])).toEqual([
      [0, ErrorCode.OFFSET_METADATA_TOO_LARGE], [1, ErrorCode.NONE], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect([committed('oc-mixed', 0), committed('oc-mixed', 1)!.offset]).toEqual([undefined, 2]);
    expect(await commit(2, 'oc-mixed', [[0, 1]], {}, 't-none')).toEqual([[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  });

  it('commits are kept in __consumer_offsets: they survive a restart', async () => {
    await commit(5, 'oc-durable', [[1, 99, 'kept']]);
    await hb.restart();
    expect(committed('oc-durable', 1)).toMatchObject({ offset: 99, metadata: 'kept' });
  });
});

describe('OffsetCommit writes to __consumer_offsets', () => {
  const offsetsLog = () => hb.broker.logs.partition('__consumer_offsets', 0)!;
  /** Counts the batches appended to __consumer_offsets while `run` runs. */
  async function appendsDuring(run: () => Promise<unknown>): Promise<number> {
    let appends = 0;
    const cancel = offsetsLog().watchAppends(() => { appends++; });
    try {
      await run();
    } finally {
      cancel();
    }
    return appends;
  }
  const many = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => commit(2, `oc-${tag}-${i}`, [[0, i]])));

  it('the commits of many groups asked in one turn go in one batch, each answered and kept', async () => {
    await commit(2, 'oc-warm', [[0, 1]]); // the topic exists
    let answers: unknown[] = [];
    expect(await appendsDuring(async () => { answers = await many(20, 'turn'); })).toBe(1);
    expect(answers).toEqual(Array.from({ length: 20 }, () => [[0, ErrorCode.NONE]]));
    expect(Array.from({ length: 20 }, (_, i) => committed(`oc-turn-${i}`)!.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('within max.message.bytes: more batches when they do not fit in one, INVALID_COMMIT_OFFSET_SIZE for a commit alone over it', async () => {
    await hb.topic('wide', 60);
    const topic = hb.broker.logs.topic('__consumer_offsets')!;
    const overrides = { ...topic.overrides };
    await hb.broker.logs.setTopicConfigs('__consumer_offsets', { ...overrides, 'max.message.bytes': '1000' });
    try {
      expect(await appendsDuring(() => many(20, 'split'))).toBeGreaterThan(1);
      expect(committed('oc-split-19')!.offset).toBe(19);
      const wide = await commit(2, 'oc-wide', Array.from({ length: 60 }, (_, p): Part => [p, 5]), {}, 'wide');
      expect(new Set(wide.map(([, code]) => code))).toEqual(new Set([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]));
    } finally {
      await hb.broker.logs.setTopicConfigs('__consumer_offsets', overrides);
    }
  });
});
