// src/storage/producer-state.ts: Kafka's producer state rules (ProducerStateManager,
// ProducerAppendInfo), checked call by call as the append worker makes them.
import { describe, expect, it } from 'vitest';
import {
  ProducerStateManager, DUPLICATE, ORIGIN_CLIENT, ORIGIN_COORDINATOR, BATCHES_RETAINED, incrementSequence, decrementSequence,
} from '../../../src/storage/producer-state.js';
import {
  STATUS_OUT_OF_ORDER_SEQUENCE, STATUS_INVALID_PRODUCER_EPOCH, STATUS_INVALID_TXN_STATE, STATUS_COORDINATOR_FENCED,
} from '../../../src/storage/channel.js';

const PID = 1000;

/** Appends a batch of `count` records for a producer at `offset` as the writer does (check, then append); returns the verdict. */
function append(s: ProducerStateManager, o: { pid?: number; epoch?: number; seq: number; count?: number; offset: number; txn?: boolean; origin?: number; ts?: number }): number {
  const count = o.count ?? 1;
  const pid = o.pid ?? PID;
  const verdict = s.checkData(pid, o.epoch ?? 0, o.seq, count - 1, o.txn ?? false, o.origin ?? ORIGIN_CLIENT);
  if (verdict === 0) s.appendData(pid, o.epoch ?? 0, o.seq, o.offset, o.offset + count - 1, o.ts ?? 1_000, o.txn ?? false);
  return verdict;
}

describe('idempotent producer state', () => {
  it('accepts batches in sequence and answers a retry of any of the last 5 with its original offsets', () => {
    const s = new ProducerStateManager();
    for (let i = 0; i < 7; i++) expect(append(s, { seq: i * 3, count: 3, offset: 100 + i * 10, ts: 5000 + i })).toBe(0);
    // Batches 2..6 are kept (5 of them): each is a duplicate of itself.
    for (let i = 2; i < 7; i++) {
      expect(s.checkData(PID, 0, i * 3, 2, false, ORIGIN_CLIENT)).toBe(DUPLICATE);
      expect([s.duplicateBaseOffset, s.duplicateLastOffset, s.duplicateTimestamp]).toEqual([100 + i * 10, 102 + i * 10, 5000 + i]);
    }
    // Batch 1 fell out of the window: no longer recognised, and behind the sequence.
    expect(s.checkData(PID, 0, 3, 2, false, ORIGIN_CLIENT)).toBe(STATUS_OUT_OF_ORDER_SEQUENCE);
    expect(s.detail).toBe(20);
    expect(s.entry(PID)!.batches).toBe(BATCHES_RETAINED);
  });

  it('a gap, or a retry whose range differs, is OUT_OF_ORDER_SEQUENCE_NUMBER with the last sequence as detail', () => {
    const s = new ProducerStateManager();
    expect(append(s, { seq: 0, count: 5, offset: 0 })).toBe(0);
    expect(append(s, { seq: 6, offset: 5 })).toBe(STATUS_OUT_OF_ORDER_SEQUENCE);
    expect(s.detail).toBe(4);
    expect(append(s, { seq: 0, count: 4, offset: 5 })).toBe(STATUS_OUT_OF_ORDER_SEQUENCE); // same start, other end
    expect(append(s, { seq: 5, offset: 5 })).toBe(0);
  });

  it('an older epoch is INVALID_PRODUCER_EPOCH; a newer one must start at sequence 0 and forgets the old batches', () => {
    const s = new ProducerStateManager();
    expect(append(s, { epoch: 3, seq: 0, count: 2, offset: 0 })).toBe(0);
    expect(append(s, { epoch: 2, seq: 2, offset: 2 })).toBe(STATUS_INVALID_PRODUCER_EPOCH);
    expect(s.detail).toBe(3);
    expect(append(s, { epoch: 4, seq: 2, offset: 2 })).toBe(STATUS_OUT_OF_ORDER_SEQUENCE);
    expect(append(s, { epoch: 4, seq: 0, offset: 2 })).toBe(0);
    // The epoch-3 batch is no duplicate any more: its epoch is gone.
    expect(s.checkData(PID, 3, 0, 1, false, ORIGIN_CLIENT)).toBe(STATUS_INVALID_PRODUCER_EPOCH);
    expect(s.entry(PID)!.batches).toBe(1);
  });

  it('KIP-360: a producer the partition does not know may start at any sequence', () => {
    const s = new ProducerStateManager();
    expect(append(s, { epoch: 7, seq: 4242, offset: 0 })).toBe(0);
    expect(append(s, { epoch: 7, seq: 4243, offset: 1 })).toBe(0);
    expect(append(s, { epoch: 7, seq: 4245, offset: 2 })).toBe(STATUS_OUT_OF_ORDER_SEQUENCE);
  });

  it('sequences wrap from 2^31-1 to 0 (Kafka\'s incrementSequence)', () => {
    expect(incrementSequence(0x7ffffffe, 3)).toBe(1);
    expect(decrementSequence(1, 3)).toBe(0x7ffffffe);
    const s = new ProducerStateManager();
    expect(append(s, { seq: 0x7ffffffd, count: 3, offset: 0 })).toBe(0);
    expect(s.entry(PID)!.lastSequence).toBe(0x7fffffff);
    expect(append(s, { seq: 0, count: 2, offset: 3 })).toBe(0);
    expect(s.checkData(PID, 0, 0x7ffffffd, 2, false, ORIGIN_CLIENT)).toBe(DUPLICATE);
  });

  it('a coordinator\'s appends are checked for their epoch only', () => {
    const s = new ProducerStateManager();
    expect(append(s, { epoch: 1, seq: -1, offset: 0, origin: ORIGIN_COORDINATOR })).toBe(0);
    expect(append(s, { epoch: 1, seq: -1, offset: 1, origin: ORIGIN_COORDINATOR })).toBe(0);
    expect(append(s, { epoch: 0, seq: -1, offset: 2, origin: ORIGIN_COORDINATOR })).toBe(STATUS_INVALID_PRODUCER_EPOCH);
  });

  it('forgets producers idle past producer.id.expiration.ms, never one with an open transaction', () => {
    const s = new ProducerStateManager();
    append(s, { pid: 1, seq: 0, offset: 0, ts: 1000 });
    append(s, { pid: 2, seq: 0, offset: 1, ts: 1000, txn: true });
    append(s, { pid: 3, seq: 0, offset: 2, ts: 9000 });
    expect(s.removeExpired(10_000, 5000)).toBe(1);
    expect([...s.producers.keys()].sort()).toEqual([2, 3]);
    // Forgotten: its next batch starts afresh at any sequence.
    expect(append(s, { pid: 1, seq: 77, offset: 3 })).toBe(0);
  });

  it('snapshot entries hold what a restarted partition needs to go on', () => {
    const s = new ProducerStateManager();
    append(s, { pid: 1, epoch: 2, seq: 0, count: 4, offset: 10, ts: 111 });
    append(s, { pid: 2, epoch: 0, seq: 0, count: 1, offset: 14, ts: 222, txn: true });
    const restored = new ProducerStateManager();
    for (const e of s.snapshotEntries()) restored.load(e);
    expect(restored.snapshotEntries()).toEqual(s.snapshotEntries());
    expect(restored.checkData(1, 2, 0, 3, false, ORIGIN_CLIENT)).toBe(DUPLICATE);
    expect(restored.duplicateBaseOffset).toBe(10);
    expect(append(restored, { pid: 1, epoch: 2, seq: 4, offset: 15 })).toBe(0);
    expect(restored.firstUnstableOffset).toBe(14);
    expect(restored.ongoing.get(2)).toBe(14);
  });
});

