// librdkafka 2.12 transactions (node-rdkafka) for the integration tests, run as a child
// process; prints one JSON line at the end.
//   node rdkafka-transactions.cjs ctp <bootstrap> <in> <out> <group> <transactional.id> <count>
//     fills <in>, then a consume-transform-produce loop in transactions of 4 records with the
//     consumer's positions sent to each; the second is aborted and its records consumed again
//     from the group's committed offsets. Prints what read_committed and read_uncommitted
//     consumers read of <out>, and the group's offsets against <in>'s end offsets.
//   node rdkafka-transactions.cjs fence <bootstrap> <topic> <transactional.id>
//     a producer opens a transaction, a second producer of the id takes over and commits; the
//     first's commit fails. Prints the error and what read_committed reads.
'use strict';
const Kafka = require('node-rdkafka');

const [mode, bootstrap, ...args] = process.argv.slice(2);
const TIMEOUT_MS = 15_000;
const p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(client) {
  await p((cb) => client.connect({ timeout: TIMEOUT_MS }, cb));
  // consume(n) waits this long for n messages (node-rdkafka's default is 1 s).
  if (client instanceof Kafka.KafkaConsumer) client.setDefaultConsumeTimeout(200);
  return client;
}

function transactional(id, extra = {}) {
  return connect(new Kafka.Producer({ 'bootstrap.servers': bootstrap, 'transactional.id': id, 'linger.ms': 5, dr_cb: false, ...extra }));
}

/** Everything a fresh read_committed or read_uncommitted consumer reads of `topic` until it goes quiet. */
async function readAll(topic, isolation) {
  const c = await connect(new Kafka.KafkaConsumer({
    'bootstrap.servers': bootstrap, 'group.id': `reader-${isolation}-${topic}`, 'enable.auto.commit': false, 'isolation.level': isolation,
  }, { 'auto.offset.reset': 'earliest' }));
  c.subscribe([topic]);
  const out = [];
  // Until 2 s pass with nothing new (5 s while nothing came at all: the group may still be
  // assigning), at most 30 s.
  const started = Date.now();
  for (let quietSince = Date.now(); Date.now() - started < 30_000;) {
    const ms = await p((cb) => c.consume(100, cb));
    if (ms.length > 0) quietSince = Date.now();
    for (const m of ms) out.push(m.value.toString());
    if (Date.now() - quietSince > (out.length > 0 ? 2000 : 5000)) break;
  }
  await p((cb) => c.disconnect(cb));
  return out;
}

async function consumeTransformProduce([src, dst, group, txid, countText]) {
  const count = Number(countText);
  const plain = await connect(new Kafka.Producer({ 'bootstrap.servers': bootstrap }));
  for (let i = 0; i < count; i++) plain.produce(src, null, Buffer.from(`in-${i}`), String(i % 5));
  await p((cb) => plain.flush(TIMEOUT_MS, cb));
  await p((cb) => plain.disconnect(cb));

  const consumer = await connect(new Kafka.KafkaConsumer({
    'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false, 'isolation.level': 'read_committed',
    'heartbeat.interval.ms': 200, 'session.timeout.ms': 6000,
  }, { 'auto.offset.reset': 'earliest' }));
  const producer = await transactional(txid);
  await p((cb) => producer.initTransactions(TIMEOUT_MS, cb));
  consumer.subscribe([src]);
  const done = new Set();
  let batches = 0;
  let aborted = 0;
  const deadline = Date.now() + 60_000;
  while (done.size < count && Date.now() < deadline) {
    const msgs = await p((cb) => consumer.consume(4, cb));
    if (msgs.length === 0) {
      await sleep(100);
      continue;
    }
    await p((cb) => producer.beginTransaction(cb));
    for (const m of msgs) producer.produce(dst, null, Buffer.from(m.value.toString().replace('in-', 'out-')), m.key);
    // A partition with no position (sought to its end, nothing consumed since) has its offset
    // left out by position(), which sendOffsetsToTransaction would send as 0: not sent.
    const positions = consumer.position(consumer.assignments()).filter((tp) => tp.offset !== undefined);
    await p((cb) => producer.sendOffsetsToTransaction(positions, consumer, TIMEOUT_MS, cb));
    batches++;
    if (batches === 2) {
      // Flushed first: an abort purges what is still queued, and the broker should abort records it has.
      await p((cb) => producer.flush(TIMEOUT_MS, cb));
      await p((cb) => producer.abortTransaction(TIMEOUT_MS, cb));
      aborted = msgs.length;
      const committed = await p((cb) => consumer.committed(consumer.assignments(), TIMEOUT_MS, cb));
      for (const tp of committed) await p((cb) => consumer.seek({ topic: tp.topic, partition: tp.partition, offset: tp.offset >= 0 ? tp.offset : 0 }, TIMEOUT_MS, cb));
      continue;
    }
    await p((cb) => producer.commitTransaction(TIMEOUT_MS, cb));
    for (const m of msgs) done.add(m.value.toString());
  }
  await p((cb) => consumer.disconnect(cb));
  await p((cb) => producer.disconnect(cb));

  const check = await connect(new Kafka.KafkaConsumer({ 'bootstrap.servers': bootstrap, 'group.id': group }, {}));
  const committed = await p((cb) => check.committed([0, 1].map((partition) => ({ topic: src, partition })), TIMEOUT_MS, cb));
  const offsets = Object.fromEntries(committed.map((tp) => [tp.partition, tp.offset]));
  const ends = {};
  for (const partition of [0, 1]) ends[partition] = (await p((cb) => check.queryWatermarkOffsets(src, partition, TIMEOUT_MS, cb))).highOffset;
  await p((cb) => check.disconnect(cb));
  return { processed: done.size, batches, aborted, committed: await readAll(dst, 'read_committed'), uncommitted: await readAll(dst, 'read_uncommitted'), offsets, ends };
}

async function fence([topic, txid]) {
  const first = await transactional(txid);
  await p((cb) => first.initTransactions(TIMEOUT_MS, cb));
  await p((cb) => first.beginTransaction(cb));
  first.produce(topic, null, Buffer.from('zombie'), 'k');
  await p((cb) => first.flush(TIMEOUT_MS, cb));
  const second = await transactional(txid);
  await p((cb) => second.initTransactions(TIMEOUT_MS, cb));
  await p((cb) => second.beginTransaction(cb));
  second.produce(topic, null, Buffer.from('survivor'), 'k');
  await p((cb) => second.commitTransaction(TIMEOUT_MS, cb));
  let error = null;
  try {
    await p((cb) => first.commitTransaction(TIMEOUT_MS, cb));
  } catch (e) {
    error = { code: e.code, message: e.message, fatal: Boolean(e.isFatal) };
  }
  await p((cb) => second.disconnect(cb));
  first.disconnect();
  return { error, committed: await readAll(topic, 'read_committed') };
}

const modes = { ctp: consumeTransformProduce, fence };
modes[mode](args).then((result) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}, (e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
