// src/api/metadata.ts: Metadata v0-13, with topic auto-creation and topic ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadata } from '../../../src/api/metadata.js';
import { NO_OPERATIONS } from '../../../src/api/authorize.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultMetadataRequest } from '../../../src/protocol/generated/metadata.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0); // every topic operation (no authorizer)

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker({ 'num.partitions': '2' });
  await hb.topic('md-existing', 3);
});
afterAll(stopHandlerBrokers);

const ask = (v: number, topics: string[] | null, allowAutoTopicCreation = true, extra = {}) =>
  hb.call(metadata, v, { ...defaultMetadataRequest(), topics: topics && topics.map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation, ...extra });

describe('Metadata', () => {
  it('describes a topic: every partition led by this broker with epoch 0, in sync alone', async () => {
    const response = await ask(9, ['md-existing']);
    const node = hb.broker.config.nodeId;
    expect(response.brokers).toEqual([{ nodeId: node, host: '127.0.0.1', port: hb.broker.listeners[0].port, rack: null }]);
    expect([response.controllerId, response.clusterId]).toEqual([node, hb.broker.logs.clusterId]);
    expect(response.topics.map((t) => [t.name, t.errorCode, t.isInternal])).toEqual([['md-existing', ErrorCode.NONE, false]]);
    expect(response.topics[0].partitions).toEqual([0, 1, 2].map((partitionIndex) => ({
      errorCode: ErrorCode.NONE, partitionIndex, leaderId: node, leaderEpoch: 0, replicaNodes: [node], isrNodes: [node], offlineReplicas: [],
    })));
  });

  it('v1+: null means every topic, an empty list none; v0: an empty list means every topic', async () => {
    const names = (r: Awaited<ReturnType<typeof ask>>) => r.topics.map((t) => t.name);
    expect(names(await ask(1, null))).toContain('md-existing');
    expect(names(await ask(1, []))).toEqual([]);
    expect(names(await ask(0, []))).toContain('md-existing');
  });

  it('creates a missing topic with num.partitions when allowed, and returns it at once', async () => {
    const [t] = (await ask(4, ['md-auto'])).topics;
    expect([t.errorCode, t.partitions.length]).toEqual([ErrorCode.NONE, 2]);
    expect(hb.broker.logs.topic('md-auto')!.partitions.size).toBe(2);
  });

  it('v0-3 have no allowAutoTopicCreation flag and are treated as allowing it', async () => {
    const [t] = (await ask(3, ['md-auto-v3'])).topics;
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.logs.topic('md-auto-v3')!.partitions.size).toBe(2);
  });

  it('v4+ honours allowAutoTopicCreation=false; internal names and bad names are never created', async () => {
    const response = await ask(4, ['md-not-allowed'], false);
    expect(response.topics.map((t) => [t.name, t.errorCode, t.partitions])).toEqual([['md-not-allowed', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]]);
    const more = await ask(4, ['__internal-ish', 'bad name', 'a'.repeat(250)]);
    expect(more.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    expect(hb.broker.logs.topic('md-not-allowed')).toBeUndefined();
    expect(hb.broker.logs.topic('__internal-ish')).toBeUndefined();
  });

  it('answers concurrent requests for a new topic alike, creating it once', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => ask(9, ['md-race'])));
    for (const a of answers) expect([ErrorCode.NONE, ErrorCode.LEADER_NOT_AVAILABLE]).toContain(a.topics[0].errorCode);
    expect(answers.some((a) => a.topics[0].errorCode === ErrorCode.NONE && a.topics[0].partitions.length === 2)).toBe(true);
    expect(hb.logged.filter((l) => l.includes('auto-created topic md-race'))).toHaveLength(1);
  });

  it('auto.create.topics.enable=false: UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const strict = await startHandlerBroker({ 'auto.create.topics.enable': 'false' });
    const response = await strict.call(metadata, 9, { ...defaultMetadataRequest(), topics: [{ name: 'md-off', topicId: ZERO_UUID }], allowAutoTopicCreation: true });
    expect(response.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(strict.broker.logs.topic('md-off')).toBeUndefined();
  });

  it('v8+: authorized operations only when asked', async () => {
    expect((await ask(8, ['md-existing'])).topics[0].topicAuthorizedOperations).toBe(NO_OPERATIONS);
    expect((await ask(8, ['md-existing'], true, { includeTopicAuthorizedOperations: true })).topics[0].topicAuthorizedOperations).toBe(TOPIC_OPERATIONS);
  });

  it('v10+ answer each topic\'s id, the one the broker keeps, never zero', async () => {
    const id = hb.broker.logs.topic('md-existing')!.topicId;
    expect(id).not.toBe(ZERO_UUID);
    for (const v of [10, 11, 12, 13]) {
      const [t] = (await ask(v, ['md-existing'])).topics;
      expect([v, t.name, t.topicId]).toEqual([v, 'md-existing', id]);
    }
    const all = await ask(12, null);
    for (const t of all.topics) expect(t.topicId).toBe(hb.broker.logs.topic(t.name!)!.topicId);
    // A topic that does not exist has none.
    expect((await ask(12, ['md-absent'], false)).topics[0].topicId).toBe(ZERO_UUID);
  });

  const byId = (v: number, topics: { topicId: string; name: string | null }[]) =>
    hb.call(metadata, v, { ...defaultMetadataRequest(), topics, allowAutoTopicCreation: true });

  it('v12+ ask by topic id: a known id gets its topic and name; an unknown id UNKNOWN_TOPIC_ID, with a null name', async () => {
    const id = hb.broker.logs.topic('md-existing')!.topicId;
    const unknownId = 'AQIDBAUGBwgJCgsMDQ4PEA';
    for (const v of [12, 13]) {
      const response = await byId(v, [{ topicId: unknownId, name: null }, { topicId: id, name: null }]);
      expect(response.topics.map((t) => [t.name, t.topicId, t.errorCode, t.partitions.length])).toEqual([
        [null, unknownId, ErrorCode.UNKNOWN_TOPIC_ID, 0], ['md-existing', id, ErrorCode.NONE, 3],
      ]);
    }
  });

  it('v12: names sent beside ids are ignored (never auto-created), as Kafka does', async () => {
    const id = hb.broker.logs.topic('md-existing')!.topicId;
    const response = await byId(12, [{ topicId: id, name: null }, { topicId: ZERO_UUID, name: 'md-beside-ids' }]);
    expect(response.topics.map((t) => t.name)).toEqual(['md-existing']);
    expect(hb.broker.logs.topic('md-beside-ids')).toBeUndefined();
  });

  it('v10-11 may not ask by id nor send a null name: INVALID_REQUEST for each topic asked', async () => {
    const id = hb.broker.logs.topic('md-existing')!.topicId;
    for (const v of [10, 11]) {
      const withId = await byId(v, [{ topicId: id, name: 'md-existing' }, { topicId: ZERO_UUID, name: 'md-other' }]);
      expect(withId.topics.map((t) => [t.name, t.topicId, t.errorCode, t.partitions])).toEqual([
        ['md-existing', id, ErrorCode.INVALID_REQUEST, []], ['md-other', ZERO_UUID, ErrorCode.INVALID_REQUEST, []],
      ]);
      const nullName = await byId(v, [{ topicId: ZERO_UUID, name: null }]);
      expect(nullName.topics.map((t) => [t.name, t.errorCode])).toEqual([['', ErrorCode.INVALID_REQUEST]]);
    }
    expect(hb.broker.logs.topic('md-other')).toBeUndefined();
  });

  it('v13 has a top-level error code: 0 for an answer', async () => {
    const response = await ask(13, ['md-existing']);
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.topics[0].errorCode).toBe(ErrorCode.NONE);
  });
});
