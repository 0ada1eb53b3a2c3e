// src/api/offset-delete.ts: OffsetDelete v0 (KIP-496).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetDelete } from '../../../src/api/offset-delete.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('t', 2);
  await hb.topic('other', 1);
});
afterAll(stopHandlerBrokers);

async function commitAll(groupId: string, generationId = -1, memberId = '') {
  const offsets = [['t', 0], ['t', 1], ['other', 0]].map(([topic, partition]) => ({ topic: topic as string, partition: partition as number, offset: 7, leaderEpoch: -1, metadata: '' }));
  expect(await hb.broker.groups.commitOffsets({ groupId, generationId, memberId, groupInstanceId: null, offsets }, () => true)).toEqual([0, 0, 0]);
}
const del = (groupId: string, topics: [string, number[]][]) => hb.call(offsetDelete, 0, {
  groupId, topics: topics.map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) })),
});
const has = (groupId: string, topic: string, partition: number) => hb.broker.groups.group(groupId)?.offset(topic, partition) !== undefined;

describe('OffsetDelete', () => {
  it('deletes the named offsets of an empty group, keeping the others', async () => {
    await commitAll('od-empty');
    const r = await del('od-empty', [['t', [0, 1]]]);
    expect([r.errorCode, r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])]).toEqual([ErrorCode.NONE, [['t', [[0, 0], [1, 0]]]]]);
    expect([has('od-empty', 't', 0), has('od-empty', 't', 1), has('od-empty', 'other', 0)]).toEqual([false, false, true]);
  });

  it('refuses per partition the topics a live member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC)', async () => {
    const { memberId, generationId } = await stableMember(hb, 'od-live', { topics: ['t'] });
    await commitAll('od-live', generationId, memberId);
    const r = await del('od-live', [['t', [0]], ['other', [0]]]);
    expect(r.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([['t', [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]], ['other', [ErrorCode.NONE]]]);
    expect([has('od-live', 't', 0), has('od-live', 'other', 0)]).toEqual([true, false]);
  });

  it('an unknown group: GROUP_ID_NOT_FOUND and no topics', async () => {
    const r = await del('od-none', [['t', [0]]]);
    expect([r.errorCode, r.topics]).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, []]);
  });
});
