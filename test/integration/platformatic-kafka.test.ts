// @platformatic/kafka 1.x, a current Node client written for Kafka 3.5+: it names topics by
// id in Fetch v13+ and in its metadata. Admin creates a topic, a producer sends keyed
// messages, a group consumer reads them all and commits; a new consumer of the same group
// resumes after the commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, MessagesStreamModes } from '@platformatic/kafka';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { waitFor } from '../helpers/wait.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

type Received = { key: string; value: string; partition: number; offset: bigint };

/** A group member reading until it has `count` messages (bounded), then closing; what it read. */
async function consumeUntil(groupId: string, count: number): Promise<Received[]> {
  const consumer = new Consumer({
    groupId, clientId: `pk-${groupId}`, bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers,
    sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 200,
  });
  const got: Received[] = [];
  try {
    const stream = await consumer.consume({ topics: ['pk'], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: 100 });
    stream.on('data', (m) => got.push({ key: m.key, value: m.value, partition: m.partition, offset: m.offset }));
    await waitFor(`${count} messages`, () => got.length >= count, { timeoutMs: 30_000 });
    // Let the autocommit of what was read go out before leaving.
    await new Promise((r) => setTimeout(r, 500));
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return got;
}

describe('@platformatic/kafka', () => {
  it('creates a topic, produces keyed messages, consumes them in a group with commits, and resumes after them', async () => {
    const admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers: [broker.bootstrap] });
    try {
      await admin.createTopics({ topics: ['pk'], partitions: 3, replicas: 1 });
      const meta = await admin.metadata({ topics: ['pk'] });
      const topic = meta.topics.get('pk')!;
      expect(topic.partitionsCount).toBe(3);
      expect(topic.id).not.toBe('00000000-0000-0000-0000-000000000000');
    } finally {
      await admin.close();
    }
    const producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
    try {
      await producer.send({ messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'pk', key: `key-${i % 6}`, value: `value-${i}` })) });
    } finally {
      await producer.close();
    }
    const first = await consumeUntil('pk-group', 30);
    expect(new Set(first.map((m) => m.value)).size).toBe(30);
    // One key, one partition (the default partitioner), its messages in order.
    for (const key of new Set(first.map((m) => m.key))) {
      const ofKey = first.filter((m) => m.key === key);
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
      expect(ofKey.map((m) => Number(m.value.slice(6)))).toEqual([...ofKey.map((m) => Number(m.value.slice(6)))].sort((a, b) => a - b));
    }
    // More messages; a new member of the group starts after the commits: it gets only those.
    const again = new Producer({ clientId: 'pk-producer-2', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
    try {
      await again.send({ messages: Array.from({ length: 6 }, (_, i) => ({ topic: 'pk', key: `key-${i}`, value: `later-${i}` })) });
    } finally {
      await again.close();
    }
    const resumed = await consumeUntil('pk-group', 6);
    expect(resumed.map((m) => m.value).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `later-${i}`).sort());
  }, 90_000);
});
