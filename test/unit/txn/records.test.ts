// The records of __transaction_state (src/txn/records.ts) in Kafka's layout: the key is
// version 0 and the transactional id; the value version 0 is producer id, epoch, timeout,
// status, partitions by topic (null when Empty) and the two timestamps.
import { describe, expect, it } from 'vitest';
import { txnKey, txnValue, readTxnKey, readTxnValue } from '../../../src/txn/records.js';
import { STATES } from '../../../src/txn/state.js';

describe('__transaction_state records', () => {
  it('writes the key as Kafka does: int16 version 0, then the id as an int16-length string', () => {
    expect(txnKey('tx')).toEqual(Buffer.from([0, 0, 0, 2, 0x74, 0x78]));
    expect(readTxnKey(txnKey('tx-é'))).toBe('tx-é');
    expect(readTxnKey(Buffer.from([0, 9, 0, 0]))).toBeNull(); // a key version Strom does not know
  });

  it('writes the value as TransactionLogValue v0, partitions grouped by topic', () => {
    const value = txnValue({ producerId: 5, producerEpoch: 2, txnTimeoutMs: 60000, state: STATES.Ongoing, partitions: ['a:0', 'b:3', 'a:1'], lastUpdateTimestamp: 1000, startTimestamp: 900 });
    const expected = Buffer.concat([
      Buffer.from([0, 0]), // version 0
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 5]), Buffer.from([0, 2]), Buffer.from([0, 0, 0xea, 0x60]), Buffer.from([1]), // id, epoch, timeout, Ongoing
      Buffer.from([0, 0, 0, 2]), // two topics
      Buffer.from([0, 1, 0x61, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]), // "a": [0, 1]
      Buffer.from([0, 1, 0x62, 0, 0, 0, 1, 0, 0, 0, 3]), // "b": [3]
      Buffer.from([0, 0, 0, 0, 0, 0, 0x03, 0xe8]), Buffer.from([0, 0, 0, 0, 0, 0, 0x03, 0x84]), // last update, start
    ]);
    expect(value).toEqual(expected);
    expect(readTxnValue(value)).toEqual({ producerId: 5, producerEpoch: 2, txnTimeoutMs: 60000, state: STATES.Ongoing, partitions: ['a:0', 'a:1', 'b:3'], lastUpdateTimestamp: 1000, startTimestamp: 900 });
  });

  it('writes no partitions (null) in the Empty state, and refuses an unknown value version', () => {
    const value = txnValue({ producerId: 1, producerEpoch: 0, txnTimeoutMs: 1, state: STATES.Empty, partitions: [], lastUpdateTimestamp: 0, startTimestamp: -1 });
    expect(value.readInt32BE(2 + 8 + 2 + 4 + 1)).toBe(-1);
    expect(readTxnValue(value).partitions).toEqual([]);
    const future = Buffer.from(value);
    future.writeInt16BE(7, 0);
    expect(() => readTxnValue(future)).toThrow(/unknown __transaction_state value version 7/);
  });
});
