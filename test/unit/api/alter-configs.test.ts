// src/api/alter-configs.ts: AlterConfigs v0-2 replaces a resource's whole set of overrides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alterConfigs } from '../../../src/api/alter-configs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultAlterConfigsRequest } from '../../../src/protocol/generated/alter-configs.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const TOPIC = 2;
const BROKER = 4;
const resource = (resourceType: number, resourceName: string, configs: Record<string, string | null>) =>
  ({ resourceType, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) });
const alter = (resources: ReturnType<typeof resource>[], validateOnly = false, v = 1) =>
  hb.call(alterConfigs, v, { ...defaultAlterConfigsRequest(), resources, validateOnly });

describe('AlterConfigs', () => {
  it('replaces all overrides of a topic: keys left out return to their defaults', async () => {
    await hb.topic('ac-topic', 1, {}, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    const response = await alter([resource(TOPIC, 'ac-topic', { 'segment.bytes': '50000' })]);
    expect(response.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([['ac-topic', ErrorCode.NONE]]);
    const topic = hb.broker.logs.topic('ac-topic')!;
    expect(topic.overrides).toEqual({ 'segment.bytes': '50000' });
    expect(topic.config.list('cleanup.policy')).toEqual(['delete']);
    // The partition logs see the new config.
    expect(hb.broker.logs.partition('ac-topic', 0)!.config.number('segment.bytes')).toBe(50000);
  });

  it('validateOnly checks and changes nothing', async () => {
    await hb.topic('ac-dry', 1, {}, { 'retention.ms': '1000' });
    expect((await alter([resource(TOPIC, 'ac-dry', { 'retention.ms': '2000' })], true)).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.logs.topic('ac-dry')!.overrides).toEqual({ 'retention.ms': '1000' });
  });

  it('answers per resource: bad values, nulls, unknown topics, other brokers', async () => {
    await hb.topic('ac-errors', 1, {}, { 'retention.ms': '1000' });
    const response = await alter([
      resource(TOPIC, 'ac-errors', { 'cleanup.policy': 'shred' }),
      resource(TOPIC, 'ac-errors', { 'retention.ms': null }),
      resource(TOPIC, 'ac-missing', { 'retention.ms': '5' }),
      resource(BROKER, String(hb.broker.config.nodeId + 1), { 'log.retention.ms': '5' }),
      resource(3, 'x', {}),
    ]);
    expect(response.responses.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
    ]);
    expect(response.responses[1].errorMessage).toMatch(/Null value not supported for retention.ms/);
    expect(hb.broker.logs.topic('ac-errors')!.overrides).toEqual({ 'retention.ms': '1000' });
  });

  it('sets the broker\'s dynamic configs (and no others)', async () => {
    const node = String(hb.broker.config.nodeId);
    expect((await alter([resource(BROKER, node, { 'log.retention.ms': '7200000' })])).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.config.dynamicEntries()).toEqual([['log.retention.ms', '7200000']]);
    expect(hb.broker.logs.topic('ac-dry')!.config.number('retention.ms')).toBe(1000); // its own override wins
    const [readOnly] = (await alter([resource(BROKER, node, { 'node.id': '7' })])).responses;
    expect([readOnly.errorCode, readOnly.errorMessage]).toEqual([ErrorCode.INVALID_CONFIG, expect.stringMatching(/at runtime/)]);
    // The whole set again: the key left out goes back to its default.
    expect((await alter([resource(BROKER, '', {})])).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.config.dynamicEntries()).toEqual([]);
  });
});
