// What librdkafka's own test suite found, run with librdkafka itself: 0011_produce_batch's
// records without a key on a compacted topic (librdkafka 2.12 through node-rdkafka,
// test/clients, which fails exactly the keyless records of a batch with INVALID_RECORD and the
// others with _INVALID_DIFFERENT_RECORD; and Debian's librdkafka 2.0.2, which produces with an
// older version and must get INVALID_RECORD too, not a retriable CORRUPT_MESSAGE), and
// 0092_mixed_msgver's message.format.version (confluent-kafka-python on librdkafka 2.0.2:
// AlterConfigs, DescribeConfigs, then records produced before and after read back).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, python, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { RdkafkaProducer, type ProducedRecord } from '../helpers/rdkafka-producer.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('python3-confluent-kafka');

const CREATE_TOPICS = 19;
// What librdkafka 2.12 reports per record: node-rdkafka passes the error's text (err2str,
// lower-cased), not its code. A record named in the record errors gets INVALID_RECORD; the
// others of its batch get _INVALID_DIFFERENT_RECORD.
const INVALID_RECORD = 'broker failed to validate record';
const INVALID_DIFFERENT_RECORD = 'an invalid record in the same batch caused the failure of this message too';

let broker: RunningBroker;
const producers: RdkafkaProducer[] = [];

beforeAll(async () => {
  broker = await startBroker();
  const c = await RawClient.connect(broker.port);
  const compact = [{ name: 'cleanup.policy', value: 'compact' }];
  const created = await c.request(CREATE_TOPICS, 4, {
    topics: [['rd-one-batch', compact], ['rd-batch-each', compact], ['rd-old-client', compact], ['rd-msgver', []]].map(([name, configs]) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs })),
    timeoutMs: 5000, validateOnly: false,
  });
  c.close();
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0, 0, 0]);
});
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

/** 0011's records: 100 to partition 0, every tenth without a key. */
const RECORDS: ProducedRecord[] = Array.from({ length: 100 }, (_, i) => ({ key: i % 10 === 0 ? null : `key-${i}`, value: `0011 test message #${i}`, partition: 0 }));

function producer(name: string, config: Record<string, string | number> = {}): RdkafkaProducer {
  const p = new RdkafkaProducer(name, { 'bootstrap.servers': broker.bootstrap, 'client.id': name, ...config });
  producers.push(p);
  return p;
}

/** Each record's delivery error (null: stored), by its index. */
async function produceAll(p: RdkafkaProducer, topic: string): Promise<(string | null)[]> {
  await p.waitFor('ready', () => p.events.some((e) => e.event === 'ready'));
  p.produce(topic, RECORDS);
  await p.waitFor('every delivery report', () => p.deliveries().length === RECORDS.length);
  const errors: (string | null)[] = [];
  for (const d of p.deliveries()) errors[d.index!] = d.error ?? null;
  return errors;
}

describe('librdkafka 0011_produce_batch: records without a key on a compacted topic', () => {
  it('in one batch: the keyless records fail with INVALID_RECORD, the rest with _INVALID_DIFFERENT_RECORD (librdkafka 2.12)', async () => {
    // A long linger puts all 100 in one batch, as rd_kafka_produce_batch() does.
    const errors = await produceAll(producer('one-batch', { 'linger.ms': 500 }), 'rd-one-batch');
    expect(errors).toEqual(RECORDS.map((r) => (r.key === null ? INVALID_RECORD : INVALID_DIFFERENT_RECORD)));
  });

  it('one record per batch (batch.size=1): the keyless fail, the other 90 are stored', async () => {
    const p = producer('batch-each', { 'batch.size': 1 });
    const errors = await produceAll(p, 'rd-batch-each');
    expect(errors).toEqual(RECORDS.map((r) => (r.key === null ? INVALID_RECORD : null)));
    expect(p.deliveries().filter((d) => d.error === null).map((d) => d.offset).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 90 }, (_, i) => i));
  });

  it('librdkafka 2.0.2 (confluent-kafka-python) gets INVALID_RECORD, as from Kafka 3.9, where it got CORRUPT_MESSAGE', async () => {
    const r = await python(`
import json, sys, time
import confluent_kafka
from confluent_kafka import Producer
bootstrap, topic = sys.argv[1], sys.argv[2]
reports = []
def report(err, msg):
    reports.append([msg.key().decode() if msg.key() else None, err.name() if err else None])
p = Producer({'bootstrap.servers': bootstrap, 'message.timeout.ms': 20000})
started = time.time()
p.produce(topic, value=b'no key', on_delivery=report)
p.flush(30)
failed_after = time.time() - started
p.produce(topic, key=b'k', value=b'keyed', on_delivery=report)
p.flush(30)
print(json.dumps({'librdkafka': confluent_kafka.libversion()[0], 'reports': reports, 'quick': failed_after < 15}))
`, [broker.bootstrap, 'rd-old-client'], 60_000);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    expect(result, r.stderr).toMatchObject({ librdkafka: expect.stringMatching(/^2\.0\./), quick: true });
    expect(result.reports).toEqual([[null, 'INVALID_RECORD'], ['k', null]]);
  });
});

describe('librdkafka 0092_mixed_msgver: message.format.version', () => {
  it('AlterConfigs sets it (as Kafka 3.9 accepts it), DescribeConfigs reports it, and every record before and after is read back', async () => {
    const r = await python(`
import json, sys, time
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, ConfigResource
bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({'bootstrap.servers': bootstrap})
resource = ConfigResource('topic', topic)
def described():
    entries = admin.describe_configs([ConfigResource('topic', topic)])
    configs = list(entries.values())[0].result(timeout=10)
    return {name: [e.value, e.is_default] for name, e in configs.items() if name in ('message.format.version', 'remote.storage.enable', 'local.retention.ms')}
before = described()
p = Producer({'bootstrap.servers': bootstrap})
altered = None
for i in range(60):
    p.produce(topic, value=('record %d' % i).encode(), partition=0)
    p.flush(10)  # one record per batch, as 0092 does
    if i == 30:
        try:
            list(admin.alter_configs([ConfigResource('topic', topic, set_config={'message.format.version': '0.10.0.0'})]).values())[0].result(timeout=10)
            altered = 'ok'
        except Exception as e:
            altered = str(e)
after = described()
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rd-msgver', 'auto.offset.reset': 'earliest'})
c.subscribe([topic])
got = []
deadline = time.time() + 20
while len(got) < 60 and time.time() < deadline:
    m = c.poll(0.2)
    if m is not None and not m.error():
        got.append(m.value().decode())
c.close()
print(json.dumps({'before': before, 'altered': altered, 'after': after, 'got': got}))
`, [broker.bootstrap, 'rd-msgver'], 60_000);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    expect(result.altered, r.stderr).toBe('ok');
    expect(result.before).toEqual({ 'message.format.version': ['3.0-IV1', true], 'remote.storage.enable': ['false', true], 'local.retention.ms': ['-2', true] });
    expect(result.after['message.format.version']).toEqual(['0.10.0.0', false]);
    expect(result.got).toEqual(Array.from({ length: 60 }, (_, i) => `record ${i}`));
  });
});
