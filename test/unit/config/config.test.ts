import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig, TopicConfig, ConfigError, envKey } from '../../../src/config/config.js';
import { describeTopicConfigs, ConfigSource } from '../../../src/config/describe.js';

function withFile(text: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'strom-conf-'));
  try {
    const path = join(dir, 'server.properties');
    writeFileSync(path, text);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const refusal = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (e instanceof ConfigError) return e.message; throw e; }
  return 'accepted';
};

describe('broker configuration', () => {
  it('has Kafka-like defaults: one broker on localhost:9092, data in ./data', () => {
    const c = new BrokerConfig();
    expect([c.nodeId, c.listeners, c.logDir, c.int('num.partitions'), c.bool('auto.create.topics.enable'), c.int('message.max.bytes')])
      .toEqual([1, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' }], './data', 1, true, 1048588]);
  });

  it('reads server.properties (comments, spaces, continuation lines)', () => {
    withFile('# a comment\nnode.id = 7\nlog.dirs=/var/lib/strom,/other\nlisteners=PLAINTEXT://:19092\nnum.partitions : 4\nlog.retention.hours=\\\n  24\n', (file) => {
      const c = BrokerConfig.load({ file });
      expect([c.nodeId, c.logDir, c.listeners[0].host, c.listeners[0].port, c.int('num.partitions'), c.int('log.retention.hours')])
        .toEqual([7, '/var/lib/strom', '', 19092, 4, 24]);
    });
  });

  it('maps environment variables: STROM_* and Docker-style KAFKA_*', () => {
    expect(envKey('STROM_LOG_DIRS')).toBe('log.dirs');
    expect(envKey('STROM_APPEND_WORKERS')).toBe('strom.append.workers');
    expect([envKey('STROM_LOG_LEVEL'), envKey('STROM_CORE_DEBUG'), envKey('STROM_ASSERTIONS')]).toEqual([null, null, null]); // Strom's switches, not configuration
    expect(envKey('KAFKA_LOG_RETENTION_HOURS')).toBe('log.retention.hours');
    expect(envKey('KAFKA_ADVERTISED_LISTENERS')).toBe('advertised.listeners');
    expect(envKey('KAFKA_SOME__UNDER___DASH')).toBe('some_under-dash');
    expect(envKey('KAFKA_HEAP_OPTS')).toBeNull();
    expect(envKey('PATH')).toBeNull();
    const c = BrokerConfig.load({ env: { STROM_LOG_DIRS: '/tmp/x', KAFKA_NUM_PARTITIONS: '3', KAFKA_HEAP_OPTS: '-Xmx1G', KAFKA_NO_SUCH_THING: '1' } });
    expect([c.logDir, c.int('num.partitions')]).toEqual(['/tmp/x', 3]);
    expect(c.warnings).toEqual(['Unknown configuration no.such.thing from environment variable KAFKA_NO_SUCH_THING (ignored)']);
  });

  it('applies sources in order: file, then environment, then --override', () => {
    withFile('num.partitions=2\nnode.id=3\n', (file) => {
      const c = BrokerConfig.load({ file, env: { KAFKA_NUM_PARTITIONS: '5', KAFKA_NODE_ID: '4' }, overrides: ['num.partitions=9'] });
      expect([c.int('num.partitions'), c.nodeId]).toEqual([9, 4]);
    });
  });

  it('warns about unknown keys and refuses bad values with one clear line', () => {
    withFile('no.such.key=1\n', (file) => expect(BrokerConfig.load({ file }).warnings).toEqual(['Unknown configuration no.such.key (ignored)']));
    expect(refusal(() => BrokerConfig.load({ overrides: ['num.partitions=many'] }))).toBe('Invalid value "many" for configuration num.partitions: expected a whole number');
    expect(refusal(() => BrokerConfig.load({ overrides: ['num.partitions=0'] }))).toBe('Invalid value "0" for configuration num.partitions: must be at least 1');
    expect(refusal(() => BrokerConfig.load({ overrides: ['auto.create.topics.enable=yes'] }))).toBe('Invalid value "yes" for configuration auto.create.topics.enable: expected true or false');
    expect(refusal(() => BrokerConfig.load({ overrides: ['log.message.timestamp.type=Now'] }))).toMatch(/expected one of CreateTime, LogAppendTime/);
    expect(refusal(() => BrokerConfig.load({ overrides: ['listeners=localhost:9092'] }))).toMatch(/listeners: expected NAME:\/\/host:port/);
    expect(refusal(() => BrokerConfig.load({ overrides: ['listeners=INTERNAL://:9093'] }))).toMatch(/no security protocol for listener INTERNAL in listener.security.protocol.map/);
    expect(refusal(() => BrokerConfig.load({ overrides: ['message.max.bytes=99999999999'] }))).toMatch(/out of range for int/);
    expect(refusal(() => BrokerConfig.load({ overrides: ['nonsense'] }))).toMatch(/expected key=value/);
    expect(refusal(() => BrokerConfig.load({ file: '/no/such/file' }))).toMatch(/Cannot read config file/);
  });

  it('derives topic defaults from the broker keys, in Kafka\'s precedence and units', () => {
    expect(new BrokerConfig().topicDefault('retention.ms')).toEqual({ value: '604800000', source: null });
    expect(new BrokerConfig({ 'log.retention.hours': '1' }).topicDefault('retention.ms')).toEqual({ value: '3600000', source: 'log.retention.hours' });
    expect(new BrokerConfig({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).topicDefault('retention.ms').value).toBe('120000');
    expect(new BrokerConfig({ 'log.retention.minutes': '2', 'log.retention.ms': '5' }).topicDefault('retention.ms').value).toBe('5');
    expect(new BrokerConfig({ 'log.retention.ms': '-1' }).topicDefault('retention.ms').value).toBe('-1');
    expect(new BrokerConfig({ 'log.roll.hours': '2' }).topicDefault('segment.ms').value).toBe('7200000');
    expect(new BrokerConfig().topicDefault('flush.ms').value).toBe('9223372036854775807');
    expect(new BrokerConfig({ 'message.max.bytes': '5000' }).topicDefault('max.message.bytes').value).toBe('5000');
  });

  it('describes topic configs with sources and synonyms', () => {
    const broker = new BrokerConfig({ 'log.retention.hours': '48' });
    const described = Object.fromEntries(describeTopicConfigs(broker, { 'segment.bytes': '1000' }).map((c) => [c.name, c]));
    expect(described['segment.bytes']).toMatchObject({ value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(described['retention.ms']).toMatchObject({ value: '172800000', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(described['retention.ms'].synonyms.map((s) => [s.name, s.value, s.source])).toEqual([['log.retention.hours', '48', 4], ['log.retention.hours', '168', 5]]);
    expect(described['cleanup.policy']).toMatchObject({ value: 'delete', source: ConfigSource.DEFAULT_CONFIG });
  });

  it('validates topic overrides', () => {
    expect(() => TopicConfig.validate({ 'retention.ms': '1000', 'cleanup.policy': 'compact,delete' })).not.toThrow();
    expect(refusal(() => TopicConfig.validate({ 'cleanup.policy': 'shred' }))).toMatch(/shred is not one of delete, compact/);
    expect(refusal(() => TopicConfig.validate({ 'retention.ms': '-2' }))).toMatch(/must be at least -1/);
    expect(refusal(() => TopicConfig.validate({ 'segment.bytes': '10' }))).toMatch(/at least 14/);
    expect(refusal(() => TopicConfig.validate({ foo: 'bar' }))).toBe('Unknown topic config name: foo');
    const config = new TopicConfig(new BrokerConfig({ 'log.segment.bytes': '2000' }), { 'message.timestamp.type': 'LogAppendTime' });
    expect([config.number('segment.bytes'), config.logAppendTime]).toEqual([2000, true]);
  });

  it('changes dynamic broker keys at runtime only', () => {
    const c = new BrokerConfig();
    c.setDynamic('log.retention.ms', '1000');
    expect([c.raw('log.retention.ms'), c.isDynamic('log.retention.ms'), c.topicDefault('retention.ms').value]).toEqual(['1000', true, '1000']);
    expect(refusal(() => c.setDynamic('listeners', 'PLAINTEXT://:1'))).toMatch(/Cannot update broker configuration listeners at runtime/);
    expect(refusal(() => c.setDynamic('log.retention.ms', 'x'))).toMatch(/Invalid value/);
    c.setDynamic('log.retention.ms', null);
    expect(c.raw('log.retention.ms')).toBeNull();
  });
});
