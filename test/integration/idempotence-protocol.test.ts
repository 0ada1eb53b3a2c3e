// Idempotent produce over the wire, byte by byte (the rules Kafka's Java producer relies on):
// InitProducerId, then Produce batches with sequence numbers. A retry is answered with its
// original offsets and stored once; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; a fenced epoch is
// INVALID_PRODUCER_EPOCH; a producer id the partition does not know may start anywhere
// (KIP-360); a producer id without a sequence is an invalid record. DescribeProducers (key
// 61) shows the state, and it survives a clean restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { Core, buildBatch, decodeBatches } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const core = Core.create();
let broker: RunningBroker;
let raw: RawClient;

beforeAll(async () => {
  broker = await startBroker({ keep: true });
  raw = await RawClient.connect(broker.port);
  const created = await raw.request(19, 7, { topics: [{ name: 'idem', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
});
afterAll(async () => {
  raw?.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function initProducerId(producerId = -1, producerEpoch = -1): Promise<{ producerId: number; producerEpoch: number }> {
  const r = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId, producerEpoch });
  expect(r.errorCode).toBe(0);
  return r;
}

async function produce(partition: number, producerId: number, producerEpoch: number, baseSequence: number, values: string[], client = raw) {
  const records = buildBatch(core, values.map((value) => ({ value })), { producerId, producerEpoch, baseSequence });
  const r = await client.request(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'idem', partitionData: [{ index: partition, records }] }] });
  return r.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number; errorMessage: string | null };
}

async function stored(partition: number): Promise<string[]> {
  const r = await raw.request(1, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'idem', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return decodeBatches(core, r.responses[0].partitions[0].records).flatMap((b) => b.records.map((rec) => Buffer.from(rec.value!).toString()));
}

describe('idempotent produce (KIP-98) over the wire', () => {
  it('answers a retried batch with its original offsets and stores it once; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const { producerId, producerEpoch } = await initProducerId();
    const first = await produce(0, producerId, producerEpoch, 0, ['a', 'b']);
    const second = await produce(0, producerId, producerEpoch, 2, ['c']);
    expect([first.errorCode, first.baseOffset, second.errorCode, second.baseOffset]).toEqual([0, 0, 0, 2]);
    // Both retried (the acknowledgements were lost): the first appends' offsets, nothing written.
    expect(await produce(0, producerId, producerEpoch, 0, ['a', 'b'])).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(0, producerId, producerEpoch, 2, ['c'])).toMatchObject({ errorCode: 0, baseOffset: 2 });
    const gap = await produce(0, producerId, producerEpoch, 5, ['e']);
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(gap.errorMessage).toContain('sequence 2');
    expect(await produce(0, producerId, producerEpoch, 3, ['d'])).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(await stored(0)).toEqual(['a', 'b', 'c', 'd']);
    // Sequences are per partition: the other one starts at 0.
    expect(await produce(1, producerId, producerEpoch, 0, ['x'])).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('an epoch bump (InitProducerId v3+ with the id) fences the old epoch: INVALID_PRODUCER_EPOCH; the new one starts at 0', async () => {
    const old = await initProducerId();
    expect((await produce(1, old.producerId, old.producerEpoch, 0, ['o1'])).errorCode).toBe(0);
    const bumped = await initProducerId(old.producerId, old.producerEpoch);
    expect(bumped).toMatchObject({ producerId: old.producerId, producerEpoch: old.producerEpoch + 1 });
    expect((await produce(1, bumped.producerId, bumped.producerEpoch, 1, ['n1'])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce(1, bumped.producerId, bumped.producerEpoch, 0, ['n0'])).errorCode).toBe(0);
    expect((await produce(1, old.producerId, old.producerEpoch, 1, ['o2'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('KIP-360: a producer id the partition does not know starts at any sequence', async () => {
    const { producerId } = await initProducerId();
    expect((await produce(0, producerId, 0, 4242, ['late'])).errorCode).toBe(0);
    expect((await produce(0, producerId, 0, 4243, ['later'])).errorCode).toBe(0);
    expect((await produce(0, producerId, 0, 4245, ['gap'])).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('a batch with a producer id and no sequence is an invalid record', async () => {
    const { producerId } = await initProducerId();
    expect((await produce(0, producerId, 0, -1, ['no sequence'])).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('DescribeProducers lists each partition\'s producers, as kafka-transactions.sh describe-producers shows them', async () => {
    const { producerId, producerEpoch } = await initProducerId();
    await produce(1, producerId, producerEpoch, 0, ['p', 'q', 'r']);
    const r = await raw.request(61, 0, { topics: [{ name: 'idem', partitionIndexes: [1, 7] }, { name: 'nope', partitionIndexes: [0] }] });
    const [known, unknown] = r.topics[0].partitions;
    expect(known.errorCode).toBe(0);
    expect(known.activeProducers).toContainEqual(expect.objectContaining({ producerId, producerEpoch, lastSequence: 2, coordinatorEpoch: -1, currentTxnStartOffset: -1 }));
    expect(unknown.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(r.topics[1].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('the state survives a clean restart: a retry after it is still answered with its first offsets', async () => {
    const { producerId, producerEpoch } = await initProducerId();
    const first = await produce(0, producerId, producerEpoch, 0, ['before restart']);
    raw.close();
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dir: broker.dir, keep: true });
    raw = await RawClient.connect(broker.port);
    expect(await produce(0, producerId, producerEpoch, 0, ['before restart'])).toMatchObject({ errorCode: 0, baseOffset: first.baseOffset });
    expect((await stored(0)).filter((v) => v === 'before restart')).toHaveLength(1);
    expect((await produce(0, producerId, producerEpoch, 1, ['after restart'])).errorCode).toBe(0);
  });
});
