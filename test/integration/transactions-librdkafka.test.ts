// librdkafka transactions against the broker: confluent-kafka-python 1.7.0 on librdkafka
// 2.0.2 (Debian's python3-confluent-kafka) and node-rdkafka on librdkafka 2.12 (test/clients,
// a child process). A consume-transform-produce loop with send_offsets_to_transaction that
// aborts one batch in the middle and processes it again: the output read with read_committed
// holds every input exactly once, and the group's offsets end at the input's end; fencing
// by a second producer with the same transactional.id; a producer whose transaction times
// out on the broker.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, python, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('python3-confluent-kafka');

const CREATE_TOPICS = 19;
const INPUTS = 30;
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '3', 'transaction.state.log.num.partitions': '3',
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': '250',
    },
  });
  const c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 4, {
    topics: ['ck-in', 'ck-out', 'ck-fence', 'rd-in', 'rd-out', 'rd-fence', 'ck-timeout'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000, validateOnly: false,
  });
  c.close();
  expect(created.topics.every((t: { errorCode: number }) => t.errorCode === 0)).toBe(true);
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

/** Runs a Python script that prints one JSON line last; fails with its output otherwise. */
async function pythonJson(script: string, args: string[], timeoutMs = 90_000): Promise<any> {
  const r = await python(script, [broker.bootstrap, ...args], timeoutMs);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('{')) throw new Error(`python exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(last);
}

const READ_UNTIL_QUIET = `
def read_until_quiet(c):
    # Until 2 s pass with nothing new (5 s while nothing came at all: the group may still be
    # assigning), at most 30 s.
    out, started = [], time.time()
    quiet_since = started
    while time.time() - started < 30:
        ms = [m for m in c.consume(num_messages=100, timeout=0.2) if m.error() is None]
        if ms:
            quiet_since = time.time()
        out += [m.value().decode() for m in ms]
        if time.time() - quiet_since > (2 if out else 5):
            break
    return out
`;

// Fills the input, then runs the loop: batches of 4 consumed records, each transformed in a
// transaction with the consumer's positions sent to it; the second batch is aborted, and the
// consumer rewound to the group's committed offsets to process it again. Then reads the
// output with both isolation levels and the group's committed offsets.
const CONSUME_TRANSFORM_PRODUCE = `
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, KafkaException
${READ_UNTIL_QUIET}bootstrap, src, dst, group, txid, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
plain = Producer({'bootstrap.servers': bootstrap})
for i in range(count):
    plain.produce(src, key=str(i % 5), value='in-%d' % i)
plain.flush(10)
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                     'isolation.level': 'read_committed', 'heartbeat.interval.ms': 200, 'session.timeout.ms': 6000})
producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txid, 'transaction.timeout.ms': 30000, 'linger.ms': 5})
producer.init_transactions(15)
consumer.subscribe([src])
done, batches, aborted = set(), 0, 0
deadline = time.time() + 60
while len(done) < count and time.time() < deadline:
    msgs = consumer.consume(num_messages=4, timeout=0.5)
    msgs = [m for m in msgs if m.error() is None]
    if not msgs:
        continue
    producer.begin_transaction()
    for m in msgs:
        producer.produce(dst, key=m.key(), value=m.value().decode().replace('in-', 'out-'))
    producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 15)
    batches += 1
    if batches == 2:
        producer.flush(10)  # an abort purges what is still queued: the broker should abort records it has
        producer.abort_transaction(15)
        aborted = len(msgs)
        # Back to what the group committed: the aborted batch is consumed again.
        for tp in consumer.committed(consumer.assignment(), 10):
            consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
        continue
    producer.commit_transaction(15)
    for m in msgs:
        done.add(m.value().decode())
consumer.close()

def read_all(isolation):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + isolation + '-' + dst, 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False, 'isolation.level': isolation})
    c.subscribe([dst])
    out = read_until_quiet(c)
    c.close()
    return out

check = Consumer({'bootstrap.servers': bootstrap, 'group.id': group})
parts = [TopicPartition(src, p) for p in range(2)]
committed = {tp.partition: tp.offset for tp in check.committed(parts, 10)}
ends = {p: check.get_watermark_offsets(TopicPartition(src, p), 10)[1] for p in range(2)}
check.close()
print(json.dumps({'processed': len(done), 'batches': batches, 'aborted': aborted, 'committed': read_all('read_committed'),
                  'uncommitted': read_all('read_uncommitted'), 'offsets': committed, 'ends': ends}))
