// The transaction coordinator at the byte level: FindCoordinator for transactional ids,
// InitProducerId (timeouts, fencing), AddPartitionsToTxn (v3 and the v4 verification form),
// transactional Produce with KIP-890's verification, EndTxn and its markers as read_committed
// and read_uncommitted fetches see them, AddOffsetsToTxn and TxnOffsetCommit with OffsetFetch's
// require_stable, DescribeTransactions, ListTransactions, WriteTxnMarkers, the abort of a
// timed-out transaction, and the state across a restart. Each asserts Kafka's error codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, buildBatch, decodeBatches } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { defaultJoinGroupRequest } from '../../src/protocol/generated/join-group.js';
import { encodeSubscription } from '../../src/protocol/consumer-protocol.js';
import { startBroker, cleanupDirs, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const PRODUCE = 0, FETCH = 1, METADATA = 3, OFFSET_FETCH = 9, FIND_COORDINATOR = 10, JOIN_GROUP = 11, CREATE_TOPICS = 19, INIT_PRODUCER_ID = 22,
  ADD_PARTITIONS = 24, ADD_OFFSETS = 25, END_TXN = 26, WRITE_TXN_MARKERS = 27, TXN_OFFSET_COMMIT = 28, DESCRIBE_TRANSACTIONS = 65, LIST_TRANSACTIONS = 66;
const READ_UNCOMMITTED = 0, READ_COMMITTED = 1;

const OVERRIDES = {
  'transaction.state.log.num.partitions': '3',
  'offsets.topic.num.partitions': '3',
  'transaction.max.timeout.ms': '120000',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '200',
  'group.initial.rebalance.delay.ms': '0',
};

const core = Core.create();
const dir = tempDir();
let broker: RunningBroker;
let c: RawClient;

beforeAll(async () => {
  broker = await startBroker({ dir, overrides: OVERRIDES });
  c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 4, {
    topics: ['t', 'u'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false,
  });
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
});
afterAll(async () => {
  c?.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

// ---- requests ----------------------------------------------------------------------------

async function init(transactionalId: string, timeoutMs = 60_000, version = 4, producerId = -1, producerEpoch = -1) {
  return c.request(INIT_PRODUCER_ID, version, { transactionalId, transactionTimeoutMs: timeoutMs, producerId, producerEpoch });
}

interface Producer { id: string; producerId: number; producerEpoch: number; sequence: Map<string, number> }

async function newProducer(id: string, timeoutMs = 60_000): Promise<Producer> {
  const r = await init(id, timeoutMs);
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return { id, producerId: r.producerId, producerEpoch: r.producerEpoch, sequence: new Map() };
}

async function addPartitions(p: Producer, partitions: [string, number][], version = 3): Promise<number[]> {
  const topics = [...new Set(partitions.map(([t]) => t))].map((name) => ({ name, partitions: partitions.filter(([t]) => t === name).map(([, i]) => i) }));
  const r = await c.request(ADD_PARTITIONS, version, {
    transactions: [], v3AndBelowTransactionalId: p.id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: topics,
  });
  return r.resultsByTopicV3AndBelow.flatMap((t: any) => t.resultsByPartition.map((x: any) => x.partitionErrorCode));
}

/** A transactional batch of `values` from `p` (its next sequence on that partition); the partition's error code and base offset. */
async function produce(p: Producer, topic: string, partition: number, values: string[], version = 9, epoch = p.producerEpoch): Promise<{ errorCode: number; baseOffset: number }> {
  const key = `${topic}:${partition}`;
  const sequence = p.sequence.get(key) ?? 0;
  const batch = buildBatch(core, values.map((value) => ({ value })), { transactional: true, producerId: p.producerId, producerEpoch: epoch, baseSequence: sequence });
  const r = await c.request(PRODUCE, version, { transactionalId: p.id, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(batch) }] }] });
  const res = r.responses[0].partitionResponses[0];
  if (res.errorCode === 0) p.sequence.set(key, sequence + values.length);
  return { errorCode: res.errorCode, baseOffset: Number(res.baseOffset) };
}

async function endTxn(p: Producer, committed: boolean, version = 3): Promise<number> {
  return (await c.request(END_TXN, version, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed })).errorCode;
}

interface Fetched { errorCode: number; highWatermark: number; lastStableOffset: number; aborted: { producerId: number; firstOffset: number }[] | null; values: string[]; controls: number }

