// Transactions on a cluster of three brokers on a real etcd, with kafkajs in process and
// node-rdkafka (librdkafka 2.12) in a child process: the
// coordinator of each transactional id is the leader of its partition of __transaction_state,
// and the topics written in the transactions (replication factor 3) are led by the two other
// brokers, so every marker travels to another broker in WriteTxnMarkers and every first
// Produce of a transaction is verified at the coordinator over the network (KIP-890 part 1).
// Commit and abort as read_committed sees them; sendOffsets in a transaction, the offsets
// visible only after the commit (the group's coordinator may be a third broker); librdkafka's
// consume-transform-produce loop with an abort in the middle, exactly once; a kill -9 of
// the coordinator between transactions, and one with a transaction in PrepareCommit whose
// marker cannot reach a dead partition leader: the new coordinator finishes it, and each
// committed record is read exactly once, and a marker of the deposed coordinator's epoch is
// fenced.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { startCluster, leadersServe, type RunningCluster } from '../helpers/cluster.js';
import { cleanupDirs } from '../helpers/broker.js';
import { stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Core, buildBatch } from '../../src/core/index.js';
import { partitionFor } from '../../src/group/records.js';

requireExternal('etcd-server');

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const PRODUCE = 0, METADATA = 3, FIND_COORDINATOR = 10, INIT_PRODUCER_ID = 22, ADD_PARTITIONS = 24, END_TXN = 26, WRITE_TXN_MARKERS = 27,
  DESCRIBE_PRODUCERS = 61, DESCRIBE_TRANSACTIONS = 65;
const TXN_STATE = '__transaction_state';
let cluster: RunningCluster;
let kafka: Kafka;
let admin: Admin;
const opened: { disconnect(): Promise<void> }[] = [];

beforeAll(async () => {
  cluster = await startCluster(3, {
    'transaction.state.log.num.partitions': '3', 'offsets.topic.num.partitions': '3', 'group.initial.rebalance.delay.ms': '0',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '500',
  });
  kafka = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 100, maxRetryTime: 1000 } });
  admin = kafka.admin();
  await admin.connect();
}, 60_000);
afterAll(async () => {
  for (const c of opened.reverse()) await c.disconnect().catch((e: Error) => console.warn(`disconnect: ${e.message}`));
  await admin?.disconnect();
  await cluster?.stopAll();
  await stopEtcds();
  cleanupDirs();
});

/** The transactional id's coordinator, as FindCoordinator answers it once one serves. */
async function coordinatorOf(transactionalId: string): Promise<number> {
  const id = cluster.brokers.findIndex((b) => b !== null) + 1;
  const raw = await RawClient.connect(cluster.broker(id).port);
  try {
    let found: any;
    // On a timeout: the last answer, and each live broker's last lines (what it was doing).
    const what = () => `a coordinator for ${transactionalId} (last answer: error ${found?.errorCode}, node ${found?.nodeId})\n` +
      cluster.brokers.map((b, i) => b && `broker ${i + 1}:\n${b.output.slice(-15).join('\n')}`).filter(Boolean).join('\n');
    await waitFor(what, async () => {
      found = await raw.request(FIND_COORDINATOR, 3, { key: transactionalId, keyType: 1, coordinatorKeys: [] });
      return found.errorCode === ErrorCode.NONE;
    }, { timeoutMs: 30_000 });
    return found.nodeId;
  } finally {
    raw.close();
  }
}

/** Creates `topic` with 2 partitions of 3 replicas, led by the two brokers other than `coordinator`. */
async function createAwayFrom(topic: string, coordinator: number): Promise<number[]> {
  const [a, b] = [1, 2, 3].filter((id) => id !== coordinator);
  await admin.createTopics({
    topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [a, b, coordinator] }, { partition: 1, replicas: [b, a, coordinator] }] }],
  });
  await leadersServe(admin, topic);
  const leaders = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.sort((x, y) => x.partitionId - y.partitionId).map((p) => p.leader);
  expect(leaders).toEqual([a, b]);
  return leaders;
}

function producer(transactionalId: string): Producer {
  const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30_000 });
  opened.push(p);
  return p;
}

