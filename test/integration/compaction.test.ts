// Log compaction end to end: kafkajs creates a compacted topic and produces many updates per
// key and some tombstones; the broker's background cleaner (log.cleaner.backoff.ms) compacts
// once AlterConfigs lowers min.cleanable.dirty.ratio; a consumer reading from the beginning
// (kafka-python without a group: kafkajs consumers need the group coordinator) sees the
// latest value of each key at the offset it was produced at, then no trace of the deleted
// keys once delete.retention.ms has passed. The partition directory shrinks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, ConfigResourceTypes, type Admin, type Producer } from 'kafkajs';
import { startBroker, cleanupDirs, python, type RunningBroker } from '../helpers/broker.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';
import { Core, buildBatch } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { KAFKA_PYTHON, requireExternal } from '../helpers/external.js';

requireExternal(KAFKA_PYTHON);

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'log.cleaner.backoff.ms': '200', 'log.segment.delete.delay.ms': '100' } });
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const TOPIC = 'compacted';
const KEYS = 40;
const UPDATES = 25;
const DELETED = ['k0', 'k1', 'k2', 'k3', 'k4'];
const DELETE_RETENTION_MS = 6000;
const configs = (ratio: string) => Object.entries({
  'cleanup.policy': 'compact', 'segment.bytes': '4096', 'segment.ms': '1000', 'min.cleanable.dirty.ratio': ratio,
  'delete.retention.ms': String(DELETE_RETENTION_MS),
}).map(([name, value]) => ({ name, value }));

const partitionBytes = () => readdirSync(join(broker.dir, `${TOPIC}-0`)).reduce((n, f) => n + statSync(join(broker.dir, `${TOPIC}-0`, f)).size, 0);
const cleanerLines = () => broker.output.filter((l) => l.includes(`${TOPIC}-0: compacted offsets`));
const tombstonesRemoved = () => cleanerLines().reduce((n, l) => n + Number(/\((\d+) tombstones\)/.exec(l)?.[1] ?? 0), 0);

/** Polls `done` every 100 ms for at most `ms`; on failure shows the broker's last log lines. */
const until = (done: () => boolean, ms: number, what: string) =>
  waitFor(() => `${what}:\n${broker.output.slice(-20).join('\n')}`, done, { timeoutMs: ms, intervalMs: 100 });

type Consumed = [offset: number, key: string | null, value: string | null];

/** Every record of the partition from offset 0, as a consumer without a group reads it. */
async function consumeFromStart(): Promise<Consumed[]> {
  const result = await python(`import sys, json
from kafka import KafkaConsumer, TopicPartition
tp = TopicPartition(sys.argv[2], 0)
c = KafkaConsumer(bootstrap_servers=sys.argv[1], consumer_timeout_ms=1500, enable_auto_commit=False)
c.assign([tp]); c.seek_to_beginning(tp)
out = [[m.offset, m.key and m.key.decode(), m.value and m.value.decode()] for m in c]
print(json.dumps(out))`, [broker.bootstrap, TOPIC], 60_000);
  if (result.code !== 0) throw new Error(`consumer failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Consumed[];
}

describe('log compaction', () => {
  it('keeps the latest value per key, then drops tombstones after delete.retention.ms', async () => {
    // A dirty ratio of 1 is never exceeded: nothing is compacted while we produce.
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: configs('1') }] });
    const latest = new Map<string, { offset: number; value: string | null }>();
    const send = async (messages: { key: string; value: string | null }[]) => {
      const [meta] = await producer.send({ topic: TOPIC, messages });
      messages.forEach((m, i) => latest.set(m.key, { offset: Number(meta.baseOffset) + i, value: m.value }));
    };
    for (let update = 0; update < UPDATES; update++) {
      for (let from = 0; from < KEYS; from += 20) {
        await send(Array.from({ length: 20 }, (_, i) => ({ key: `k${from + i}`, value: `k${from + i} update ${update} `.padEnd(80, '.') })));
      }
    }
    await send(DELETED.map((key) => ({ key, value: null })));
    // After segment.ms the next append rolls: the tombstones leave the active segment.
    await sleep(1200);
    await send([{ key: 'sentinel', value: 'last' }]);
    const before = partitionBytes();
    expect(readdirSync(join(broker.dir, `${TOPIC}-0`)).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(10);

    // AlterConfigs (the whole set) lowers the ratio: the background cleaner picks the log up.
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configEntries: configs('0.01') }] });
    // Until a pass reaches the active segment (the sentinel's), which nothing may touch.
    const activeBase = latest.get('sentinel')!.offset;
    await until(() => cleanerLines().some((l) => l.includes(`, ${activeBase}) in`)), 15_000, 'a compaction up to the active segment');
    expect(partitionBytes()).toBeLessThan(before / 4);

    // Consumers from the start: increasing offsets, each key once at the offset of its latest
    // value, deleted keys only as tombstones.
    const first = await consumeFromStart();
    const offsets = first.map(([offset]) => offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const seen = first.map(([offset, key, value]) => ({ key, offset, value }));
    expect(new Set(seen.map((r) => r.key)).size).toBe(seen.length);
    for (const r of seen) expect(latest.get(r.key!)).toEqual({ offset: r.offset, value: r.value });
    const live = [...latest].filter(([, v]) => v.value !== null).map(([k]) => k).sort();
    expect(seen.filter((r) => r.value !== null).map((r) => r.key).sort()).toEqual(live);
    expect(seen.filter((r) => r.value === null).every((r) => DELETED.includes(r.key!))).toBe(true);

    // Once delete.retention.ms has passed since that pass, a later pass drops the tombstones.
    await until(() => tombstonesRemoved() >= DELETED.length, DELETE_RETENTION_MS + 15_000, 'the tombstones to go');
    const second = await consumeFromStart();
    expect(second.map(([, key]) => key).sort()).toEqual(live);
    expect(second.filter(([, key]) => DELETED.includes(key!))).toEqual([]);
    for (const [offset, key, value] of second) expect(latest.get(key!)).toEqual({ offset, value });
  });

  it('refuses records without a key on a compacted topic', async () => {
    await admin.createTopics({ topics: [{ topic: 'compacted-keys', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    type Wrapped = { type?: string; cause?: { type?: string }; originalError?: { type?: string } };
    const error = await producer.send({ topic: 'compacted-keys', messages: [{ key: 'a', value: 'fine' }, { value: 'no key' }] })
      .then(() => 'accepted', (e: Wrapped) => e.cause?.type ?? e.originalError?.type ?? e.type);
    expect(error).toBe('INVALID_RECORD'); // kafkajs produces with v7: INVALID_RECORD, as Kafka 3.9, which kafkajs does not retry
    const [meta] = await producer.send({ topic: 'compacted-keys', messages: [{ key: 'a', value: 'fine' }] });
    expect(meta.baseOffset).toBe('0'); // the refused batch took no offsets
    // Produce v8+: INVALID_RECORD, naming the record.
    const core = Core.create();
    const raw = await RawClient.connect(broker.port);
    try {
      const records = Buffer.from(buildBatch(core, [{ key: 'b', value: '1' }, { key: null, value: '2' }]));
      const response = await raw.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'compacted-keys', partitionData: [{ index: 0, records }] }] });
      const partition = response.responses[0].partitionResponses[0];
      expect(partition.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(partition.recordErrors).toEqual([{ batchIndex: 1, batchIndexErrorMessage: expect.stringMatching(/without key/) }]);
    } finally {
      raw.close();
    }
  });
});