async function fetch(topic: string, partition: number, isolationLevel: number, fetchOffset = 0): Promise<Fetched> {
  const r = await c.request(FETCH, 11, {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel,
    sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  });
  const d = r.responses[0].partitions[0];
  const batches = d.records && d.records.length > 0 ? decodeBatches(core, d.records) : [];
  return {
    errorCode: d.errorCode, highWatermark: Number(d.highWatermark), lastStableOffset: Number(d.lastStableOffset),
    aborted: d.abortedTransactions?.map((a: any) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })) ?? null,
    values: batches.filter((b) => !b.header.isControl).flatMap((b) => b.records.map((rec) => Buffer.from(rec.value!).toString())),
    controls: batches.filter((b) => b.header.isControl).length,
  };
}

async function describeTxn(id: string) {
  const r = await c.request(DESCRIBE_TRANSACTIONS, 0, { transactionalIds: [id] });
  return r.transactionStates[0];
}

// ---- tests -------------------------------------------------------------------------------

describe('coordinator lookup and InitProducerId', () => {
  it('FindCoordinator answers this broker for a transactional id and creates __transaction_state', async () => {
    const r = await c.request(FIND_COORDINATOR, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-find'] });
    expect(r.coordinators[0]).toMatchObject({ key: 'tx-find', errorCode: 0, nodeId: 1, port: broker.port });
    const md = await c.request(METADATA, 9, { topics: [{ name: '__transaction_state', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(md.topics[0]).toMatchObject({ name: '__transaction_state', errorCode: 0, isInternal: true });
    expect(md.topics[0].partitions).toHaveLength(3);
    const v1 = await c.request(FIND_COORDINATOR, 1, { key: 'tx-find', keyType: 1, coordinatorKeys: [] });
    expect(v1).toMatchObject({ errorCode: 0, nodeId: 1, port: broker.port });
  });

  it('refuses a timeout above transaction.max.timeout.ms, an empty id and a producer id without an epoch', async () => {
    expect((await init('tx-bad', 120_001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init('tx-bad', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await init('', 1000)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await init('tx-bad', 1000, 4, 5, -1)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('bumps the epoch on every InitProducerId, fencing the older producer (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH before v2)', async () => {
    const first = await newProducer('tx-fence');
    const second = await newProducer('tx-fence');
    expect(second.producerId).toBe(first.producerId);
    expect(second.producerEpoch).toBe(first.producerEpoch + 1);
    expect(await addPartitions(first, [['t', 0]], 2)).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect(await addPartitions(first, [['t', 0]], 1)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await addPartitions(second, [['t', 0]])).toEqual([0]);
    expect(await endTxn(second, false)).toBe(0);
  });

  it('KIP-360: a retry with the epoch before the last bump gets the current epoch; a stale one is fenced', async () => {
    const p = await newProducer('tx-360');
    const bumped = await init('tx-360', 60_000, 4, p.producerId, p.producerEpoch);
    expect(bumped).toMatchObject({ errorCode: 0, producerId: p.producerId, producerEpoch: p.producerEpoch + 1 });
    const retried = await init('tx-360', 60_000, 4, p.producerId, p.producerEpoch);
    expect(retried).toMatchObject({ errorCode: 0, producerEpoch: p.producerEpoch + 1 });
    await init('tx-360'); // another producer takes the id: epoch + 2, last epoch forgotten
    expect((await init('tx-360', 60_000, 4, p.producerId, p.producerEpoch)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await init('tx-360', 60_000, 3, p.producerId, p.producerEpoch)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});

describe('a transaction from AddPartitionsToTxn to EndTxn', () => {
  it('hides its records from read_committed until the commit marker, then shows them', async () => {
    const p = await newProducer('tx-commit');
    expect(await addPartitions(p, [['t', 0], ['t', 1]])).toEqual([0, 0]);
    const start = (await fetch('t', 0, READ_COMMITTED)).highWatermark;
    expect((await produce(p, 't', 0, ['a', 'b'])).errorCode).toBe(0);
    expect((await produce(p, 't', 1, ['c'])).errorCode).toBe(0);
    const open = await fetch('t', 0, READ_COMMITTED, start);
    expect(open.lastStableOffset).toBe(start);
    expect(open.highWatermark).toBe(start + 2);
    expect(open.values).toEqual([]);
    expect((await fetch('t', 0, READ_UNCOMMITTED, start)).values).toEqual(['a', 'b']);
    const ongoing = await describeTxn('tx-commit');
    expect(ongoing).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', producerId: p.producerId, producerEpoch: p.producerEpoch, transactionTimeoutMs: 60_000 });
    expect(ongoing.topics).toEqual([{ topic: 't', partitions: [0, 1] }]);
    expect(Number(ongoing.transactionStartTimeMs)).toBeGreaterThan(0);
    const listed = await c.request(LIST_TRANSACTIONS, 1, { stateFilters: ['Ongoing', 'Nonsense'], producerIdFilters: [], durationFilter: -1 });
    expect(listed.transactionStates).toContainEqual({ transactionalId: 'tx-commit', producerId: p.producerId, transactionState: 'Ongoing' });
    expect(listed.unknownStateFilters).toEqual(['Nonsense']);

    expect(await endTxn(p, true)).toBe(0);
    const done = await fetch('t', 0, READ_COMMITTED, start);
    expect(done.values).toEqual(['a', 'b']);
    expect(done.controls).toBe(1);
    expect(done.lastStableOffset).toBe(start + 3); // the records and the COMMIT marker
    expect(done.aborted).toEqual([]);
    expect((await fetch('t', 1, READ_COMMITTED)).values).toContain('c');
    expect(await describeTxn('tx-commit')).toMatchObject({ transactionState: 'CompleteCommit', topics: [] });
    // A retried EndTxn of the completed commit is answered NONE; an abort of it is refused.
    expect(await endTxn(p, true)).toBe(0);
    expect(await endTxn(p, false)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('lists an aborted transaction to read_committed fetchers, which drop its records', async () => {
    const p = await newProducer('tx-abort');
    expect(await addPartitions(p, [['u', 0]])).toEqual([0]);
    const { baseOffset } = await produce(p, 'u', 0, ['gone']);
    expect(await endTxn(p, false)).toBe(0);
    const read = await fetch('u', 0, READ_COMMITTED);
    expect(read.aborted).toEqual([{ producerId: p.producerId, firstOffset: baseOffset }]);
    expect(read.lastStableOffset).toBe(read.highWatermark);
    expect((await fetch('u', 0, READ_UNCOMMITTED)).aborted).toBeNull();
    expect(await describeTxn('tx-abort')).toMatchObject({ transactionState: 'CompleteAbort' });
  });

  it('answers Kafka\'s codes to EndTxn out of turn and AddPartitionsToTxn for partitions it cannot add', async () => {
    const p = await newProducer('tx-codes');
    expect(await endTxn(p, true)).toBe(ErrorCode.INVALID_TXN_STATE); // Empty: nothing to end
    expect(await endTxn({ ...p, id: 'tx-nobody' }, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await endTxn({ ...p, producerId: p.producerId + 1000 }, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addPartitions(p, [['t', 0], ['t', 9]])).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await c.request(FIND_COORDINATOR, 1, { key: 'g-any', keyType: 0, coordinatorKeys: [] })).errorCode).toBe(0); // creates __consumer_offsets
    expect(await addPartitions(p, [['__consumer_offsets', 0]])).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
    expect(await describeTxn('tx-codes')).toMatchObject({ transactionState: 'Empty' });
    expect(await describeTxn('tx-nobody')).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND });
  });
});

describe('KIP-890 part 1: a partition verifies a transactional batch with the coordinator', () => {
  it('refuses a first batch on a partition the transaction never added, and opens no transaction there', async () => {
    const p = await newProducer('tx-verify');
    expect(await addPartitions(p, [['t', 0]])).toEqual([0]);
    const lso = (await fetch('t', 1, READ_COMMITTED)).lastStableOffset;
    expect((await produce(p, 't', 1, ['stray'], 9)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await produce(p, 't', 1, ['stray'], 11)).errorCode).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    const after = await fetch('t', 1, READ_COMMITTED);
    expect(after.lastStableOffset).toBe(lso);
    expect(after.highWatermark).toBe(lso);
    // An older epoch is told INVALID_PRODUCER_EPOCH.
    expect((await produce(p, 't', 0, ['old'], 9, p.producerEpoch - 1 < 0 ? 5 : p.producerEpoch - 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await endTxn(p, false)).toBe(0);
  });

  it('refuses a transactional batch in a Produce request without a transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const p = await newProducer('tx-no-id');
    expect(await addPartitions(p, [['t', 0]])).toEqual([0]);
    const batch = buildBatch(core, [{ value: 'anonymous' }], { transactional: true, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 });
    const r = await c.request(PRODUCE, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from(batch) }] }] });
    expect(r.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await produce(p, 't', 0, ['named'])).errorCode).toBe(0); // the same batch with its id
    expect(await endTxn(p, false)).toBe(0);
  });

  it('answers AddPartitionsToTxn v4 VerifyOnly per partition without adding any', async () => {
    const p = await newProducer('tx-verify-only');
    expect(await addPartitions(p, [['u', 1]])).toEqual([0]);
    const r = await c.request(ADD_PARTITIONS, 4, {
      transactions: [
        { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, verifyOnly: true, topics: [{ name: 'u', partitions: [0, 1] }] },
        { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch + 1, verifyOnly: true, topics: [{ name: 'u', partitions: [1] }] },
      ],
      v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
    });
    const codes = r.resultsByTransaction.map((t: any) => t.topicResults[0].resultsByPartition.map((x: any) => x.partitionErrorCode));
    expect(codes).toEqual([[ErrorCode.TRANSACTION_ABORTABLE, 0], [ErrorCode.PRODUCER_FENCED]]);
    expect((await describeTxn(p.id)).topics).toEqual([{ topic: 'u', partitions: [1] }]);
    expect(await endTxn(p, false)).toBe(0);
  });
});

describe('fencing and timeouts', () => {
  it('aborts the open transaction of a producer whose transactional id is taken over', async () => {
    const old = await newProducer('tx-takeover');
    expect(await addPartitions(old, [['u', 1]])).toEqual([0]);
    const { baseOffset } = await produce(old, 'u', 1, ['zombie']);
    const taken = await init('tx-takeover');
    expect(taken).toMatchObject({ errorCode: 0, producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });
    const read = await fetch('u', 1, READ_COMMITTED, baseOffset);
    // The records come with the aborted transaction that the consumer drops them by.
    expect(read.aborted).toEqual([{ producerId: old.producerId, firstOffset: baseOffset }]);
    expect(read.controls).toBe(1);
    // The zombie's batches are refused by the partition: its epoch is older than the abort marker's.
    expect((await produce(old, 'u', 1, ['late'])).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await endTxn(old, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('aborts a transaction open longer than its timeout and fences its producer', async () => {
    const p = await newProducer('tx-timeout', 1000);
    expect(await addPartitions(p, [['t', 0]])).toEqual([0]);
    const { baseOffset } = await produce(p, 't', 0, ['slow']);
    await waitFor('the timed-out transaction to be aborted', async () => (await describeTxn('tx-timeout')).transactionState === 'CompleteAbort', { timeoutMs: 10_000 });
    expect((await describeTxn('tx-timeout')).producerEpoch).toBe(p.producerEpoch + 1);
    const read = await fetch('t', 0, READ_COMMITTED, baseOffset);
    expect(read.aborted).toEqual([{ producerId: p.producerId, firstOffset: baseOffset }]);
    expect(read.lastStableOffset).toBe(read.highWatermark);
    expect(await endTxn(p, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });
});

describe('offsets committed in a transaction', () => {
  async function txnOffsetCommit(p: Producer, groupId: string, offset: number, version = 3, member = { generationId: -1, memberId: '', groupInstanceId: null as string | null }) {
    const r = await c.request(TXN_OFFSET_COMMIT, version, {
      transactionalId: p.id, groupId, producerId: p.producerId, producerEpoch: p.producerEpoch, ...member,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'txn' }] }],
    });
    return r.topics[0].partitions[0].errorCode as number;
  }
  async function committed(groupId: string, requireStable: boolean) {
    const r = await c.request(OFFSET_FETCH, 7, { groupId, topics: [{ name: 't', partitionIndexes: [0] }], requireStable, groups: [] });
    const p = r.topics[0].partitions[0];
    return { offset: Number(p.committedOffset), errorCode: p.errorCode };
  }

  it('become the group\'s offsets on commit, are dropped on abort, and are unstable in between', async () => {
    const p = await newProducer('tx-offsets');
    const add = await c.request(ADD_OFFSETS, 3, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g-txn' });
    expect(add.errorCode).toBe(0);
    expect(await txnOffsetCommit(p, 'g-txn', 7)).toBe(0);
    expect(await committed('g-txn', false)).toEqual({ offset: -1, errorCode: 0 });
    expect(await committed('g-txn', true)).toEqual({ offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await endTxn(p, true)).toBe(0);
    expect(await committed('g-txn', true)).toEqual({ offset: 7, errorCode: 0 });

    expect((await c.request(ADD_OFFSETS, 3, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g-txn' })).errorCode).toBe(0);
    expect(await txnOffsetCommit(p, 'g-txn', 9)).toBe(0);
    expect(await endTxn(p, false)).toBe(0);
    expect(await committed('g-txn', true)).toEqual({ offset: 7, errorCode: 0 });
  });

  it('refuses a commit whose group partition was not added (KIP-890) and one from a stale member (KIP-447)', async () => {
    const p = await newProducer('tx-offsets-refused');
    expect(await addPartitions(p, [['t', 1]])).toEqual([0]);
    expect(await txnOffsetCommit(p, 'g-member', 3, 3)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await txnOffsetCommit(p, 'g-member', 3, 4)).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    // A member joins g-member (generation 1).
    const joined = await c.request(JOIN_GROUP, 3, {
      ...defaultJoinGroupRequest(), groupId: 'g-member', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: '', protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }],
    });
    expect(joined.errorCode).toBe(0);
    expect((await c.request(ADD_OFFSETS, 3, { transactionalId: p.id, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g-member' })).errorCode).toBe(0);
    expect(await txnOffsetCommit(p, 'g-member', 3, 3, { generationId: joined.generationId + 1, memberId: joined.memberId, groupInstanceId: null })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await txnOffsetCommit(p, 'g-member', 3, 3, { generationId: joined.generationId, memberId: 'someone-else', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await txnOffsetCommit(p, 'g-member', 3, 3, { generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null })).toBe(0);
    // Without a member (v0-2, or generation -1) a commit is accepted, as before KIP-447.
    expect(await txnOffsetCommit(p, 'g-member', 4, 2)).toBe(0);
    expect(await endTxn(p, true)).toBe(0);
    expect(await committed('g-member', true)).toEqual({ offset: 4, errorCode: 0 });
  });
});

describe('WriteTxnMarkers (the admin abort of a hanging transaction)', () => {
  it('ends a producer\'s open transaction on a partition, and answers each partition\'s error', async () => {
    const p = await newProducer('tx-hanging');
    expect(await addPartitions(p, [['u', 0]])).toEqual([0]);
    const { baseOffset } = await produce(p, 'u', 0, ['hanging']);
    expect((await fetch('u', 0, READ_COMMITTED)).lastStableOffset).toBe(baseOffset);
    const r = await c.request(WRITE_TXN_MARKERS, 1, {
      markers: [
        { producerId: p.producerId, producerEpoch: p.producerEpoch, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'u', partitionIndexes: [0] }, { name: 'nope', partitionIndexes: [0] }] },
        { producerId: p.producerId, producerEpoch: p.producerEpoch - 1 < 0 ? 0 : p.producerEpoch - 1, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'u', partitionIndexes: [0] }] },
      ],
    });
    const codes = r.markers.map((m: any) => m.topics.flatMap((t: any) => t.partitions.map((x: any) => x.errorCode)));
    expect(codes[0]).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    if (p.producerEpoch > 0) expect(codes[1]).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    const read = await fetch('u', 0, READ_COMMITTED, baseOffset);
    expect(read.aborted).toEqual([{ producerId: p.producerId, firstOffset: baseOffset }]);
    expect(read.lastStableOffset).toBe(read.highWatermark);
    expect(await endTxn(p, false)).toBe(0);
  });
});

describe('across a restart', () => {
  it('keeps every transactional id and an open transaction, which commits after the restart', async () => {
    const p = await newProducer('tx-restart');
    expect(await addPartitions(p, [['t', 1]])).toEqual([0]);
    const { baseOffset } = await produce(p, 't', 1, ['survives']);
    const before = await describeTxn('tx-commit');
    c.close();
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dir, overrides: OVERRIDES });
    c = await RawClient.connect(broker.port);
    expect(await describeTxn('tx-commit')).toEqual(before);
    expect(await describeTxn('tx-restart')).toMatchObject({ transactionState: 'Ongoing', topics: [{ topic: 't', partitions: [1] }] });
    expect((await fetch('t', 1, READ_COMMITTED)).lastStableOffset).toBe(baseOffset);
    expect(await endTxn(p, true)).toBe(0);
    expect((await fetch('t', 1, READ_COMMITTED, baseOffset)).values).toEqual(['survives']);
    // The next InitProducerId continues from the stored epoch.
    expect(await init('tx-restart')).toMatchObject({ errorCode: 0, producerId: p.producerId, producerEpoch: p.producerEpoch + 1 });
  });
});
