// Each real client against a real broker: a first round trip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, cleanupDirs, python, run, type RunningBroker } from '../helpers/broker.js';
import { KAFKA_PYTHON, requireExternal } from '../helpers/external.js';

requireExternal(KAFKA_PYTHON, 'kcat');

let broker: RunningBroker;
beforeAll(async () => { broker = await startBroker(); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  // Nothing went wrong on the broker's side (pino level 50 = error).
  expect(broker.output.filter((l) => l.includes('"level":50'))).toEqual([]);
  cleanupDirs();
});

describe('real clients, first contact', () => {
  it('kafkajs: admin creates a topic, producer sends, offsets are listed', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'smoke-js', numPartitions: 3 }] })).toBe(true);
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({ topic: 'smoke-js', messages: [{ key: 'k', value: 'v', partition: 1 }, { key: 'k2', value: 'v2', partition: 1 }] });
    expect(sent[0]).toMatchObject({ topicName: 'smoke-js', partition: 1, errorCode: 0, baseOffset: '0' });
    const offsets = await admin.fetchTopicOffsets('smoke-js');
    expect(offsets.find((o) => o.partition === 1)).toMatchObject({ offset: '2', low: '0', high: '2' });
    await producer.disconnect();
    await admin.disconnect();
  });

  it('kafka-python: produce and consume without a group', async () => {
    const result = await python(`
import sys
from kafka import KafkaProducer, KafkaConsumer
bootstrap = sys.argv[1]
p = KafkaProducer(bootstrap_servers=bootstrap)
for i in range(3):
    p.send('smoke-py', ('msg%d' % i).encode())
p.flush(); p.close()
c = KafkaConsumer('smoke-py', bootstrap_servers=bootstrap, auto_offset_reset='earliest', consumer_timeout_ms=5000)
print([m.value.decode() for m in c])
`, [broker.bootstrap]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe("['msg0', 'msg1', 'msg2']");
  });

  it('kcat: produce, consume, list metadata', async () => {
    const produced = await run('kcat', ['-b', broker.bootstrap, '-t', 'smoke-kcat', '-P', '-K', ':'], 30_000, 'a:1\nb:2\nc:3\n');
    expect(produced.code).toBe(0);
    const consumed = await run('kcat', ['-b', broker.bootstrap, '-t', 'smoke-kcat', '-C', '-e', '-f', '%k=%s@%o\\n'], 30_000);
    expect(consumed.stdout.trim().split('\n')).toEqual(['a=1@0', 'b=2@1', 'c=3@2']);
    const metadata = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', 'smoke-kcat'], 30_000);
    expect(metadata.stdout).toMatch(/topic "smoke-kcat" with 1 partitions/);
  });
});
