// src/api/describe-configs.ts: DescribeConfigs v0-4 for topics (2) and this broker (4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfigs } from '../../../src/api/describe-configs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultDescribeConfigsRequest } from '../../../src/protocol/generated/describe-configs.js';
import { ConfigSource } from '../../../src/config/describe.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => {
  // log.retention.hours set at start: topics without an override take it (a static broker default).
  hb = await startHandlerBroker({ 'log.retention.hours': '48' });
  await hb.topic('dc-topic', 1, {}, { 'cleanup.policy': 'compact', 'segment.bytes': '100000' });
});
afterAll(stopHandlerBrokers);

const TOPIC = 2;
const BROKER = 4;
const describeOne = (v: number, resourceType: number, resourceName: string, keys: string[] | null = null, extra = {}) =>
  hb.call(describeConfigs, v, { ...defaultDescribeConfigsRequest(), resources: [{ resourceType, resourceName, configurationKeys: keys }], ...extra }).then((r) => r.results[0]);

describe('DescribeConfigs', () => {
  it('describes a topic: overrides as DYNAMIC_TOPIC_CONFIG, defaults from the broker or Kafka', async () => {
    const result = await describeOne(1, TOPIC, 'dc-topic');
    expect(result.errorCode).toBe(ErrorCode.NONE);
    const byName = new Map(result.configs.map((c) => [c.name, c]));
    expect(byName.get('cleanup.policy')).toMatchObject({ value: 'compact', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, readOnly: false });
    expect(byName.get('segment.bytes')).toMatchObject({ value: '100000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(byName.get('retention.ms')).toMatchObject({ value: String(48 * 3_600_000), configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(byName.get('min.compaction.lag.ms')).toMatchObject({ value: '0', configSource: ConfigSource.DEFAULT_CONFIG });
  });

  it('returns only the keys asked for', async () => {
    const result = await describeOne(1, TOPIC, 'dc-topic', ['segment.bytes', 'retention.ms']);
    expect(result.configs.map((c) => c.name).sort()).toEqual(['retention.ms', 'segment.bytes']);
  });

  it('v0 reports IsDefault; v1+ tell by the source', async () => {
    const v0 = await describeOne(0, TOPIC, 'dc-topic', ['cleanup.policy', 'min.compaction.lag.ms']);
    expect(v0.configs.map((c) => [c.name, c.isDefault])).toEqual([['cleanup.policy', false], ['min.compaction.lag.ms', true]]);
    const v1 = await describeOne(1, TOPIC, 'dc-topic', ['min.compaction.lag.ms']);
    expect(v1.configs[0].isDefault).toBe(false);
  });

  it('synonyms only when asked (v1+): the broker keys a topic config defaults to', async () => {
    const plain = await describeOne(1, TOPIC, 'dc-topic', ['retention.ms']);
    expect(plain.configs[0].synonyms).toEqual([]);
    const asked = await describeOne(1, TOPIC, 'dc-topic', ['retention.ms'], { includeSynonyms: true });
    expect(asked.configs[0].synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['log.retention.hours', '48', ConfigSource.STATIC_BROKER_CONFIG], ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
  });

  it('v3+: config types always, documentation only when asked', async () => {
    const plain = await describeOne(3, TOPIC, 'dc-topic', ['segment.bytes']);
    expect([plain.configs[0].configType, plain.configs[0].documentation]).toEqual([3, null]); // INT
    const documented = await describeOne(3, TOPIC, 'dc-topic', ['segment.bytes'], { includeDocumentation: true });
    expect(documented.configs[0].documentation).toMatch(/rolled/);
  });

  it('describes this broker by its id or by the empty name; read-only keys say so', async () => {
    for (const name of [String(hb.broker.config.nodeId), '']) {
      const result = await describeOne(1, BROKER, name, ['log.retention.hours', 'message.max.bytes', 'node.id']);
      expect(result.errorCode).toBe(ErrorCode.NONE);
      expect(result.configs.map((c) => [c.name, c.value, c.configSource, c.readOnly])).toEqual([
        ['node.id', String(hb.broker.config.nodeId), expect.any(Number), true],
        ['message.max.bytes', '1048588', ConfigSource.DEFAULT_CONFIG, false],
        ['log.retention.hours', '48', ConfigSource.STATIC_BROKER_CONFIG, true],
      ]);
    }
  });

  it('answers per resource: unknown topic, another broker, unknown resource type', async () => {
    const response = await hb.call(describeConfigs, 2, {
      ...defaultDescribeConfigsRequest(),
      resources: [
        { resourceType: TOPIC, resourceName: 'dc-missing', configurationKeys: null },
        { resourceType: BROKER, resourceName: String(hb.broker.config.nodeId + 1), configurationKeys: null },
        { resourceType: 8, resourceName: 'x', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'dc-topic', configurationKeys: ['cleanup.policy'] },
      ],
    });
    expect(response.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['dc-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0], [String(hb.broker.config.nodeId + 1), ErrorCode.INVALID_REQUEST, 0],
      ['x', ErrorCode.INVALID_REQUEST, 0], ['dc-topic', ErrorCode.NONE, 1],
    ]);
  });
});
