// src/storage/txn-index.ts: Kafka's transaction index entries (AbortedTxn, version 0) and its
// search for the aborted transactions a read_committed fetch lists.
import { describe, expect, it } from 'vitest';
import { encodeTxnEntry, encodeTxnIndex, decodeTxnIndex, collectAbortedTxns, TXN_ENTRY_BYTES, CorruptTxnIndexError, type AbortedTransaction } from '../../../src/storage/txn-index.js';

describe('transaction index entries', () => {
  it('are 34 bytes: int16 version 0, then producer id, first offset, last offset and LSO as int64, big-endian', () => {
    const entry = encodeTxnEntry(Buffer.alloc(TXN_ENTRY_BYTES), 0, 2 ** 33, 100, 250, 101);
    const expected = Buffer.alloc(34);
    expected.writeBigInt64BE(BigInt(2 ** 33), 2);
    expected.writeBigInt64BE(100n, 10);
    expected.writeBigInt64BE(250n, 18);
    expected.writeBigInt64BE(101n, 26);
    expect(entry.equals(expected)).toBe(true);
  });

  it('a file decodes to its whole entries: a torn last one (a crash mid-write) is left out; an unknown version is refused', () => {
    const file = encodeTxnIndex(Float64Array.from([1, 10, 20, 21, 2, 30, 40, 41]));
    expect([...decodeTxnIndex(file)]).toEqual([1, 10, 20, 21, 2, 30, 40, 41]);
    expect([...decodeTxnIndex(file.subarray(0, 34 + 20))]).toEqual([1, 10, 20, 21]);
    const future = Buffer.from(file);
    future.writeInt16BE(1, 34);
    expect(() => decodeTxnIndex(future)).toThrow(CorruptTxnIndexError);
  });

  it('collects the aborted transactions overlapping [fetchOffset, upperBound), and stops at an LSO past the bound', () => {
    // (pid, first, last, lso): aborted at 20 while nothing else was open; at 60 while a transaction from 45 was.
    const entries = Float64Array.from([1, 10, 20, 21, 2, 50, 60, 45, 3, 70, 80, 81, 4, 90, 95, 96]);
    const collect = (from: number, to: number) => {
      const found: AbortedTransaction[] = [];
      const complete = collectAbortedTxns(entries, 4, from, to, found);
      return { pids: found.map((a) => a.producerId), complete };
    };
    expect(collect(0, 15)).toEqual({ pids: [1], complete: true });
    expect(collect(21, 55)).toEqual({ pids: [2], complete: true }); // 60's LSO 45 < 55: on to 70's entry (LSO 81)
    expect(collect(61, 100)).toEqual({ pids: [3, 4], complete: false }); // may go on in a later segment
    expect(collect(0, 10)).toEqual({ pids: [], complete: true });
  });
});