describe('transactions in the producer state', () => {
  it('a transactional batch opens the producer\'s transaction; only transactional batches follow until a marker', () => {
    const s = new ProducerStateManager();
    expect(s.appendData(PID, 0, 0, 50, 52, 1, true)).toBe(true);
    expect(s.appendData(PID, 0, 3, 53, 53, 1, true)).toBe(false); // already open
    expect(s.firstUnstableOffset).toBe(50);
    expect(s.checkData(PID, 0, 4, 0, false, ORIGIN_CLIENT)).toBe(STATUS_INVALID_TXN_STATE);
    expect(s.detail).toBe(50);
    s.appendMarker(PID, 0, 5, 54, 2);
    expect(s.completedFirstOffset).toBe(50);
    expect(s.completedLastStableOffset).toBe(55); // nothing else open: the offset after the marker
    expect(s.firstUnstableOffset).toBe(-1);
    expect(s.checkData(PID, 0, 4, 0, false, ORIGIN_CLIENT)).toBe(0);
  });

  it('the LSO recorded with an aborted transaction is the earliest other open transaction', () => {
    const s = new ProducerStateManager();
    s.appendData(1, 0, 0, 10, 10, 1, true);
    s.appendData(2, 0, 0, 11, 11, 1, true);
    s.appendData(3, 0, 0, 12, 12, 1, true);
    expect(s.previewMarker(2, 13)).toBe(true);
    expect([s.completedFirstOffset, s.completedLastStableOffset]).toEqual([11, 10]);
    s.appendMarker(1, 0, 0, 13, 1);
    expect(s.firstUnstableOffset).toBe(11);
    s.appendMarker(2, 0, 0, 14, 1);
    expect(s.completedLastStableOffset).toBe(12);
    expect(s.firstUnstableOffset).toBe(12);
    // A marker for a producer with nothing open completes nothing.
    expect(s.previewMarker(9, 15)).toBe(false);
    expect(s.completedFirstOffset).toBe(-1);
  });

  it('markers: an older producer epoch is INVALID_PRODUCER_EPOCH, an older coordinator epoch is fenced; a marker\'s epoch bump restarts sequences', () => {
    const s = new ProducerStateManager();
    s.appendData(PID, 3, 0, 0, 1, 1, true);
    expect(s.checkMarker(PID, 2, 0)).toBe(STATUS_INVALID_PRODUCER_EPOCH);
    expect(s.checkMarker(PID, 3, 0)).toBe(0);
    s.appendMarker(PID, 4, 7, 2, 1); // the coordinator aborted with a bumped epoch (fencing)
    expect(s.checkMarker(PID, 4, 6)).toBe(STATUS_COORDINATOR_FENCED);
    expect(s.detail).toBe(7);
    expect(s.checkData(PID, 3, 2, 0, true, ORIGIN_CLIENT)).toBe(STATUS_INVALID_PRODUCER_EPOCH);
    expect(s.checkData(PID, 4, 2, 0, true, ORIGIN_CLIENT)).toBe(STATUS_OUT_OF_ORDER_SEQUENCE);
    expect(s.checkData(PID, 4, 0, 0, true, ORIGIN_CLIENT)).toBe(0);
  });
});