`;

// A producer opens a transaction; a second producer with the same transactional.id
// initialises (aborting the first's transaction); the first's commit fails, fenced.
const FENCING = `
import json, sys, time
from confluent_kafka import Producer, Consumer, KafkaException
${READ_UNTIL_QUIET}bootstrap, topic, txid = sys.argv[1], sys.argv[2], sys.argv[3]
first = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txid})
first.init_transactions(15)
first.begin_transaction()
first.produce(topic, key='k', value='zombie')
first.flush(10)
second = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txid})
second.init_transactions(15)
second.begin_transaction()
second.produce(topic, key='k', value='survivor')
second.commit_transaction(15)
error = None
try:
    first.commit_transaction(15)
except KafkaException as e:
    err = e.args[0]
    error = {'name': err.name(), 'fatal': err.fatal()}
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + topic, 'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed'})
c.subscribe([topic])
out = read_until_quiet(c)
c.close()
print(json.dumps({'error': error, 'committed': out}))
`;

// A transaction left open past its transaction.timeout.ms is aborted by the broker; the
// producer learns it at its commit, aborts, and goes on with a new transaction.
const TIMEOUT = `
import json, sys, time
from confluent_kafka import Producer, Consumer, KafkaException
${READ_UNTIL_QUIET}bootstrap, topic, txid = sys.argv[1], sys.argv[2], sys.argv[3]
p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txid, 'transaction.timeout.ms': 1500})
p.init_transactions(15)
p.begin_transaction()
p.produce(topic, key='k', value='too-slow')
p.flush(10)
time.sleep(4)
error = None
try:
    p.commit_transaction(15)
except KafkaException as e:
    err = e.args[0]
    error = {'name': err.name(), 'fatal': err.fatal(), 'abortable': err.txn_requires_abort()}
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + topic, 'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed'})
c.subscribe([topic])
out = read_until_quiet(c)
c.close()
print(json.dumps({'error': error, 'committed': out}))
`;

function expectExactlyOnce(result: any): void {
  const expected = Array.from({ length: INPUTS }, (_, i) => `out-${i}`).sort();
  expect(result.processed).toBe(INPUTS);
  expect(result.aborted).toBeGreaterThan(0);
  expect([...result.committed].sort()).toEqual(expected); // each input once: the aborted batch is not there
  expect(result.uncommitted.length).toBe(INPUTS + result.aborted); // read_uncommitted sees the aborted batch too
  expect(result.offsets).toEqual(result.ends); // the group committed exactly what was processed
}

describe('confluent-kafka-python (librdkafka 2.0.2)', () => {
  it('consume-transform-produce with send_offsets_to_transaction and an abort in the middle is exactly once', async () => {
    expectExactlyOnce(await pythonJson(CONSUME_TRANSFORM_PRODUCE, ['ck-in', 'ck-out', 'ck-group', 'ck-ctp', String(INPUTS)]));
  });

  it('a second producer with the same transactional.id fences the first', async () => {
    const r = await pythonJson(FENCING, ['ck-fence', 'ck-fenced-tx']);
    expect(r.error).toMatchObject({ fatal: true });
    expect(['_FENCED', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']).toContain(r.error.name);
    expect(r.committed).toEqual(['survivor']);
  });

  it('a transaction left open past its timeout is aborted by the broker', async () => {
    const r = await pythonJson(TIMEOUT, ['ck-timeout', 'ck-timeout-tx']);
    expect(r.error).not.toBeNull();
    expect(r.committed).toEqual([]);
  });
});

// ---- librdkafka 2.12 (node-rdkafka) -----------------------------------------------------------

const RDKAFKA_SCRIPT = fileURLToPath(new URL('../clients/rdkafka-transactions.cjs', import.meta.url));

function rdkafka(mode: string, args: string[], timeoutMs = 90_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RDKAFKA_SCRIPT, mode, broker.bootstrap, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`rdkafka-transactions ${mode} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(last));
    });
  });
}

describe('node-rdkafka (librdkafka 2.12)', () => {
  it('consume-transform-produce with sendOffsetsToTransaction and an abort in the middle is exactly once', async () => {
    expectExactlyOnce(await rdkafka('ctp', ['rd-in', 'rd-out', 'rd-group', 'rd-ctp', String(INPUTS)]));
  });

  it('a second producer with the same transactional.id fences the first', async () => {
    const r = await rdkafka('fence', ['rd-fence', 'rd-fenced-tx']);
    expect(r.error).toMatchObject({ fatal: true });
    expect(r.committed).toEqual(['survivor']);
  });
});
