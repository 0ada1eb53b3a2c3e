// The transaction coordinator on a real broker in process, through its own entry points
// (the protocol tests cover the requests): a stop between PrepareCommit and the markers is
// finished at the next start, with the transaction's offsets settled in the group; offsets
// pending at a restart are loaded as pending; the timeout and expiry rounds (which run on
// timers no test should wait for), and the expiry's tombstone across a restart. A coordinator
// following the leadership of __transaction_state (as in a cluster, here through a view whose
// leadership the test moves): NOT_COORDINATOR before, COORDINATOR_LOAD_IN_PROGRESS while
// loading, the loaded PrepareCommit finished, NOT_COORDINATOR again after it left.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { buildBatch } from '../../../src/core/index.js';
import { STATES } from '../../../src/txn/state.js';
import { TransactionCoordinator } from '../../../src/txn/coordinator.js';
import { TxnStateTopic, TRANSACTION_STATE_TOPIC } from '../../../src/txn/state-topic.js';
import { MarkerWriter } from '../../../src/txn/markers.js';
import type { ClusterView } from '../../../src/broker/cluster-view.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { waitFor } from '../../helpers/wait.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function start(dir: string): Promise<Broker> {
  return Broker.start(new BrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1', 'num.partitions': '1',
    'offsets.topic.num.partitions': '2', 'transaction.state.log.num.partitions': '2', 'transactional.id.expiration.ms': '60000',
  }), quiet);
}

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strom-txn-'));
  dirs.push(dir);
  return dir;
}

/** A transactional id with a transaction on t-0 (one batch) and offsets of group g in it. */
async function openTransaction(broker: Broker, id: string) {
  const init = await broker.txn.initProducerId(id, 60_000, null);
  expect(init.errorCode).toBe(0);
  await broker.groups.ensureReady();
  const offsetsPartition = `__consumer_offsets:${broker.groups.store.topic.partitionFor('g')}`;
  expect(await broker.txn.addPartitions(id, init.producerId, init.producerEpoch, ['t:0', offsetsPartition])).toBe(0);
  const batch = buildBatch(broker.core, [{ value: 'v' }], { transactional: true, producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0 });
  await broker.logs.partition('t', 0)!.append(batch);
  const codes = await broker.groups.commitTransactionalOffsets({
    groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, producerId: init.producerId, producerEpoch: init.producerEpoch,
    offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
  }, () => true);
  expect(codes).toEqual([0]);
  return init;
}

const committedOffset = (broker: Broker) => broker.groups.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0].committed?.offset ?? -1;