/** Every value of `topic` a fresh consumer reads, until `count` are read (and a moment after, for any extra). */
async function readAll(topic: string, readUncommitted: boolean, count: number): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId: `read-${topic}-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 100 });
  opened.push(consumer);
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
  await waitFor(() => `${count} records of ${topic} (read ${values.length})`, () => values.length >= count, { timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  return values;
}

const records = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: String(i % 4), value: `${prefix}-${i}` }));

describe('transactions in a cluster', () => {
  it('commits and aborts with every partition led by another broker than the coordinator', async () => {
    const coordinator = await coordinatorOf('ctx-a');
    await createAwayFrom('ctx-out', coordinator);
    const p = producer('ctx-a');
    await p.connect();
    let txn = await p.transaction();
    await txn.send({ topic: 'ctx-out', messages: records('c1', 10) });
    await txn.commit();
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-out', messages: records('ab', 6) });
    await txn.abort();
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-out', messages: records('c2', 10) });
    await txn.commit();
    const committed = await readAll('ctx-out', false, 20);
    expect(committed.sort()).toEqual([...records('c1', 10), ...records('c2', 10)].map((r) => r.value).sort());
    // The aborted records are in the logs: their ABORT markers, not their absence, hide them.
    expect((await readAll('ctx-out', true, 26)).length).toBe(26);
  });

  it('commits offsets in a transaction (sendOffsets): visible after the commit, not after an abort', async () => {
    const coordinator = await coordinatorOf('ctx-ctp');
    await createAwayFrom('ctx-ctp-in', coordinator);
    await createAwayFrom('ctx-ctp-out', coordinator);
    const p = producer('ctx-ctp');
    await p.connect();
    const offsets = async () => (await admin.fetchOffsets({ groupId: 'ctx-group', topics: ['ctx-ctp-in'] }))[0].partitions
      .sort((x, y) => x.partition - y.partition).map((x) => x.offset);
    let txn = await p.transaction();
    await txn.send({ topic: 'ctx-ctp-out', messages: records('t1', 4) });
    await txn.sendOffsets({ consumerGroupId: 'ctx-group', topics: [{ topic: 'ctx-ctp-in', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] }] });
    await txn.commit();
    await waitFor('the committed offsets', async () => JSON.stringify(await offsets()) === JSON.stringify(['5', '7']), { timeoutMs: 10_000 });
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-ctp-out', messages: records('t2', 4) });
    await txn.sendOffsets({ consumerGroupId: 'ctx-group', topics: [{ topic: 'ctx-ctp-in', partitions: [{ partition: 0, offset: '9' }, { partition: 1, offset: '9' }] }] });
    await txn.abort();
    expect(await offsets()).toEqual(['5', '7']);
    expect((await readAll('ctx-ctp-out', false, 4)).sort()).toEqual(records('t1', 4).map((r) => r.value).sort());
  });

  it('runs librdkafka\'s consume-transform-produce loop with an abort in the middle exactly once (node-rdkafka)', async () => {
    const coordinator = await coordinatorOf('ctx-rd');
    await createAwayFrom('ctx-rd-in', coordinator);
    await createAwayFrom('ctx-rd-out', coordinator);
    const inputs = 24;
    const r = await rdkafka('ctp', ['ctx-rd-in', 'ctx-rd-out', 'ctx-rd-group', 'ctx-rd', String(inputs)]);
    expect(r.processed).toBe(inputs);
    expect(r.aborted).toBeGreaterThan(0);
    expect([...r.committed].sort()).toEqual(Array.from({ length: inputs }, (_, i) => `out-${i}`).sort());
    expect(r.uncommitted.length).toBe(inputs + r.aborted);
    expect(r.offsets).toEqual(r.ends);
  });

  it('verifies a first transactional batch at a coordinator on another broker (KIP-890 part 1)', async () => {
    const coordinator = await coordinatorOf('ctx-verify');
    const leaders = await createAwayFrom('ctx-verify', coordinator);
    const core = Core.create();
    const at = await RawClient.connect(cluster.broker(coordinator).port);
    const byLeader = await Promise.all(leaders.map((id) => RawClient.connect(cluster.broker(id).port)));
    try {
      let init: any;
      await waitFor('the coordinator serves ctx-verify', async () => {
        init = await at.request(INIT_PRODUCER_ID, 4, { transactionalId: 'ctx-verify', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
        return init.errorCode === ErrorCode.NONE;
      });
      const { producerId, producerEpoch } = init;
      const added = await at.request(ADD_PARTITIONS, 3, {
        transactions: [], v3AndBelowTransactionalId: 'ctx-verify', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch,
        v3AndBelowTopics: [{ name: 'ctx-verify', partitions: [0] }],
      });
      expect(added.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.NONE);
      const produce = async (partition: number, version: number) => {
        const batch = buildBatch(core, [{ value: `v${partition}` }], { transactional: true, producerId, producerEpoch, baseSequence: 0 });
        const r = await byLeader[partition].request(PRODUCE, version, {
          transactionalId: 'ctx-verify', acks: -1, timeoutMs: 5000, topicData: [{ name: 'ctx-verify', partitionData: [{ index: partition, records: Buffer.from(batch) }] }],
        });
        return r.responses[0].partitionResponses[0].errorCode;
      };
      // Partition 1 was never added: its leader asks the coordinator, which says no.
      expect(await produce(1, 9)).toBe(ErrorCode.INVALID_TXN_STATE);
      expect(await produce(1, 11)).toBe(ErrorCode.TRANSACTION_ABORTABLE);
      expect(await produce(0, 9)).toBe(ErrorCode.NONE);
      const ended = await at.request(END_TXN, 3, { transactionalId: 'ctx-verify', producerId, producerEpoch, committed: true });
      expect(ended.errorCode).toBe(ErrorCode.NONE);
      expect(await readAll('ctx-verify', false, 1)).toEqual(['v0']);
    } finally {
      at.close();
      for (const c of byLeader) c.close();
    }
  });

  it('survives a kill -9 of the coordinator, between transactions and in PrepareCommit: each committed record read once', async () => {
    const first = await coordinatorOf('ctx-crash');
    await createAwayFrom('ctx-crash-out', first);
    const p = producer('ctx-crash');
    await p.connect();
    let txn = await p.transaction();
    await txn.send({ topic: 'ctx-crash-out', messages: records('k1', 8) });
    await txn.commit();

    // Between transactions: the coordinator dies, another leader of its partition loads its
    // state (another member of its ISR: all of them first, so that there is one to elect).
    await fullIsr(['ctx-crash-out', TXN_STATE]);
    await cluster.kill(first);
    const second = await waitForNewCoordinator('ctx-crash', first);
    await cluster.restart(first);
    // Every replica back in sync, so that the next two deaths leave each partition a leader.
    await fullIsr(['ctx-crash-out', TXN_STATE]);
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-crash-out', messages: records('k2', 8) });
    await txn.commit();

    // In PrepareCommit: a partition of the transaction with its only replica on the third
    // broker, which dies after the records are in: its marker waits for it, the transaction
    // stays in PrepareCommit; then the coordinator dies too, and the third broker comes back.
    const third = [1, 2, 3].find((id) => id !== first && id !== second)!;
    await admin.createTopics({ topics: [{ topic: 'ctx-crash-one', replicaAssignment: [{ partition: 0, replicas: [third] }] }] });
    await leadersServe(admin, 'ctx-crash-one');
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-crash-out', messages: records('k3', 8) });
    await txn.send({ topic: 'ctx-crash-one', messages: records('k3', 4) });
    await cluster.kill(third);
    await txn.commit();
    expect(await describeState('ctx-crash', second)).toBe('PrepareCommit');
    await cluster.kill(second);
    await cluster.restart(third);
    const last = await waitForNewCoordinator('ctx-crash', second);
    await waitFor('the new coordinator completes the commit', async () => (await describeState('ctx-crash', last)) === 'CompleteCommit', { timeoutMs: 30_000 });
    await cluster.restart(second);

    // The same client carries on: kafkajs finds the new coordinator.
    txn = await p.transaction();
    await txn.send({ topic: 'ctx-crash-out', messages: records('k4', 8) });
    await txn.commit();
    const committed = await readAll('ctx-crash-out', false, 32);
    expect(committed.sort()).toEqual(['k1', 'k2', 'k3', 'k4'].flatMap((k) => records(k, 8).map((r) => r.value)).sort());
    expect((await readAll('ctx-crash-one', false, 4)).sort()).toEqual(records('k3', 4).map((r) => r.value).sort());

    // The markers carry the coordinator epoch: the leader epoch of the id's __transaction_state
    // partition, raised by each failover; a marker of an older coordinator epoch is fenced.
    const coordinator = await coordinatorOf('ctx-crash');
    const at = await RawClient.connect(cluster.broker(coordinator).port);
    try {
      const partition = await coordinatorPartition('ctx-crash');
      const md = await at.request(METADATA, 12, {
        topics: [{ topicId: ZERO_UUID, name: TXN_STATE }, { topicId: ZERO_UUID, name: 'ctx-crash-out' }],
        allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
      });
      const coordinatorEpoch = md.topics.find((t: any) => t.name === TXN_STATE).partitions.find((x: any) => x.partitionIndex === partition).leaderEpoch;
      expect(coordinatorEpoch).toBeGreaterThan(0);
      const leader = md.topics.find((t: any) => t.name === 'ctx-crash-out').partitions.find((x: any) => x.partitionIndex === 0).leaderId;
      const { producerId, producerEpoch } = (await at.request(DESCRIBE_TRANSACTIONS, 0, { transactionalIds: ['ctx-crash'] })).transactionStates[0];
      const dataLeader = await RawClient.connect(cluster.broker(leader).port);
      try {
        const described = await dataLeader.request(DESCRIBE_PRODUCERS, 0, { topics: [{ name: 'ctx-crash-out', partitionIndexes: [0] }] });
        const state = described.topics[0].partitions[0].activeProducers.find((x: any) => Number(x.producerId) === Number(producerId));
        expect(state.coordinatorEpoch).toBe(coordinatorEpoch);
        const stale = await dataLeader.request(WRITE_TXN_MARKERS, 1, {
          markers: [{ producerId, producerEpoch, transactionResult: false, coordinatorEpoch: coordinatorEpoch - 1, topics: [{ name: 'ctx-crash-out', partitionIndexes: [0] }] }],
        });
        expect(stale.markers[0].topics[0].partitions[0].errorCode).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
      } finally {
        dataLeader.close();
      }
    } finally {
      at.close();
    }
  });

  // Last: it leaves one broker alive.
  it('refuses state changes below transaction.state.log.min.isr (2) with a retriable COORDINATOR_NOT_AVAILABLE', async () => {
    const coordinator = await coordinatorOf('ctx-isr');
    const partition = await coordinatorPartition('ctx-isr');
    const raw = await RawClient.connect(cluster.broker(coordinator).port);
    try {
      const init = () => raw.request(INIT_PRODUCER_ID, 4, { transactionalId: 'ctx-isr', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      await waitFor('the coordinator serves ctx-isr', async () => (await init()).errorCode === ErrorCode.NONE);
      for (const id of [1, 2, 3]) if (id !== coordinator) await cluster.kill(id);
      await waitFor('the ISR of its partition shrinks to the coordinator', async () => {
        const r = await raw.request(METADATA, 12, { topics: [{ topicId: ZERO_UUID, name: TXN_STATE }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        return JSON.stringify(r.topics[0].partitions.find((p: any) => p.partitionIndex === partition).isrNodes) === JSON.stringify([coordinator]);
      }, { timeoutMs: 30_000 });
      expect((await init()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } finally {
      raw.close();
    }
  });
});

/** The partition of __transaction_state that holds `transactionalId` (Kafka's hash). */
async function coordinatorPartition(transactionalId: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [TXN_STATE] });
  return partitionFor(transactionalId, topics[0].partitions.length);
}

const RDKAFKA_SCRIPT = fileURLToPath(new URL('../clients/rdkafka-transactions.cjs', import.meta.url));

/** Runs test/clients/rdkafka-transactions.cjs against the cluster; its last line of output, parsed. */
function rdkafka(mode: string, args: string[], timeoutMs = 90_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RDKAFKA_SCRIPT, mode, cluster.bootstrap, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Waits until FindCoordinator names a coordinator of `transactionalId` other than `old` that answers as one; returns it. */
async function waitForNewCoordinator(transactionalId: string, old: number): Promise<number> {
  let found = -1;
  await waitFor(`a new coordinator of ${transactionalId}`, async () => {
    found = await coordinatorOf(transactionalId);
    return found !== old && cluster.brokers[found - 1] !== null;
  }, { timeoutMs: 30_000 });
  return found;
}

/** Waits until every partition of `topics` has all its replicas in its ISR. */
async function fullIsr(topics: string[]): Promise<void> {
  await waitFor(`every replica of ${topics.join(', ')} in sync`, async () => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    return found.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
  }, { timeoutMs: 30_000 });
}

/** The transaction's state as DescribeTransactions answers it at `coordinator`. */
async function describeState(transactionalId: string, coordinator: number): Promise<string> {
  const raw = await RawClient.connect(cluster.broker(coordinator).port);
  try {
    const r = await raw.request(DESCRIBE_TRANSACTIONS, 0, { transactionalIds: [transactionalId] });
    return r.transactionStates[0].transactionState;
  } finally {
    raw.close();
  }
}
