// read_committed over real sockets. Transactional batches are produced over the wire (a
// producer id from InitProducerId, the transactional attribute set); their COMMIT and ABORT
// markers are written through PartitionLog.appendMarker, as the transaction coordinator
// does, on a broker started in this process. A read_committed Fetch stops at the last stable
// offset and lists the aborted transactions; a read_uncommitted one sees everything; the
// read_committed consumers of kafkajs and librdkafka (kcat) drop the aborted records. The
// coordinator knows nothing of these producers, so its verification of their first batches
// (KIP-890) is off here; the transactions tests cover the coordinator's own path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Broker } from '../../src/broker/broker.js';
import { BrokerConfig } from '../../src/config/config.js';
import { buildBatch, decodeBatches, Core } from '../../src/core/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { run } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('kcat');

const core = Core.create();
const TOPIC = 'rc';
let dir: string;
let broker: Broker;
let raw: RawClient;
let port: number;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strom-rc-'));
  broker = await Broker.start(new BrokerConfig({ listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1', 'transaction.partition.verification.enable': 'false' }), quiet);
  port = broker.listeners[0].port;
  raw = await RawClient.connect(port);
  await broker.logs.createTopic(TOPIC, 1);
});
afterAll(async () => {
  raw?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sequences = new Map<number, number>();
async function produce(values: string[], producer?: { id: number; transactional: boolean }): Promise<number> {
  const sequence = producer ? sequences.get(producer.id) ?? 0 : -1;
  if (producer) sequences.set(producer.id, sequence + values.length);
  const records = buildBatch(core, values.map((value) => ({ value })), producer ? { producerId: producer.id, producerEpoch: 0, baseSequence: sequence, transactional: producer.transactional } : {});
  const r = await raw.request(0, 9, { transactionalId: producer?.transactional ? 'tx' : null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  const p = r.responses[0].partitionResponses[0];
  expect(p.errorCode).toBe(0);
  return p.baseOffset;
}

async function producerId(): Promise<number> {
  const r = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  return r.producerId;
}

async function fetch(isolationLevel: number, fetchOffset = 0) {
  const r = await raw.request(1, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const p = r.responses[0].partitions[0];
  const batches = decodeBatches(core, p.records ?? Buffer.alloc(0));
  return {
    highWatermark: Number(p.highWatermark), lastStableOffset: Number(p.lastStableOffset),
    aborted: (p.abortedTransactions ?? []).map((a: { producerId: number; firstOffset: number }) => [Number(a.producerId), Number(a.firstOffset)]),
    values: batches.filter((b) => !b.header.isControl).flatMap((b) => b.records.map((rec) => Buffer.from(rec.value!).toString())),
    offsets: batches.map((b) => b.header.baseOffset),
  };
}

async function consumeWithKafkajs(readUncommitted: boolean, expected: number): Promise<{ consumer: Consumer; values: string[] }> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `rc-${readUncommitted}`, readUncommitted, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
  await waitFor(`kafkajs (readUncommitted ${readUncommitted}) to get ${expected} records`, () => values.length >= expected);
  return { consumer, values };
}

const kcat = (level: string) => run('kcat', ['-b', `127.0.0.1:${port}`, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${level}`, '-f', '%s\\n'], 60_000);

describe('read_committed', () => {
  let committed: number;
  let aborted: number;
  let open: number;
  let abortedFirst: number;
  let openFirst: number;

  it('a read_committed Fetch stops at the LSO and lists the aborted transactions; a read_uncommitted one sees all', async () => {
    [committed, aborted, open] = [await producerId(), await producerId(), await producerId()];
    await produce(['c-0', 'c-1'], { id: committed, transactional: true });
    abortedFirst = await produce(['a-0', 'a-1'], { id: aborted, transactional: true });
    await produce(['plain-0']);
    await produce(['c-2'], { id: committed, transactional: true });
    const log = broker.logs.partition(TOPIC, 0)!;
    expect(log.lastStableOffset).toBe(0);
    await log.appendMarker(committed, 0, true, 0);
    expect(log.lastStableOffset).toBe(abortedFirst);
    await log.appendMarker(aborted, 0, false, 0);
    openFirst = await produce(['o-0'], { id: open, transactional: true });
    await produce(['plain-1']);

    const uncommitted = await fetch(0);
    expect(uncommitted.values).toEqual(['c-0', 'c-1', 'a-0', 'a-1', 'plain-0', 'c-2', 'o-0', 'plain-1']);
    expect([uncommitted.highWatermark, uncommitted.lastStableOffset]).toEqual([log.highWatermark, openFirst]);

    const committedView = await fetch(1);
    expect(committedView.values).toEqual(['c-0', 'c-1', 'a-0', 'a-1', 'plain-0', 'c-2']); // the client drops a-*
    expect(Math.max(...committedView.offsets)).toBeLessThan(openFirst);
    expect(committedView.lastStableOffset).toBe(openFirst);
    expect(committedView.aborted).toEqual([[aborted, abortedFirst]]);
    // From its marker on, it is still listed (Kafka lists those whose last offset the range reaches).
    expect((await fetch(1, openFirst - 1)).aborted).toEqual([[aborted, abortedFirst]]);
    // ListOffsets latest, read_committed: the LSO.
    const offsets = await raw.request(2, 7, { replicaId: -1, isolationLevel: 1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    expect(Number(offsets.topics[0].partitions[0].offset)).toBe(openFirst);
  });

  it('kafkajs and librdkafka read_committed consumers drop the aborted records and wait for the open transaction', async () => {
    const log = broker.logs.partition(TOPIC, 0)!;
    const uncommitted = await consumeWithKafkajs(true, 8);
    const committedView = await consumeWithKafkajs(false, 4);
    try {
      expect(uncommitted.values).toEqual(['c-0', 'c-1', 'a-0', 'a-1', 'plain-0', 'c-2', 'o-0', 'plain-1']);
      expect(committedView.values).toEqual(['c-0', 'c-1', 'plain-0', 'c-2']);
      const before = await kcat('read_committed');
      expect(before.stdout.trim().split('\n')).toEqual(['c-0', 'c-1', 'plain-0', 'c-2']);
      // The open transaction commits: its record, and what followed it, become readable.
      await log.appendMarker(open, 0, true, 0);
      expect(log.lastStableOffset).toBe(log.highWatermark);
      await waitFor('the committed transaction reaches the read_committed consumer', () => committedView.values.length >= 6);
      expect(committedView.values).toEqual(['c-0', 'c-1', 'plain-0', 'c-2', 'o-0', 'plain-1']);
      // Past the aborted transaction's marker, it is not listed any more.
      expect(await fetch(1, openFirst)).toMatchObject({ values: ['o-0', 'plain-1'], aborted: [] });
      const after = await kcat('read_committed');
      expect(after.stdout.trim().split('\n')).toEqual(['c-0', 'c-1', 'plain-0', 'c-2', 'o-0', 'plain-1']);
      const all = await kcat('read_uncommitted');
      expect(all.stdout.trim().split('\n')).toEqual(['c-0', 'c-1', 'a-0', 'a-1', 'plain-0', 'c-2', 'o-0', 'plain-1']);
    } finally {
      await uncommitted.consumer.disconnect();
      await committedView.consumer.disconnect();
    }
  });
});
