// src/api/config-resources.ts: what both AlterConfigs APIs change, and how they validate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfigs, currentConfigs, isList, RESOURCE_BROKER, RESOURCE_TOPIC } from '../../../src/api/config-resources.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('cr-topic', 1, {}, { 'retention.ms': '1000' });
});
afterAll(stopHandlerBrokers);

/** The Kafka error code a call throws. */
function codeOf(f: () => unknown): number | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}
async function asyncCodeOf(f: () => Promise<unknown>): Promise<number | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}

describe('config resources', () => {
  it('starts from a topic\'s overrides (a copy) or the broker\'s dynamic configs', () => {
    const ctx = hb.broker.context;
    const current = currentConfigs(ctx, RESOURCE_TOPIC, 'cr-topic');
    expect(current).toEqual({ 'retention.ms': '1000' });
    current['retention.ms'] = '5';
    expect(hb.broker.logs.topic('cr-topic')!.overrides).toEqual({ 'retention.ms': '1000' });
    expect(currentConfigs(ctx, RESOURCE_BROKER, '')).toEqual({});
    expect(currentConfigs(ctx, RESOURCE_BROKER, String(ctx.nodeId))).toEqual({});
  });

  it('names the resource errors: unknown topic, other broker, other resource type', () => {
    const ctx = hb.broker.context;
    expect(codeOf(() => currentConfigs(ctx, RESOURCE_TOPIC, 'cr-none'))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(codeOf(() => currentConfigs(ctx, RESOURCE_BROKER, String(ctx.nodeId + 1)))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(() => currentConfigs(ctx, 1, 'x'))).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('knows the list configs of each resource type', () => {
    expect(isList(RESOURCE_TOPIC, 'cleanup.policy')).toBe(true);
    expect(isList(RESOURCE_TOPIC, 'retention.ms')).toBe(false);
    expect(isList(RESOURCE_BROKER, 'log.cleanup.policy')).toBe(true);
    expect(isList(RESOURCE_TOPIC, 'no.such.key')).toBe(false);
  });

  it('validates before applying: INVALID_CONFIG, and nothing changes; validateOnly never applies', async () => {
    const ctx = hb.broker.context;
    expect(await asyncCodeOf(() => applyConfigs(ctx, RESOURCE_TOPIC, 'cr-topic', { 'retention.ms': 'x' }, false))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await asyncCodeOf(() => applyConfigs(ctx, RESOURCE_TOPIC, 'cr-topic', { 'no.such.key': '1' }, false))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await asyncCodeOf(() => applyConfigs(ctx, RESOURCE_BROKER, '', { 'log.dirs': '/tmp' }, false))).toBe(ErrorCode.INVALID_CONFIG);
    expect(await asyncCodeOf(() => applyConfigs(ctx, RESOURCE_TOPIC, 'cr-topic', { 'retention.ms': '9' }, true))).toBeNull();
    expect(hb.broker.logs.topic('cr-topic')!.overrides).toEqual({ 'retention.ms': '1000' });
    expect(await asyncCodeOf(() => applyConfigs(ctx, RESOURCE_TOPIC, 'cr-topic', { 'retention.ms': '9' }, false))).toBeNull();
    expect(hb.broker.logs.topic('cr-topic')!.overrides).toEqual({ 'retention.ms': '9' });
  });
});
