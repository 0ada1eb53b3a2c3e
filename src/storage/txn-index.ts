// A segment's transaction index (Kafka's TransactionIndex, <base>.txnindex): one entry per
// aborted transaction whose ABORT marker lies in the segment, appended as the marker is:
//   int16 version (0), int64 producerId, int64 firstOffset, int64 lastOffset (the marker's),
//   int64 lastStableOffset (the LSO when the marker was written)
// 34 bytes each, big-endian, no header. A read_committed Fetch lists the aborted transactions
// overlapping the range it returns, so that its client drops their records. Entries are held
// here as a Float64Array (4 numbers each: producerId, firstOffset, lastOffset, lastStableOffset).

export const TXN_ENTRY_BYTES = 34;
const TXN_ENTRY_VERSION = 0;

/** An aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export class CorruptTxnIndexError extends Error {
  override name = 'CorruptTxnIndexError';
}

/** Writes one entry into `into` at `at` (34 bytes); returns `into`. */
export function encodeTxnEntry(into: Buffer, at: number, producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): Buffer {
  into.writeInt16BE(TXN_ENTRY_VERSION, at);
  into.writeBigInt64BE(BigInt(producerId), at + 2);
  into.writeBigInt64BE(BigInt(firstOffset), at + 10);
  into.writeBigInt64BE(BigInt(lastOffset), at + 18);
  into.writeBigInt64BE(BigInt(lastStableOffset), at + 26);
  return into;
}

/**
 * The entries of a .txnindex file's bytes: whole entries only (a torn last one, from a crash
 * while it was written, is left out). Throws for an entry of an unknown version.
 */
export function decodeTxnIndex(bytes: Uint8Array): Float64Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const count = Math.floor(b.length / TXN_ENTRY_BYTES);
  const out = new Float64Array(count * 4);
  for (let i = 0; i < count; i++) {
    const at = i * TXN_ENTRY_BYTES;
    const version = b.readInt16BE(at);
    if (version !== TXN_ENTRY_VERSION) throw new CorruptTxnIndexError(`entry ${i} has version ${version}`);
    out[i * 4] = Number(b.readBigInt64BE(at + 2));
    out[i * 4 + 1] = Number(b.readBigInt64BE(at + 10));
    out[i * 4 + 2] = Number(b.readBigInt64BE(at + 18));
    out[i * 4 + 3] = Number(b.readBigInt64BE(at + 26));
  }
  return out;
}

export function encodeTxnIndex(entries: Float64Array, count = entries.length / 4): Buffer {
  const out = Buffer.alloc(count * TXN_ENTRY_BYTES);
  for (let i = 0; i < count; i++) encodeTxnEntry(out, i * TXN_ENTRY_BYTES, entries[i * 4], entries[i * 4 + 1], entries[i * 4 + 2], entries[i * 4 + 3]);
  return out;
}

/**
 * Kafka's collectAbortedTxns: the entries among `count` overlapping [fetchOffset, upperBound)
 * go to `into`; returns true when the search is complete (an entry's LSO reaches upperBound:
 * no transaction aborted later can have started before upperBound), false when later
 * segments' indexes must be searched too.
 */
export function collectAbortedTxns(entries: Float64Array, count: number, fetchOffset: number, upperBound: number, into: AbortedTransaction[]): boolean {
  for (let i = 0; i < count; i++) {
    const producerId = entries[i * 4];
    const firstOffset = entries[i * 4 + 1];
    const lastOffset = entries[i * 4 + 2];
    const lastStableOffset = entries[i * 4 + 3];
    if (lastOffset >= fetchOffset && firstOffset < upperBound) into.push({ producerId, firstOffset, lastOffset, lastStableOffset });
    if (lastStableOffset >= upperBound) return true;
  }
  return false;
}
