// src/api/delete-topics.ts: DeleteTopics v0-6 (names before v6; v6 names or topic ids).
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

  it('v6 deletes by name; a topic id is unknown (Strom has none)', async () => {
    await hb.topic('dt-v6', 1);
    const id = 'AQIDBAUGBwgJCgsMDQ4PEA'; // a topic id (base64, as on the wire)
    const response = await hb.call(deleteTopics, 6, { ...defaultDeleteTopicsRequest(), topics: [{ name: 'dt-v6', topicId: ZERO_UUID }, { name: null, topicId: id }] });
    expect(response.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([['dt-v6', ZERO_UUID, ErrorCode.NONE], [null, id, ErrorCode.UNKNOWN_TOPIC_ID]]);
    expect(hb.broker.logs.topic('dt-v6')).toBeUndefined();
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
