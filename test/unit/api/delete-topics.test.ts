// src/api/delete-topics.ts: DeleteTopics v0-6 (names before v6; v6 names or topic ids, KIP-516).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { deleteTopics } from '../../../src/api/delete-topics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { defaultDeleteTopicsRequest } from '../../../src/protocol/generated/delete-topics.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const partitionDirs = (name: string) => readdirSync(hb.dir).filter((f) => f === `${name}-0` || f === `${name}-1`);

describe('DeleteTopics', () => {
  it('v0-5 delete topics by name: gone from the broker and renamed away on disk', async () => {
    await hb.topic('dt-a', 2, { 0: [{ value: 'x' }] });
    await hb.topic('dt-b', 1);
    const response = await hb.call(deleteTopics, 1, { ...defaultDeleteTopicsRequest(), topicNames: ['dt-a', 'dt-b'], timeoutMs: 1000 });
    expect(response.responses.map((r) => [r.name, r.errorCode])).toEqual([['dt-a', ErrorCode.NONE], ['dt-b', ErrorCode.NONE]]);
    expect(hb.broker.logs.topic('dt-a')).toBeUndefined();
    expect(hb.broker.logs.partition('dt-a', 0)).toBeUndefined();
    expect(partitionDirs('dt-a')).toEqual([]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist, with a message from v5', async () => {
    const v0 = await hb.call(deleteTopics, 0, { ...defaultDeleteTopicsRequest(), topicNames: ['dt-missing'] });
    expect(v0.responses.map((r) => [r.name, r.errorCode])).toEqual([['dt-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const v5 = await hb.call(deleteTopics, 5, { ...defaultDeleteTopicsRequest(), topicNames: ['dt-missing'] });
    expect(v5.responses[0].errorMessage).toMatch(/does not exist/);
  });

  it('v6 deletes by name or by topic id, and answers each with the deleted topic\'s id', async () => {
    await hb.topic('dt-v6-name', 1);
    await hb.topic('dt-v6-id', 2);
    const byName = hb.broker.logs.topic('dt-v6-name')!.topicId;
    const byId = hb.broker.logs.topic('dt-v6-id')!.topicId;
    const response = await hb.call(deleteTopics, 6, { ...defaultDeleteTopicsRequest(), topics: [{ name: 'dt-v6-name', topicId: ZERO_UUID }, { name: null, topicId: byId }] });
    expect(response.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([['dt-v6-name', byName, ErrorCode.NONE], ['dt-v6-id', byId, ErrorCode.NONE]]);
    expect(hb.broker.logs.topic('dt-v6-name')).toBeUndefined();
    expect(hb.broker.logs.topic('dt-v6-id')).toBeUndefined();
    expect(hb.broker.logs.topicById(byId)).toBeUndefined();
    expect(partitionDirs('dt-v6-id')).toEqual([]);
  });

  it('v6: an unknown id (or a deleted topic\'s) is UNKNOWN_TOPIC_ID; the topic created again under the name has a new id', async () => {
    await hb.topic('dt-v6-again', 1);
    const old = hb.broker.logs.topic('dt-v6-again')!.topicId;
    await hb.call(deleteTopics, 6, { ...defaultDeleteTopicsRequest(), topics: [{ name: null, topicId: old }] });
    await hb.topic('dt-v6-again', 1);
    const current = hb.broker.logs.topic('dt-v6-again')!.topicId;
    expect(current).not.toBe(old);
    const stranger = 'AQIDBAUGBwgJCgsMDQ4PEA';
    const response = await hb.call(deleteTopics, 6, { ...defaultDeleteTopicsRequest(), topics: [{ name: null, topicId: old }, { name: null, topicId: stranger }] });
    expect(response.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([[null, old, ErrorCode.UNKNOWN_TOPIC_ID], [null, stranger, ErrorCode.UNKNOWN_TOPIC_ID]]);
    expect(hb.broker.logs.topic('dt-v6-again')!.topicId).toBe(current);
  });

  it('v6 refuses, as Kafka, a name with an id, neither, and a topic named twice (by name, by id, or both ways)', async () => {
    await hb.topic('dt-v6-bad', 1);
    await hb.topic('dt-v6-twice', 1);
    const bad = hb.broker.logs.topic('dt-v6-bad')!.topicId;
    const twice = hb.broker.logs.topic('dt-v6-twice')!.topicId;
    const response = await hb.call(deleteTopics, 6, {
      ...defaultDeleteTopicsRequest(),
      topics: [
        { name: 'dt-v6-bad', topicId: bad }, { name: null, topicId: ZERO_UUID },
        { name: 'dt-v6-dup', topicId: ZERO_UUID }, { name: 'dt-v6-dup', topicId: ZERO_UUID },
        { name: 'dt-v6-twice', topicId: ZERO_UUID }, { name: null, topicId: twice },
      ],
    });
    expect(response.responses.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      ['dt-v6-bad', ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'],
      [null, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'],
      ['dt-v6-dup', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['dt-v6-dup', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['dt-v6-twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      [null, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'],
    ]);
    expect(hb.broker.logs.topic('dt-v6-bad')).toBeDefined();
    expect(hb.broker.logs.topic('dt-v6-twice')).toBeDefined();
  });

  it('a deleted name can be created again, empty', async () => {
    await hb.topic('dt-again', 1, { 0: [{ value: 'old' }] });
    await hb.call(deleteTopics, 4, { ...defaultDeleteTopicsRequest(), topicNames: ['dt-again'] });
    await hb.topic('dt-again', 1);
    expect(hb.broker.logs.partition('dt-again', 0)!.logEndOffset).toBe(0);
  });
});

describe('DeleteTopics with delete.topic.enable=false', () => {
  it('answers TOPIC_DELETION_DISABLED and keeps the topic', async () => {
    const locked = await startHandlerBroker({ 'delete.topic.enable': 'false' });
    await locked.topic('dt-kept', 1);
    const response = await locked.call(deleteTopics, 4, { ...defaultDeleteTopicsRequest(), topicNames: ['dt-kept'] });
    expect(response.responses[0].errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
    expect(locked.broker.logs.topic('dt-kept')).toBeDefined();
  });
});
