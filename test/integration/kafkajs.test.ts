// kafkajs 2.2.4 in-process against the broker: admin APIs and producers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, CompressionTypes, ConfigResourceTypes, type Admin } from 'kafkajs';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { eventually } from '../helpers/wait.js';

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
beforeAll(async () => {
  broker = await startBroker({ overrides: { 'log.retention.hours': '48' } });
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (e) {
    const err = e as { type?: string; errors?: { type?: string }[]; originalError?: { type?: string }; cause?: { type?: string } };
    return err.cause?.type ?? err.originalError?.type ?? err.type ?? err.errors?.[0]?.type ?? String(e);
  }
}

describe('kafkajs admin', () => {
  it('creates topics with configs, refuses duplicates, bad names and impossible replication', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'js-conf', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '1234567' }, { name: 'cleanup.policy', value: 'compact' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'js-conf' }] })).toBe(false); // exists: kafkajs reports false
    expect(await rejection(admin.createTopics({ topics: [{ topic: 'bad name!' }] }))).toBe('INVALID_TOPIC_EXCEPTION');
    expect(await rejection(admin.createTopics({ topics: [{ topic: 'js-rf', replicationFactor: 3 }] }))).toBe('INVALID_REPLICATION_FACTOR');
    expect(await rejection(admin.createTopics({ topics: [{ topic: 'js-badconf', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }))).toBe('INVALID_CONFIG');
    // kafkajs would wait for leaders of a topic a validation did not create (against Kafka too).
    expect(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'js-validate' }] })).toBe(true);
    expect(await admin.listTopics()).not.toContain('js-validate');
    const meta = await admin.fetchTopicMetadata({ topics: ['js-conf'] });
    expect(meta.topics[0].partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr])).toEqual([[0, 1, [1], [1]], [1, 1, [1], [1]]]);
  });

  it('describes topic and broker configs with their sources and synonyms', async () => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-conf' }, { type: ConfigResourceTypes.BROKER, name: '1' }],
    });
    const topic = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e]));
    expect(topic['retention.ms']).toMatchObject({ configValue: '1234567', isDefault: false, configSource: 1 });
    expect(topic['cleanup.policy'].configValue).toBe('compact');
    expect(topic['segment.bytes']).toMatchObject({ configValue: '1073741824', configSource: 5 });
    expect(topic['retention.ms'].configSynonyms.map((s: { configName: string; configSource: number }) => [s.configName, s.configSource]))
      .toEqual([['retention.ms', 1], ['log.retention.hours', 4], ['log.retention.hours', 5]]);
    const brokerConfigs = Object.fromEntries(resources[1].configEntries.map((e) => [e.configName, e]));
    expect(brokerConfigs['log.retention.hours']).toMatchObject({ configValue: '48', configSource: 4, readOnly: true });
    expect(brokerConfigs['num.partitions']).toMatchObject({ configValue: '1', configSource: 5 });
  });

  it('alters topic configs (validated) and the broker', async () => {
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-conf', configEntries: [{ name: 'retention.ms', value: '999' }] }] });
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-conf', configNames: ['retention.ms', 'cleanup.policy'] }] });
    // AlterConfigs replaces the whole set: cleanup.policy went back to its default.
    expect(resources[0].configEntries.map((e) => [e.configName, e.configValue])).toEqual([['cleanup.policy', 'delete'], ['retention.ms', '999']]);
    expect(await rejection(admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-conf', configEntries: [{ name: 'segment.bytes', value: '-5' }] }] }))).toBe('INVALID_CONFIG');
    expect(await rejection(admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-none', configEntries: [{ name: 'retention.ms', value: '1' }] }] }))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '86400000' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-rf-default-check', configNames: ['retention.ms'] }] }).catch(() => null);
    expect(after).toBeNull(); // unknown topic
  });

  it('adds partitions but never removes them', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-grow', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'js-grow', count: 4 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['js-grow'] })).topics[0].partitions).toHaveLength(4);
    expect(await rejection(admin.createPartitions({ topicPartitions: [{ topic: 'js-grow', count: 2 }] }))).toBe('INVALID_PARTITIONS');
  });

  it('deletes records below an offset, and offsets by timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-del' }] });
    const producer = kafka.producer();
    await producer.connect();
    const t0 = 1_700_000_000_000;
    await producer.send({ topic: 'js-del', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, timestamp: String(t0 + i * 1000) })) });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsetsByTimestamp('js-del', t0 + 4500)).toEqual([{ partition: 0, offset: '5' }]);
    await admin.deleteTopicRecords({ topic: 'js-del', partitions: [{ partition: 0, offset: '6' }] });
    expect((await admin.fetchTopicOffsets('js-del'))[0]).toMatchObject({ low: '6', high: '10' });
  });

  it('deletes topics', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-gone' }] });
    await admin.deleteTopics({ topics: ['js-gone'] });
    expect(await admin.listTopics()).not.toContain('js-gone');
    expect(await rejection(admin.deleteTopics({ topics: ['js-gone'] }))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('describes the cluster', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster).toMatchObject({ controller: 1, brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port }] });
    expect(cluster.clusterId).toMatch(/^[\w-]{22}$/);
  });
});

describe('kafkajs producer', () => {
  it('idempotent producer gets a producer id and appends with acks=-1', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const result = await producer.send({ topic: 'js-idem', acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
    expect(result[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    await producer.disconnect();
  });

  it('gzip, headers and acks=0', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({ topic: 'js-gzip', compression: CompressionTypes.GZIP, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(100), headers: { n: String(i) } })) });
    expect(sent[0].baseOffset).toBe('0');
    await producer.send({ topic: 'js-gzip', acks: 0, messages: [{ value: 'fire and forget' }] });
    // No response to wait for: wait (bounded) for the record to be appended.
    await eventually(async () => (await admin.fetchTopicOffsets('js-gzip'))[0].high, '101');
    await producer.disconnect();
  });

  it('refuses a batch above max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    await admin.createTopics({ topics: [{ topic: 'js-small', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    expect(await rejection(producer.send({ topic: 'js-small', messages: [{ value: 'x'.repeat(2000) }] }))).toBe('MESSAGE_TOO_LARGE');
    expect((await producer.send({ topic: 'js-small', messages: [{ value: 'fits' }] }))[0].errorCode).toBe(0);
    await producer.disconnect();
  });
});
