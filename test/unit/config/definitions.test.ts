// src/config/definitions.ts: the topic configs Kafka 3.9 accepts, with its defaults and its
// validators, including the deprecated and tiered-storage keys Strom does not act on
// (librdkafka's 0092_mixed_msgver sets message.format.version and was refused).
import { describe, expect, it } from 'vitest';
import { BrokerConfig, TopicConfig, ConfigError } from '../../../src/config/config.js';
import { describeTopicConfigs, ConfigSource } from '../../../src/config/describe.js';
import { TOPIC_CONFIGS, TOPIC_CONFIG_BY_NAME, checkMetadataVersion } from '../../../src/config/definitions.js';

const refusal = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (e instanceof ConfigError) return e.message; throw e; }
  return 'accepted';
};

// Kafka 3.9's LogConfig, key and default (storage/.../LogConfig.java and TopicConfig).
const KAFKA_39_TOPIC_CONFIGS: Record<string, string> = {
  'segment.bytes': '1073741824', 'segment.ms': '604800000', 'segment.jitter.ms': '0', 'segment.index.bytes': '10485760',
  'flush.messages': '9223372036854775807', 'flush.ms': '9223372036854775807', 'retention.bytes': '-1', 'retention.ms': '604800000',
  'max.message.bytes': '1048588', 'index.interval.bytes': '4096', 'delete.retention.ms': '86400000', 'min.compaction.lag.ms': '0',
  'max.compaction.lag.ms': '9223372036854775807', 'file.delete.delay.ms': '60000', 'min.cleanable.dirty.ratio': '0.5',
  'cleanup.policy': 'delete', 'unclean.leader.election.enable': 'false', 'min.insync.replicas': '1', 'compression.type': 'producer',
  'compression.gzip.level': '-1', 'compression.lz4.level': '9', 'compression.zstd.level': '3', preallocate: 'false',
  'message.format.version': '3.0-IV1', 'message.timestamp.type': 'CreateTime', 'message.timestamp.difference.max.ms': '9223372036854775807',
  'message.timestamp.before.max.ms': '9223372036854775807', 'message.timestamp.after.max.ms': '9223372036854775807',
  'leader.replication.throttled.replicas': '', 'follower.replication.throttled.replicas': '', 'message.downconversion.enable': 'true',
  'remote.storage.enable': 'false', 'local.retention.ms': '-2', 'local.retention.bytes': '-2', 'remote.log.copy.disable': 'false',
  'remote.log.delete.on.disable': 'false',
};

describe('topic configs', () => {
  it('are exactly Kafka 3.9\'s, with its defaults', () => {
    expect(TOPIC_CONFIGS.map((d) => d.name).sort()).toEqual(Object.keys(KAFKA_39_TOPIC_CONFIGS).sort());
    for (const [name, value] of Object.entries(KAFKA_39_TOPIC_CONFIGS)) expect([name, TOPIC_CONFIG_BY_NAME.get(name)!.default]).toEqual([name, value]);
    // Each default is valid by its own definition: a topic without overrides builds.
    expect(() => new TopicConfig(new BrokerConfig(), {})).not.toThrow();
  });

  it('accept the deprecated and tiered-storage keys as Kafka does, marked as having no effect', () => {
    const accepted = {
      'message.format.version': '0.10.0.0', 'remote.storage.enable': 'true', 'local.retention.ms': '-2', 'local.retention.bytes': '1000',
      'follower.replication.throttled.replicas': '*', 'leader.replication.throttled.replicas': '0:1,1:1', 'compression.gzip.level': '9',
      'compression.lz4.level': '17', 'compression.zstd.level': '-5', 'remote.log.copy.disable': 'true', 'remote.log.delete.on.disable': 'true',
    };
    expect(refusal(() => TopicConfig.validate(accepted))).toBe('accepted');
    for (const key of Object.keys(accepted)) expect([key, TOPIC_CONFIG_BY_NAME.get(key)!.effective]).toEqual([key, false]);
    expect(TOPIC_CONFIG_BY_NAME.get('segment.bytes')!.effective).toBeUndefined();
  });

  it('refuse what Kafka\'s validators refuse, with its reasons', () => {
    expect(refusal(() => TopicConfig.validate({ 'message.format.version': '0.7' }))).toMatch(/Version 0.7 is not a valid version/);
    expect(refusal(() => TopicConfig.validate({ 'message.format.version': 'latest' }))).toMatch(/not a valid version/);
    expect(refusal(() => TopicConfig.validate({ 'leader.replication.throttled.replicas': '0:1,x' }))).toMatch(/must be the literal '\*' or a list of replicas/);
    expect(refusal(() => TopicConfig.validate({ 'follower.replication.throttled.replicas': '*,0:1' }))).toMatch(/literal '\*'/);
    expect(refusal(() => TopicConfig.validate({ 'compression.gzip.level': '0' }))).toMatch(/between 1 and 9 or equal to -1/);
    expect(refusal(() => TopicConfig.validate({ 'compression.gzip.level': '10' }))).toMatch(/between 1 and 9/);
    expect(refusal(() => TopicConfig.validate({ 'compression.lz4.level': '18' }))).toMatch(/at most 17/);
    expect(refusal(() => TopicConfig.validate({ 'compression.zstd.level': '23' }))).toMatch(/at most 22/);
    expect(refusal(() => TopicConfig.validate({ 'local.retention.ms': '-3' }))).toMatch(/at least -2/);
    expect(refusal(() => TopicConfig.validate({ 'remote.storage.enable': 'yes' }))).toMatch(/true or false/);
  });

  it('message.format.version takes Kafka\'s MetadataVersion strings, read as Kafka reads them', () => {
    for (const ok of ['0.8.0', '0.10.0', '0.10.0.0', '0.10.0-IV1', '0.11.0-IV2', '1.0', '2.8', '2.8.1', '2.8-IV1', '3.0-IV1', '3.7-IV4', '3.9', '3.9-IV0', '4.0-IV1']) {
      expect([ok, checkMetadataVersion(ok)]).toEqual([ok, null]);
    }
    // No IV beyond a release's last; 0.8.x has none; 4.0 is not a production release of Kafka 3.9.
    for (const bad of ['0.10.0-IV2', '0.8.0-IV0', '3.3-IV4', '4.0', '4.1', '3', '3.x', '', '2.8-IV01']) expect([bad, checkMetadataVersion(bad)]).toEqual([bad, expect.stringMatching(/not a valid version/)]);
  });

  it('are described with Kafka\'s defaults and broker synonyms, and as set', () => {
    const broker = new BrokerConfig({ 'log.local.retention.ms': '3600000' });
    const described = Object.fromEntries(describeTopicConfigs(broker, { 'message.format.version': '0.10.0.0' }).map((c) => [c.name, c]));
    expect(described['message.format.version']).toMatchObject({ value: '0.10.0.0', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(described['message.format.version'].synonyms.map((s) => [s.name, s.value])).toEqual([['message.format.version', '0.10.0.0'], ['log.message.format.version', '3.0-IV1']]);
    expect(described['local.retention.ms']).toMatchObject({ value: '3600000', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(described['remote.storage.enable']).toMatchObject({ value: 'false', source: ConfigSource.DEFAULT_CONFIG });
    expect(described['follower.replication.throttled.replicas']).toMatchObject({ value: '', source: ConfigSource.DEFAULT_CONFIG, type: 7 }); // LIST
  });
});
