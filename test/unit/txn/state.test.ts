// The transaction state machine (src/txn/state.ts): Kafka's allowed transitions, epoch bumps
// and their KIP-360 retries, producer id rotation when the epoch is exhausted, and the checks
// a completed change must pass.
import { describe, expect, it } from 'vitest';
import { TxnMetadata, STATES, stateById, isEpochExhausted } from '../../../src/txn/state.js';

const fresh = (epoch = -1, producerId = 7) => new TxnMetadata('tx', { producerId, producerEpoch: epoch, txnTimeoutMs: 1000, lastUpdateTimestamp: 0 });

describe('TxnMetadata', () => {
  it('goes Empty → Ongoing → PrepareCommit → CompleteCommit, keeping partitions until complete', () => {
    const m = fresh();
    m.complete(m.prepareIncrementEpoch(1000, null, 1)!);
    expect([m.state.name, m.producerEpoch]).toEqual(['Empty', 0]);
    m.complete(m.prepareAddPartitions(['t:0'], 5));
    m.complete(m.prepareAddPartitions(['t:1'], 6));
    expect([m.state.name, [...m.partitions], m.startTimestamp]).toEqual(['Ongoing', ['t:0', 't:1'], 5]);
    m.complete(m.prepareAbortOrCommit(true, 7));
    expect(m.state.name).toBe('PrepareCommit');
    m.complete(m.prepareComplete(8));
    expect([m.state.name, m.partitions.size, m.lastUpdateTimestamp]).toEqual(['CompleteCommit', 0, 8]);
    // A new transaction starts at its first partition.
    m.complete(m.prepareAddPartitions(['t:2'], 9));
    expect(m.startTimestamp).toBe(9);
  });

  it('refuses a transition Kafka does not allow, and a second change while one is pending', () => {
    const m = fresh(0);
    expect(() => m.prepareAbortOrCommit(true, 1)).toThrow(/Empty cannot go to PrepareCommit/);
    const t = m.prepareAddPartitions(['t:0'], 1);
    expect(() => m.prepareAddPartitions(['t:1'], 2)).toThrow(/pending/);
    m.abandon();
    expect(m.state.name).toBe('Empty');
    expect(() => m.complete(t)).toThrow(/nothing is pending/);
  });

  it('fences: the epoch goes up once even when the fence\'s write failed before', () => {
    const m = fresh(3);
    m.complete(m.prepareAddPartitions(['t:0'], 1));
    const fence = m.prepareFenceEpoch();
    expect(fence.state.name).toBe('PrepareEpochFence');
    m.beginFencedAbort(fence);
    expect(m.producerEpoch).toBe(4);
    m.prepareAbortOrCommit(false, 2);
    m.abandon(); // the write failed
    m.hasFailedEpochFence = true;
    m.beginFencedAbort(m.prepareFenceEpoch());
    expect(m.producerEpoch).toBe(4);
    m.complete(m.prepareAbortOrCommit(false, 3));
    m.complete(m.prepareComplete(4));
    expect([m.state.name, m.producerEpoch, m.hasFailedEpochFence]).toEqual(['CompleteAbort', 4, false]);
  });

  it('KIP-360: bumps for the current epoch, repeats for the previous one, refuses any other', () => {
    const m = fresh(5);
    m.complete(m.prepareIncrementEpoch(1000, 5, 1)!);
    expect([m.producerEpoch, m.lastProducerEpoch]).toEqual([6, 5]);
    const retry = m.prepareIncrementEpoch(1000, 5, 2)!;
    expect(retry.producerEpoch).toBe(6);
    m.complete(retry);
    expect(m.prepareIncrementEpoch(1000, 3, 3)).toBeNull();
    m.abandon();
    m.complete(m.prepareIncrementEpoch(2000, null, 4)!);
    expect([m.producerEpoch, m.lastProducerEpoch, m.txnTimeoutMs]).toEqual([7, -1, 2000]);
  });

  it('moves to a new producer id at epoch 0 when the epoch is exhausted', () => {
    const m = fresh(32766);
    expect(isEpochExhausted(m.producerEpoch)).toBe(true);
    expect(() => m.prepareIncrementEpoch(1000, null, 1)).toThrow(/exhausted/);
    m.complete(m.prepareProducerIdRotation(8, 1000, 1, true));
    expect([m.producerId, m.previousProducerId, m.producerEpoch, m.lastProducerEpoch]).toEqual([8, 7, 0, 32766]);
  });

  it('keeps Kafka\'s state ids and which states may expire', () => {
    expect(Object.values(STATES).map((s) => [s.id, s.name])).toEqual([
      [0, 'Empty'], [1, 'Ongoing'], [2, 'PrepareCommit'], [3, 'PrepareAbort'], [4, 'CompleteCommit'], [5, 'CompleteAbort'], [6, 'Dead'], [7, 'PrepareEpochFence'],
    ]);
    expect(Object.values(STATES).filter((s) => s.expirationAllowed).map((s) => s.name)).toEqual(['Empty', 'CompleteCommit', 'CompleteAbort']);
    expect(() => stateById(8)).toThrow(/unknown transaction state/);
  });
});
