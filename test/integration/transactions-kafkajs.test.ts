// kafkajs 2.2.4 transactions in-process against the broker: producer.transaction() with
// send + commit and send + abort, as read_committed and read_uncommitted consumers see them;
// sendOffsets inside a transaction (consume-transform-produce), committed or aborted;
// fencing by a second producer with the same transactional id; and a restart of the broker
// (clean, and kill -9) in the middle of an open transaction, which then commits, or is
// aborted by its timeout.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { startBroker, cleanupDirs, tempDir, type RunningBroker } from '../helpers/broker.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';

const OVERRIDES = {
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.num.partitions': '3',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '250',
};

let broker: RunningBroker;
let port: number;
const dir = tempDir();
let kafka: Kafka;
let admin: Admin;
const opened: { disconnect(): Promise<void> }[] = [];

/** A port free now, so the broker comes back on the same address after a restart (clients keep their bootstrap). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return p;
}

const start = () => startBroker({ dir, overrides: { ...OVERRIDES, listeners: `PLAINTEXT://127.0.0.1:${port}` } });

beforeAll(async () => {
  port = await freePort();
  broker = await start();
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: ['kj-out', 'kj-in', 'kj-ctp', 'kj-fence', 'kj-restart', 'kj-crash'].map((topic) => ({ topic, numPartitions: 2 })) });
});
afterAll(async () => {
  for (const c of opened.reverse()) await c.disconnect();
  await admin.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

function producer(transactionalId: string, transactionTimeout = 60_000): Producer {
  const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  opened.push(p);
  return p;
}

/** A consumer of `topic` from the beginning that collects values (in a fresh group). */
async function collect(topic: string, readUncommitted: boolean): Promise<{ consumer: Consumer; values: string[] }> {
  const consumer = kafka.consumer({ groupId: `collect-${topic}-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 100 });
  opened.push(consumer);
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { values.push(message.value!.toString()); } });
  return { consumer, values };
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('producer.transaction()', () => {
  it('commits and aborts: read_committed consumers see only committed records, read_uncommitted ones all', async () => {
    const p = producer('kj-tx');
    await p.connect();
    let t = await p.transaction();
    await t.send({ topic: 'kj-out', messages: [{ key: 'k', value: 'committed-1' }, { key: 'k', value: 'committed-2' }] });
    await t.commit();
    t = await p.transaction();
    await t.send({ topic: 'kj-out', messages: [{ key: 'k', value: 'aborted-1' }, { key: 'k', value: 'aborted-2' }] });
    await t.abort();
    t = await p.transaction();
    await t.send({ topic: 'kj-out', messages: [{ key: 'k', value: 'committed-3' }] });
    await t.commit();

    // One key: one partition, in this order; committed-3 comes after the aborted records.
    const committed = await collect('kj-out', false);
    const uncommitted = await collect('kj-out', true);
    await waitFor('read_committed to reach committed-3', () => committed.values.includes('committed-3'));
    await waitFor('read_uncommitted to reach committed-3', () => uncommitted.values.includes('committed-3'));
    expect(committed.values).toEqual(['committed-1', 'committed-2', 'committed-3']);
    expect(uncommitted.values).toEqual(['committed-1', 'committed-2', 'aborted-1', 'aborted-2', 'committed-3']);
  });

  it('sendOffsets commits a group\'s offsets with the transaction, and an abort leaves them as they were', async () => {
    const setup = kafka.producer();
    opened.push(setup);
    await setup.connect();
    await setup.send({ topic: 'kj-in', messages: [0, 1, 2, 3, 4, 5].map((i) => ({ partition: 0, value: `in-${i}` })) });
    const p = producer('kj-ctp-tx');
    await p.connect();
    const offsets = async () => (await admin.fetchOffsets({ groupId: 'kj-ctp-group', topics: ['kj-in'] }))[0].partitions.find((x) => x.partition === 0)!.offset;

    let t = await p.transaction();
    await t.send({ topic: 'kj-ctp', messages: [{ value: 'out-0' }, { value: 'out-1' }, { value: 'out-2' }] });
    await t.sendOffsets({ consumerGroupId: 'kj-ctp-group', topics: [{ topic: 'kj-in', partitions: [{ partition: 0, offset: '3' }] }] });
    expect(await offsets()).toBe('-1'); // pending until the commit
    await t.commit();
    expect(await offsets()).toBe('3');

    t = await p.transaction();
    await t.send({ topic: 'kj-ctp', messages: [{ value: 'out-3' }] });
    await t.sendOffsets({ consumerGroupId: 'kj-ctp-group', topics: [{ topic: 'kj-in', partitions: [{ partition: 0, offset: '6' }] }] });
    await t.abort();
    expect(await offsets()).toBe('3');

    // A member of the group resumes where the committed transaction left it.
    const consumer = kafka.consumer({ groupId: 'kj-ctp-group', maxWaitTimeInMs: 100 });
    opened.push(consumer);
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'kj-in' });
    await consumer.run({ eachMessage: async ({ partition, message }) => { if (partition === 0) seen.push(message.value!.toString()); } });
    await waitFor('the group to resume at offset 3', () => seen.length >= 3);
    expect(seen).toEqual(['in-3', 'in-4', 'in-5']);
  });

  it('a second producer with the same transactional id fences the first', async () => {
    const first = producer('kj-fenced');
    await first.connect();
    const t1 = await first.transaction();
    await t1.send({ topic: 'kj-fence', messages: [{ key: 'k', value: 'zombie' }] });
    const second = producer('kj-fenced');
    await second.connect(); // aborts the first's open transaction, bumping the epoch twice
    const t2 = await second.transaction();
    await t2.send({ topic: 'kj-fence', messages: [{ key: 'k', value: 'survivor' }] });
    await t2.commit();
    const e = await rejection(t1.commit());
    expect(e.type).toBe('INVALID_PRODUCER_EPOCH'); // kafkajs speaks EndTxn v1: PRODUCER_FENCED is answered as this

    const committed = await collect('kj-fence', false);
    const uncommitted = await collect('kj-fence', true);
    await waitFor('read_committed to reach the survivor', () => committed.values.includes('survivor'));
    await waitFor('read_uncommitted to reach the survivor', () => uncommitted.values.includes('survivor'));
    expect(committed.values).toEqual(['survivor']);
    expect(uncommitted.values).toEqual(['zombie', 'survivor']);
  });
});

describe('a broker restart in the middle of an open transaction', () => {
  it('after a clean restart the transaction commits, and read_committed sees its records only then', async () => {
    const p = producer('kj-restart-tx');
    await p.connect();
    const t = await p.transaction();
    await t.send({ topic: 'kj-restart', messages: [{ key: 'k', value: 'before-restart' }] });
    expect(await broker.stop()).toBe(0);
    broker = await start();
    const committed = await collect('kj-restart', false);
    const uncommitted = await collect('kj-restart', true);
    await waitFor('read_uncommitted to see the open transaction', () => uncommitted.values.length === 1);
    expect(committed.values).toEqual([]);
    await t.send({ topic: 'kj-restart', messages: [{ key: 'k', value: 'after-restart' }] });
    await t.commit();
    await waitFor('read_committed to see the committed transaction', () => committed.values.length === 2);
    expect(committed.values).toEqual(['before-restart', 'after-restart']);
  });

  it('after kill -9 the transaction is aborted by its timeout, and read_committed never sees its records', async () => {
    const p = producer('kj-crash-tx', 2000);
    await p.connect();
    const t = await p.transaction();
    await t.send({ topic: 'kj-crash', messages: [{ key: 'k', value: 'lost' }] });
    await broker.kill();
    broker = await start();
    const committed = await collect('kj-crash', false);
    const uncommitted = await collect('kj-crash', true);
    await waitFor('read_uncommitted to see the open transaction', () => uncommitted.values.length === 1);
    // The timeout aborts it (fencing the producer); a new producer of the id then commits.
    await waitFor('the coordinator to abort the timed-out transaction', async () => (await txnState('kj-crash-tx')) === 'CompleteAbort', { timeoutMs: 15_000 });
    expect((await rejection(t.commit())).type).toBe('INVALID_PRODUCER_EPOCH');
    const next = producer('kj-crash-tx');
    await next.connect();
    const t2 = await next.transaction();
    await t2.send({ topic: 'kj-crash', messages: [{ key: 'k', value: 'next' }] });
    await t2.commit();
    await waitFor('read_committed to see the next transaction', () => committed.values.includes('next'));
    expect(committed.values).toEqual(['next']);
    await waitFor('read_uncommitted to see both', () => uncommitted.values.length === 2);
    expect(uncommitted.values).toEqual(['lost', 'next']);
  });
});

/** The state of a transactional id, with DescribeTransactions through the raw protocol. */
async function txnState(transactionalId: string): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const r = await c.request(65, 0, { transactionalIds: [transactionalId] });
    return r.transactionStates[0].transactionState;
  } finally {
    c.close();
  }
}
