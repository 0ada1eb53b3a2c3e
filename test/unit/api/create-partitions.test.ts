// src/api/create-partitions.ts: CreatePartitions v0-3 raises a topic's partition count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartitions } from '../../../src/api/create-partitions.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultCreatePartitionsRequest, type CreatePartitionsRequest } from '../../../src/protocol/generated/create-partitions.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const raise = (topics: CreatePartitionsRequest.CreatePartitionsTopic[], validateOnly = false, v = 1) =>
  hb.call(createPartitions, v, { ...defaultCreatePartitionsRequest(), topics, timeoutMs: 1000, validateOnly });
const to = (name: string, count: number, assignments: number[][] | null = null) => ({ name, count, assignments: assignments && assignments.map((brokerIds) => ({ brokerIds })) });
const count = (name: string) => hb.broker.logs.topic(name)!.partitions.size;

describe('CreatePartitions', () => {
  it('adds partitions, which take appends at once', async () => {
    await hb.topic('cp-grow', 1);
    const response = await raise([to('cp-grow', 3)]);
    expect(response.results.map((r) => [r.name, r.errorCode])).toEqual([['cp-grow', ErrorCode.NONE]]);
    expect(count('cp-grow')).toBe(3);
    expect(hb.broker.logs.partition('cp-grow', 2)!.logEndOffset).toBe(0);
  });

  it('never lowers or keeps the count: INVALID_PARTITIONS', async () => {
    await hb.topic('cp-two', 2);
    const response = await raise([to('cp-two', 2), to('cp-two-x', 1)]);
    expect(response.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(response.results[0].errorMessage).toMatch(/currently has 2 partitions/);
    expect(count('cp-two')).toBe(2);
  });

  it('refuses a topic named twice in one request', async () => {
    await hb.topic('cp-twice', 1);
    const response = await raise([to('cp-twice', 2), to('cp-twice', 3)]);
    expect(response.results.map((r) => [r.name, r.errorCode])).toEqual([['cp-twice', ErrorCode.NONE], ['cp-twice', ErrorCode.INVALID_REQUEST]]);
    expect(count('cp-twice')).toBe(2);
  });

  it('takes assignments that name this broker alone, one per new partition', async () => {
    await hb.topic('cp-assign', 1);
    const node = hb.broker.config.nodeId;
    const response = await raise([to('cp-assign', 3, [[node], [node + 1]])]);
    expect(response.results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect((await raise([to('cp-assign', 3, [[node]])])).results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect((await raise([to('cp-assign', 3, [[node], [node]])])).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(count('cp-assign')).toBe(3);
  });

  it('validateOnly checks without adding', async () => {
    await hb.topic('cp-dry', 1);
    expect((await raise([to('cp-dry', 5)], true, 3)).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(count('cp-dry')).toBe(1);
  });
});
