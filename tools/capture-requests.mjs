#!/usr/bin/env node
// Captures request frames exactly as real clients send them, for the fuzz corpus
// (test/fuzz/corpus/<client>.json). Starts a Strom broker (dist/bundle/strom.cjs, so run
// `npm run build` first) behind a recording TCP proxy on 127.0.0.1: the broker advertises
// the proxy's address, so every connection a client opens goes through it. The proxy splits
// the client-to-broker stream at its length prefixes and records each frame under the
// client running at the time:
//
//   kafka-python  (Debian python3-kafka 2.0.2)    admin, producers (5 codecs, old versions), group consumer
//   librdkafka    (kcat 1.7.1, confluent-kafka)   metadata, producers (5 codecs, idempotent), group consumer, admin
//   kafkajs       (2.2.4, in this process)        admin, producers, group consumer
//
//     node tools/capture-requests.mjs
//
// Identical frames (correlation id aside) are kept once, and at most MAX_PER_VERSION per
// client, API key and version: the corpus stays small and every API's shape is in it.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, 'test', 'fuzz', 'corpus');
const MAX_PER_VERSION = 6;
const require = createRequire(import.meta.url);

/** label -> frames recorded while that client ran */
const captured = new Map();
let label = 'none';

function record(frame) {
  if (!captured.has(label)) captured.set(label, []);
  captured.get(label).push(Buffer.from(frame));
}

/** A proxy to `upstreamPort` that records every request frame clients send through it. */
function startProxy() {
  let upstreamPort = 0;
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        record(pending.subarray(0, 4 + size));
        pending = pending.subarray(4 + size);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    setUpstream: (port) => { upstreamPort = port; },
    close: () => server.close(),
  })));
}

function startBroker(dir, proxyPort) {
  const overrides = {
    listeners: 'PLAINTEXT://127.0.0.1:0', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`, 'http.listeners': '',
    'log.dirs': dir, 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '4',
  };
  const args = [join(ROOT, 'dist/bundle/strom.cjs'), 'start', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const on = (d) => {
      output += d;
      const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+)/.exec(output);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}:\n${output}`)));
  });
}

/** Runs a client as a child process (asynchronously: the proxy lives in this process). */
function run(name, command, args, { input, timeoutMs = 60_000, allowFail = false } = {}) {
  label = name;
  const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  return new Promise((resolve, reject) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (code !== 0 && !allowFail) reject(new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${code ?? signal}):\n${output}`));
    else resolve();
  }));
}

// kafka-python: admin requests, producers with every codec and the old message formats,
// a group consumer (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetCommit,
// OffsetFetch, LeaveGroup) and an assigned one at an old version.
const KAFKA_PYTHON = String.raw`
import sys, time
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient, TopicPartition, OffsetAndMetadata
from kafka.admin import NewTopic, NewPartitions, ConfigResource, ConfigResourceType
bs = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bs, client_id='capture-py')
admin.create_topics([NewTopic('fuzz-py', 1, 1, topic_configs={'retention.ms': '3600000'})])
admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'fuzz-py')])
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'fuzz-py', configs={'retention.ms': '7200000'})])
admin.create_partitions({'fuzz-py': NewPartitions(2)})
for codec in [None, 'gzip', 'snappy', 'lz4', 'zstd']:
    p = KafkaProducer(bootstrap_servers=bs, compression_type=codec, linger_ms=5, acks=1)
    for i in range(4):
        p.send('fuzz-py', key=b'k%d' % i, value=b'value-%d ' % i * 3, headers=[('h', b'1')], partition=i % 2)
    p.flush(); p.close()
for api in [(0, 9), (0, 10, 1)]:
    p = KafkaProducer(bootstrap_servers=bs, compression_type='gzip', api_version=api)
    for i in range(3):
        p.send('fuzz-py', key=b'k%d' % i, value=b'old-%d' % i, partition=0)
    p.flush(); p.close()
    c = KafkaConsumer(bootstrap_servers=bs, api_version=api, auto_offset_reset='earliest', consumer_timeout_ms=1500)
    c.assign([TopicPartition('fuzz-py', 0)])
    for m in c:
        pass
    c.close()
c = KafkaConsumer('fuzz-py', group_id='fuzz-py-group', bootstrap_servers=bs, auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=4000, heartbeat_interval_ms=500, session_timeout_ms=10000)
n = 0
for m in c:
    n += 1
    c.commit()
