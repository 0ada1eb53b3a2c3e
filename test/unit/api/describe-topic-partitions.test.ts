// src/api/describe-topic-partitions.ts: DescribeTopicPartitions v0 (KIP-966), its cursor
// and partition limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTopicPartitions } from '../../../src/api/describe-topic-partitions.js';
import { NO_OPERATIONS } from '../../../src/api/authorize.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { defaultDescribeTopicPartitionsRequest, type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse } from '../../../src/protocol/generated/describe-topic-partitions.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0); // every topic operation (no authorizer)

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('dtp-c', 1);
  await hb.topic('dtp-a', 3);
  await hb.topic('dtp-b', 2);
});
afterAll(stopHandlerBrokers);

type Cursor = DescribeTopicPartitionsRequest.Cursor | null;
const ask = (topics: string[], responsePartitionLimit = 2000, cursor: Cursor = null, broker = hb) =>
  broker.call(describeTopicPartitions, 0, { ...defaultDescribeTopicPartitionsRequest(), topics: topics.map((name) => ({ name })), responsePartitionLimit, cursor });
/** topic:partition of each partition described. */
const described = (r: DescribeTopicPartitionsResponse) => r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}`));
const ABC = ['dtp-c', 'dtp-a', 'dtp-b'];

describe('DescribeTopicPartitions', () => {
  it('describes the topics asked for in name order, once each, with their ids and partitions', async () => {
    const node = hb.broker.config.nodeId;
    const r = await ask([...ABC, 'dtp-a']);
    expect(r.topics.map((t) => [t.name, t.topicId, t.errorCode, t.isInternal, t.topicAuthorizedOperations])).toEqual(
      ['dtp-a', 'dtp-b', 'dtp-c'].map((name) => [name, hb.broker.logs.topic(name)!.topicId, ErrorCode.NONE, false, TOPIC_OPERATIONS]));
    expect(r.topics[0].partitions[2]).toEqual({
      errorCode: ErrorCode.NONE, partitionIndex: 2, leaderId: node, leaderEpoch: 0, replicaNodes: [node], isrNodes: [node],
      eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [],
    });
    expect(described(r)).toEqual(['dtp-a:0', 'dtp-a:1', 'dtp-a:2', 'dtp-b:0', 'dtp-b:1', 'dtp-c:0']);
    expect(r.nextCursor).toBeNull();
  });

  it('an empty list describes every topic', async () => {
    const names = (await ask([])).topics.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(ABC));
    expect(names).toEqual([...names].sort());
  });

  it('answers a topic that does not exist UNKNOWN_TOPIC_OR_PARTITION, an impossible name INVALID_TOPIC_EXCEPTION, with the zero id', async () => {
    const r = await ask(['dtp-none', 'bad name!']);
    expect(r.topics.map((t) => [t.name, t.errorCode, t.topicId, t.partitions])).toEqual([
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, ZERO_UUID, []], ['dtp-none', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ZERO_UUID, []],
    ]);
    expect(hb.broker.logs.topic('dtp-none')).toBeUndefined(); // never auto-created
  });

  it('pages through partitions along the cursor: a topic cut short resumes where it stopped', async () => {
    const pages: string[][] = [];
    let cursor: Cursor = null;
    for (let i = 0; i < 10; i++) {
      const r = await ask(ABC, 2, cursor);
      pages.push(described(r));
      cursor = r.nextCursor;
      if (cursor === null) break;
    }
    expect(pages).toEqual([['dtp-a:0', 'dtp-a:1'], ['dtp-a:2', 'dtp-b:0'], ['dtp-b:1', 'dtp-c:0']]);
  });

  it('a topic not reached has the cursor at its partition 0; a cursor skips the topics before it', async () => {
    const first = await ask(ABC, 3);
    expect([described(first), first.nextCursor]).toEqual([['dtp-a:0', 'dtp-a:1', 'dtp-a:2'], { topicName: 'dtp-b', partitionIndex: 0 }]);
    const rest = await ask(ABC, 3, first.nextCursor);
    expect([described(rest), rest.nextCursor]).toEqual([['dtp-b:0', 'dtp-b:1', 'dtp-c:0'], null]);
    expect(described(await ask([], 2000, { topicName: 'dtp-b', partitionIndex: 1 })).filter((p) => p.startsWith('dtp-'))).toEqual(['dtp-b:1', 'dtp-c:0']);
  });

  it('max.request.partition.size.limit caps what a client asks for', async () => {
    const capped = await startHandlerBroker({ 'max.request.partition.size.limit': '2' });
    await capped.topic('dtp-capped', 5);
    const r = await ask(['dtp-capped'], 2000, null, capped);
    expect([described(r), r.nextCursor]).toEqual([['dtp-capped:0', 'dtp-capped:1'], { topicName: 'dtp-capped', partitionIndex: 2 }]);
  });

  it('refuses a cursor outside the topics asked for, a negative cursor partition and a limit below 1: INVALID_REQUEST for each topic', async () => {
    const refused = (r: DescribeTopicPartitionsResponse) => r.topics.map((t) => [t.name, t.errorCode, t.topicId, t.partitions.length, t.topicAuthorizedOperations]);
    const expected = [['dtp-a', ErrorCode.INVALID_REQUEST, ZERO_UUID, 0, NO_OPERATIONS], ['dtp-b', ErrorCode.INVALID_REQUEST, ZERO_UUID, 0, NO_OPERATIONS]];
    expect(refused(await ask(['dtp-a', 'dtp-b'], 10, { topicName: 'dtp-c', partitionIndex: 0 }))).toEqual(expected);
    expect(refused(await ask(['dtp-a', 'dtp-b'], 10, { topicName: 'dtp-a', partitionIndex: -1 }))).toEqual(expected);
    expect(refused(await ask(['dtp-a', 'dtp-b'], 0))).toEqual(expected);
    expect((await ask(['dtp-a', 'dtp-b'], 0)).nextCursor).toBeNull();
  });
});
