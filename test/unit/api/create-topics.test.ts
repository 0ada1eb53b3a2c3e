// src/api/create-topics.ts: CreateTopics v0-7 against a real broker in process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '../../../src/api/create-topics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsRequest } from '../../../src/protocol/generated/create-topics.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'num.partitions': '3' }); });
afterAll(stopHandlerBrokers);

const topic = (name: string, fields: Partial<CreateTopicsRequest.CreatableTopic> = {}) => ({ ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1, ...fields });
const create = (v: number, topics: CreateTopicsRequest.CreatableTopic[], validateOnly = false) =>
  hb.call(createTopics, v, { ...defaultCreateTopicsRequest(), topics, timeoutMs: 5000, validateOnly });
const results = async (v: number, topics: CreateTopicsRequest.CreatableTopic[], validateOnly = false) =>
  (await create(v, topics, validateOnly)).topics.map((t) => [t.name, t.errorCode]);

describe('CreateTopics', () => {
  it('creates topics with the partitions asked for, in Kafka\'s layout', async () => {
    expect(await results(0, [topic('ct-one', { numPartitions: 2 })])).toEqual([['ct-one', ErrorCode.NONE]]);
    expect(hb.broker.logs.topic('ct-one')!.partitions.size).toBe(2);
    expect(existsSync(join(hb.dir, 'ct-one-1', '00000000000000000000.log'))).toBe(true);
  });

  it('v4+: -1 partitions and replication factor take the broker defaults (num.partitions)', async () => {
    const [t] = (await create(5, [topic('ct-defaults', { numPartitions: -1, replicationFactor: -1 })])).topics;
    expect([t.errorCode, t.numPartitions, t.replicationFactor]).toEqual([ErrorCode.NONE, 3, 1]);
    expect(hb.broker.logs.topic('ct-defaults')!.partitions.size).toBe(3);
  });

  it('v5+ returns the topic\'s configs, overrides included', async () => {
    const [t] = (await create(5, [topic('ct-configs', { configs: [{ name: 'retention.ms', value: '1234' }] })])).topics;
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(t.configs!.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '1234', configSource: 1, readOnly: false });
    expect(t.configs!.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 });
    expect(hb.broker.logs.topic('ct-configs')!.overrides).toEqual({ 'retention.ms': '1234' });
  });

  it('refuses a replication factor one broker cannot meet, and one below 1', async () => {
    const response = await create(1, [topic('ct-rf2', { replicationFactor: 2 }), topic('ct-rf0', { replicationFactor: 0 })]);
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([['ct-rf2', ErrorCode.INVALID_REPLICATION_FACTOR], ['ct-rf0', ErrorCode.INVALID_REPLICATION_FACTOR]]);
    expect(response.topics[0].errorMessage).toMatch(/only 1 broker\(s\) are registered/);
    expect(hb.broker.logs.topic('ct-rf2')).toBeUndefined();
  });

  it('refuses every entry of a name given twice, and creates the others', async () => {
    expect(await results(4, [topic('ct-dup'), topic('ct-single'), topic('ct-dup')])).toEqual([
      ['ct-dup', ErrorCode.INVALID_REQUEST], ['ct-single', ErrorCode.NONE], ['ct-dup', ErrorCode.INVALID_REQUEST],
    ]);
    expect(hb.broker.logs.topic('ct-dup')).toBeUndefined();
  });

  it('answers TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION and INVALID_PARTITIONS', async () => {
    await create(4, [topic('ct-exists')]);
    expect(await results(4, [topic('ct-exists'), topic('bad name!'), topic('a'.repeat(250)), topic('ct-zero', { numPartitions: 0 })])).toEqual([
      ['ct-exists', ErrorCode.TOPIC_ALREADY_EXISTS], ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['a'.repeat(250), ErrorCode.INVALID_TOPIC_EXCEPTION], ['ct-zero', ErrorCode.INVALID_PARTITIONS],
    ]);
  });

  it('refuses invalid and null config values with INVALID_CONFIG', async () => {
    const response = await create(5, [
      topic('ct-bad-config', { configs: [{ name: 'cleanup.policy', value: 'shred' }] }),
      topic('ct-null-config', { configs: [{ name: 'retention.ms', value: null }] }),
    ]);
    expect(response.topics.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG]);
    expect(response.topics[1].errorMessage).toMatch(/Null value not supported/);
    expect(hb.broker.logs.topic('ct-bad-config')).toBeUndefined();
  });

  it('takes manual assignments naming this broker alone, never with a partition count', async () => {
    const node = hb.broker.config.nodeId;
    const assign = (ids: number[][]) => ids.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds }));
    expect(await results(4, [
      topic('ct-assigned', { numPartitions: -1, replicationFactor: -1, assignments: assign([[node], [node]]) }),
      topic('ct-elsewhere', { numPartitions: -1, replicationFactor: -1, assignments: assign([[node + 1]]) }),
      topic('ct-both', { numPartitions: 2, replicationFactor: -1, assignments: assign([[node]]) }),
    ])).toEqual([['ct-assigned', ErrorCode.NONE], ['ct-elsewhere', ErrorCode.INVALID_REPLICA_ASSIGNMENT], ['ct-both', ErrorCode.INVALID_REQUEST]]);
    expect(hb.broker.logs.topic('ct-assigned')!.partitions.size).toBe(2);
  });

  it('validateOnly (v1+) checks and answers as if created, creating nothing', async () => {
    const [t] = (await create(5, [topic('ct-dry', { numPartitions: 4 })], true)).topics;
    expect([t.errorCode, t.numPartitions]).toEqual([ErrorCode.NONE, 4]);
    expect(hb.broker.logs.topic('ct-dry')).toBeUndefined();
    expect(existsSync(join(hb.dir, 'ct-dry-0'))).toBe(false);
  });

  it('v0 has no error messages; v1+ say why', async () => {
    const [v0] = (await create(0, [topic('ct-msg', { replicationFactor: 3 })])).topics;
    const [v1] = (await create(1, [topic('ct-msg', { replicationFactor: 3 })])).topics;
    expect(v0.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(v0.errorMessage ?? '').toBe(''); // not on the wire before v1
    expect(v1.errorMessage).toMatch(/replicate the partition 3 time/);
  });

  it('v7 answers the created topic\'s id; zero for a topic not created (an error, or validateOnly)', async () => {
    const [t] = (await create(7, [topic('ct-v7')])).topics;
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(t.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(t.topicId).not.toBe(ZERO_UUID);
    expect(t.topicId).toBe(hb.broker.logs.topic('ct-v7')!.topicId);
    const [again] = (await create(7, [topic('ct-v7')])).topics;
    expect([again.errorCode, again.topicId]).toEqual([ErrorCode.TOPIC_ALREADY_EXISTS, ZERO_UUID]);
    const [dry] = (await create(7, [topic('ct-v7-dry')], true)).topics;
    expect([dry.errorCode, dry.topicId]).toEqual([ErrorCode.NONE, ZERO_UUID]);
  });

  it('gives each topic its own id, written to each partition directory\'s partition.metadata', async () => {
    const ids = (await create(7, [topic('ct-id-a', { numPartitions: 2 }), topic('ct-id-b')])).topics.map((t) => t.topicId);
    expect(new Set(ids).size).toBe(2);
    for (const dir of ['ct-id-a-0', 'ct-id-a-1']) {
      expect(readFileSync(join(hb.dir, dir, 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${ids[0]}\n`);
    }
  });
});