describe('transaction coordinator', () => {
  it('finishes at start a commit that a stop left between PrepareCommit and its markers', async () => {
    const dir = newDir();
    let broker = await start(dir);
    await broker.logs.createTopic('t', 1);
    const { producerId, producerEpoch } = await openTransaction(broker, 'tx-prepare');
    const log = broker.logs.partition('t', 0)!;
    expect(log.lastStableOffset).toBe(0);
    // What EndTxn writes first, then the broker stops before any marker.
    const meta = broker.txn.get('tx-prepare')!;
    await broker.txn.topic.write('tx-prepare', { ...meta.snapshot(), state: STATES.PrepareCommit, lastUpdateTimestamp: Date.now() });
    await broker.stop();

    broker = await start(dir);
    expect(broker.txn.describe('tx-prepare')).toMatchObject({ state: 'CompleteCommit', producerId, producerEpoch, partitions: [] });
    const after = broker.logs.partition('t', 0)!;
    expect(after.lastStableOffset).toBe(after.logEndOffset); // the marker is written
    expect(after.logEndOffset).toBe(2);
    expect(committedOffset(broker)).toBe(1); // and the offsets of the transaction count
    await broker.stop();
  });

  it('loads offsets of an open transaction as pending: an abort after the restart drops them', async () => {
    const dir = newDir();
    let broker = await start(dir);
    await broker.logs.createTopic('t', 1);
    const { producerId, producerEpoch } = await openTransaction(broker, 'tx-pending');
    await broker.stop();
    broker = await start(dir);
    expect(broker.groups.isOffsetPending('g', 't', 0)).toBe(true);
    expect(committedOffset(broker)).toBe(-1);
    expect(await broker.txn.endTxn('tx-pending', producerId, producerEpoch, false)).toBe(0);
    expect(broker.groups.isOffsetPending('g', 't', 0)).toBe(false);
    expect(committedOffset(broker)).toBe(-1);
    await broker.stop();
    broker = await start(dir); // the ABORT marker in __consumer_offsets drops them on load too
    expect(broker.groups.isOffsetPending('g', 't', 0)).toBe(false);
    expect(committedOffset(broker)).toBe(-1);
    await broker.stop();
  });

  it('aborts a transaction past its timeout, and expires an idle transactional id for good', async () => {
    const dir = newDir();
    let broker = await start(dir);
    await broker.logs.createTopic('t', 1);
    const { producerEpoch } = await openTransaction(broker, 'tx-idle');
    const meta = broker.txn.get('tx-idle')!;
    expect(await broker.txn.abortTimedOut(meta.startTimestamp + 60_000)).toBe(0);
    expect(await broker.txn.abortTimedOut(meta.startTimestamp + 60_001)).toBe(1);
    expect(broker.txn.describe('tx-idle')).toMatchObject({ state: 'CompleteAbort', producerEpoch: producerEpoch + 1 });
    expect(broker.logs.partition('t', 0)!.lastStableOffset).toBe(2);
    const idleSince = meta.lastUpdateTimestamp;
    expect(await broker.txn.expireTransactionalIds(idleSince + 59_999)).toBe(0);
    expect(await broker.txn.expireTransactionalIds(idleSince + 60_000)).toBe(1);
    expect(broker.txn.describe('tx-idle').errorCode).toBe(105); // TRANSACTIONAL_ID_NOT_FOUND
    await broker.stop();
    broker = await start(dir);
    expect(broker.txn.describe('tx-idle').errorCode).toBe(105);
    // The id starts over with a new producer id.
    const again = await broker.txn.initProducerId('tx-idle', 1000, null);
    expect(again).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    await broker.stop();
  });

  it('follows the leadership of its __transaction_state partition: loads it, finishes a PrepareCommit, drops it when it leaves', async () => {
    const broker = await start(newDir());
    try {
      await broker.logs.createTopic('t', 1);
      await openTransaction(broker, 'tx-move');
      const meta = broker.txn.get('tx-move')!;
      await broker.txn.topic.write('tx-move', { ...meta.snapshot(), state: STATES.PrepareCommit, lastUpdateTimestamp: Date.now() });
      const log = broker.logs.partition('t', 0)!;
      expect(log.lastStableOffset).toBe(0);

      // A second coordinator over the same logs, led by a view in which this broker leads __transaction_state only when `led`.
      const real = broker.context.cluster;
      let led = false;
      const listeners: ((topic: string, partition: number, leading: boolean) => void)[] = [];
      const view: ClusterView = Object.assign(Object.create(real) as ClusterView, {
        leads: (topic: string, partition: number) => (topic === TRANSACTION_STATE_TOPIC ? led : real.leads(topic, partition)),
        onLeaderChange: (l: (topic: string, partition: number, leading: boolean) => void) => { listeners.push(l); },
      });
      const moving = new TransactionCoordinator(broker.config, view, new TxnStateTopic(broker.logs, view, broker.core, broker.config),
        new MarkerWriter(view, broker.config, (topic, partition, producerId, commit) => {
          if (topic === '__consumer_offsets') broker.groups.completeTransaction(producerId, partition, commit);
        }), () => 1000, quiet);
      await moving.start();
      expect(moving.coordinatorError('tx-move')).toBe(ErrorCode.NOT_COORDINATOR);
      expect(moving.get('tx-move')).toBeUndefined();
      expect(await moving.endTxn('tx-move', meta.producerId, meta.producerEpoch, true)).toBe(ErrorCode.NOT_COORDINATOR);

      const partition = moving.topic.partitionFor('tx-move');
      led = true;
      for (const l of listeners) l(TRANSACTION_STATE_TOPIC, partition, true);
      expect(moving.coordinatorError('tx-move')).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      await waitFor('tx-move loaded and its commit finished', () => moving.get('tx-move')?.state.name === 'CompleteCommit');
      expect(moving.coordinatorError('tx-move')).toBe(ErrorCode.NONE);
      expect(log.lastStableOffset).toBe(log.logEndOffset); // the COMMIT marker is written
      expect(committedOffset(broker)).toBe(1);

      led = false;
      for (const l of listeners) l(TRANSACTION_STATE_TOPIC, partition, false);
      await waitFor('tx-move dropped', () => moving.get('tx-move') === undefined);
      expect(moving.coordinatorError('tx-move')).toBe(ErrorCode.NOT_COORDINATOR);
      expect(moving.describe('tx-move').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      moving.stop();
    } finally {
      await broker.stop();
    }
  });
});
