// `strom transactions` (kafka-transactions.sh) as users run it, against a real broker with a
// kafkajs producer's transaction open, and a hanging transaction: a transactional batch its
// coordinator never added to a transaction (written here with KIP-890's verification off,
// as a broker before it would have taken a late batch), its records two minutes old.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer, type Transaction } from 'kafkajs';
import { Core, buildBatch } from '../../src/core/index.js';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, 'transactions', '--bootstrap-server', broker.bootstrap, ...args], 30_000);
const core = Core.create();

let broker: RunningBroker;
let raw: RawClient;
let producer: Producer;
let open: Transaction;
let hangingProducerId: number;
let hangingOffset: number;

/** Kafka's tabbed table: header and rows split into cells. */
const cells = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, -1).map((c) => c.trim()));

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'transaction.state.log.num.partitions': '3', 'offsets.topic.num.partitions': '3', 'transaction.partition.verification.enable': 'false' } });
  raw = await RawClient.connect(broker.port);
  const created = await raw.request(19, 4, {
    topics: ['orders', 'late'].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false,
  });
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
  // The open transaction: kafkajs, one record on orders-0, neither committed nor aborted.
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  producer = kafka.producer({ transactionalId: 'app-open', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  open = await producer.transaction();
  await open.send({ topic: 'orders', messages: [{ value: 'pending' }] });
  // The hanging one: a transactional id whose coordinator holds no transaction, and a batch on late-0.
  const init = await raw.request(22, 4, { transactionalId: 'app-late', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  expect(init.errorCode).toBe(0);
  hangingProducerId = Number(init.producerId);
  const old = Date.now() - 120_000;
  const batch = buildBatch(core, [{ value: 'late', timestamp: old }], { transactional: true, producerId: hangingProducerId, producerEpoch: init.producerEpoch, baseSequence: 0 });
  const r = await raw.request(0, 9, { transactionalId: 'app-late', acks: -1, timeoutMs: 5000, topicData: [{ name: 'late', partitionData: [{ index: 0, records: Buffer.from(batch) }] }] });
  expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
  hangingOffset = Number(r.responses[0].partitionResponses[0].baseOffset);
});
afterAll(async () => {
  await open?.abort();
  await producer?.disconnect();
  raw?.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

describe('strom transactions', () => {
  it('list: every transactional id with its coordinator, producer id and state', async () => {
    const r = await strom(['list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const [head, ...rows] = cells(r.stdout);
    expect(head).toEqual(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
    expect(rows).toEqual([['app-late', '1', String(hangingProducerId), 'Empty'], ['app-open', '1', expect.stringMatching(/^\d+$/), 'Ongoing']]);
  });

  it('describe: the open transaction\'s state, timeout, start and partitions; an unknown id fails with one line', async () => {
    const r = await strom(['describe', '--transactional-id', 'app-open']);
    expect(r.code).toBe(0);
    const [head, row] = cells(r.stdout);
    expect(head).toEqual(['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs',
      'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions']);
    expect(row).toEqual(['1', 'app-open', expect.stringMatching(/^\d+$/), '0', 'Ongoing', '60000', expect.stringMatching(/^\d{13}$/), expect.stringMatching(/^\d+$/), 'orders-0']);
    const idle = cells((await strom(['describe', '--transactional-id', 'app-late'])).stdout)[1];
    expect(idle.slice(4, 9)).toEqual(['Empty', '60000', 'None', 'None', '']);
    const missing = await strom(['describe', '--transactional-id', 'nobody']);
    expect([missing.code, missing.stdout]).toEqual([1, '']);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/TRANSACTIONAL_ID_NOT_FOUND|transactional id/i)]);
  });

  it('describe-producers: a partition\'s producers with the start offset of their open transaction', async () => {
    const r = await strom(['describe-producers', '--topic', 'late', '--partition', '0']);
    expect(r.code).toBe(0);
    expect(cells(r.stdout)).toEqual([
      ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
      [String(hangingProducerId), '0', '-1', '0', expect.stringMatching(/^\d{13}$/), String(hangingOffset)],
    ]);
  });

  it('find-hanging: the transaction its coordinator does not hold, not the open one it does', async () => {
    const r = await strom(['find-hanging', '--broker-id', '1', '--max-transaction-timeout', '0']);
    expect(r.code).toBe(0);
    const [head, ...rows] = cells(r.stdout);
    expect(head).toEqual(['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)']);
    expect(rows).toEqual([['late', '0', String(hangingProducerId), '0', '-1', String(hangingOffset), expect.stringMatching(/^\d{13}$/), '2']]);
    // Younger than the bound: not a candidate.
    expect(cells((await strom(['find-hanging', '--topic', 'late', '--max-transaction-timeout', '3'])).stdout)).toHaveLength(1);
    const usage = await strom(['find-hanging']);
    expect([usage.code, usage.stderr]).toEqual([1, expect.stringContaining('--topic or --broker-id')]);
  });

  it('abort: by start offset, which must be an open transaction\'s; the partition is stable again', async () => {
    const wrong = await strom(['abort', '--topic', 'late', '--partition', '0', '--start-offset', String(hangingOffset + 5)]);
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining(`Could not find any open transactions starting at offset ${hangingOffset + 5}`)]);
    const r = await strom(['abort', '--topic', 'late', '--partition', '0', '--start-offset', String(hangingOffset)]);
    expect([r.code, r.stderr, r.stdout]).toEqual([0, '', '']);
    const after = cells((await strom(['describe-producers', '--topic', 'late', '--partition', '0'])).stdout);
    expect(after[1].slice(0, 3).concat(after[1][5])).toEqual([String(hangingProducerId), '0', '0', 'None']);
    expect(cells((await strom(['find-hanging', '--topic', 'late', '--max-transaction-timeout', '0'])).stdout)).toHaveLength(1);
    // read_committed sees the partition's end again: the LSO moved past the aborted batch.
    const offsets = await raw.request(2, 7, { replicaId: -1, isolationLevel: 1, topics: [{ name: 'late', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    expect(Number(offsets.topics[0].partitions[0].offset)).toBe(hangingOffset + 2);
  });

  it('--json for scripts', async () => {
    const r = await strom(['--json', 'list']);
    expect(JSON.parse(r.stdout).map((t: { transactionalId: string }) => t.transactionalId)).toEqual(['app-late', 'app-open']);
  });
});