c.commit({TopicPartition('fuzz-py', 0): OffsetAndMetadata(1, 'meta')})
c.committed(TopicPartition('fuzz-py', 0))
c.close()
admin.list_consumer_groups()
admin.describe_consumer_groups(['fuzz-py-group'])
admin.list_consumer_group_offsets('fuzz-py-group')
admin.delete_topics(['fuzz-py'])
admin.close()
`;

// confluent-kafka (librdkafka): admin requests and an idempotent producer (InitProducerId).
const CONFLUENT = String.raw`
import sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
bs = sys.argv[1]
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('fuzz-ck', 1, 1, config={'retention.ms': '3600000'})]).values(): f.result()
for f in a.describe_configs([ConfigResource('topic', 'fuzz-ck')]).values(): f.result()
for f in a.alter_configs([ConfigResource('topic', 'fuzz-ck', set_config={'retention.ms': '7200000'})]).values(): f.result()
for f in a.create_partitions([NewPartitions('fuzz-ck', 2)]).values(): f.result()
p = Producer({'bootstrap.servers': bs, 'enable.idempotence': True, 'compression.type': 'lz4', 'linger.ms': 5})
for i in range(5): p.produce('fuzz-ck', key=b'k%d' % i, value=b'idempotent-%d' % i, headers=[('h', b'1')])
p.flush(10)
for f in a.delete_topics(['fuzz-ck']).values(): f.result()
`;

async function kafkajs(bootstrap) {
  label = 'kafkajs';
  const { Kafka, CompressionTypes, logLevel } = require('kafkajs');
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'capture-js', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'fuzz-js', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
  await admin.describeConfigs({ resources: [{ type: 2, name: 'fuzz-js' }], includeSynonyms: false });
  await admin.alterConfigs({ resources: [{ type: 2, name: 'fuzz-js', configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
  await admin.createPartitions({ topicPartitions: [{ topic: 'fuzz-js', count: 2 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: `value-${i} `.repeat(3), headers: { h: '1' }, partition: i % 2 }));
  await producer.send({ topic: 'fuzz-js', acks: -1, messages });
  await producer.send({ topic: 'fuzz-js', acks: -1, compression: CompressionTypes.GZIP, messages });
  await producer.disconnect();
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: 'fuzz-js', acks: 0, messages });
  await plain.send({ topic: 'fuzz-js', acks: 1, messages });
  await plain.disconnect();
  const consumer = kafka.consumer({ groupId: 'fuzz-js-group', heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'fuzz-js', fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => { seen++; } });
  for (let i = 0; i < 100 && seen < 12; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000)); // a heartbeat or two
  await consumer.disconnect();
  await admin.fetchTopicOffsets('fuzz-js');
  await admin.fetchTopicOffsetsByTimestamp('fuzz-js', Date.now() - 60_000);
  await admin.fetchOffsets({ groupId: 'fuzz-js-group', topics: ['fuzz-js'] });
  await admin.setOffsets({ groupId: 'fuzz-js-group', topic: 'fuzz-js', partitions: [{ partition: 0, offset: '1' }] });
  await admin.listGroups();
  await admin.describeGroups(['fuzz-js-group']);
  await admin.deleteTopicRecords({ topic: 'fuzz-js', partitions: [{ partition: 0, offset: '1' }] });
  await admin.deleteGroups(['fuzz-js-group']);
  await admin.deleteTopics({ topics: ['fuzz-js'] });
  await admin.disconnect();
}

async function librdkafka(bootstrap) {
  const kcat = (args, options) => run('librdkafka', 'kcat', ['-b', bootstrap, ...args], options);
  await kcat(['-L']);
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    await kcat(['-t', 'fuzz-rd', '-P', '-K:', '-z', codec], { input: 'a:1\nb:2\nc:3\n' });
  }
  await kcat(['-t', 'fuzz-rd', '-C', '-o', 'beginning', '-e', '-q']);
  await kcat(['-Q', '-t', 'fuzz-rd:0:1700000000000']);
  // A balanced consumer: kcat exits at the end of the partition (-e) after committing and leaving.
  await kcat(['-G', 'fuzz-rd-group', '-o', 'beginning', '-e', '-q', '-X', 'heartbeat.interval.ms=300', 'fuzz-rd'], { timeoutMs: 20_000, allowFail: true });
  await run('librdkafka', '/usr/bin/python3', ['-c', CONFLUENT, bootstrap]);
}

/** Frames of one client: deduplicated, capped per API key and version, in capture order. */
function corpus(frames) {
  const seen = new Set();
  const perVersion = new Map();
  const out = [];
  for (const frame of frames) {
    const apiKey = frame.readInt16BE(4);
    const apiVersion = frame.readInt16BE(6);
    const key = Buffer.from(frame);
    key.writeInt32BE(0, 8); // correlation id
    const hex = key.toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    const kv = `${apiKey}/${apiVersion}`;
    const n = perVersion.get(kv) ?? 0;
    if (n >= MAX_PER_VERSION) continue;
    perVersion.set(kv, n + 1);
    out.push({ apiKey, apiVersion, frame: frame.toString('hex') });
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'strom-capture-'));
const proxy = await startProxy();
const broker = await startBroker(dir, proxy.port);
proxy.setUpstream(broker.port);
const bootstrap = `127.0.0.1:${proxy.port}`;
try {
  await run('kafka-python', '/usr/bin/python3', ['-c', KAFKA_PYTHON, bootstrap], { timeoutMs: 120_000 });
  await librdkafka(bootstrap);
  await kafkajs(bootstrap);
} finally {
  const exited = new Promise((r) => broker.child.once('exit', r));
  broker.child.kill('SIGTERM');
  proxy.close();
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(OUT, { recursive: true });
for (const [client, frames] of captured) {
  const entries = corpus(frames);
  const banner = `Request frames captured from ${client} by tools/capture-requests.mjs; frame = hex of [int32 size][header][body]`;
  writeFileSync(join(OUT, `${client}.json`), JSON.stringify({ about: banner, frames: entries }, null, 0).replace(/\{"apiKey"/g, '\n{"apiKey"') + '\n');
  const counts = new Map();
  for (const f of frames) { const k = `${f.readInt16BE(4)}v${f.readInt16BE(6)}`; counts.set(k, (counts.get(k) ?? 0) + 1); }
  const apis = [...counts].map(([k, n]) => `${k}${n > 1 ? `x${n}` : ""}`).join(" ");
  console.log(`${client}: ${frames.length} frames, ${entries.length} kept: ${apis}`);
}
