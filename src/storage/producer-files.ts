// The files an append worker writes for its partitions' producer state besides the log: the
// active segment's transaction index (appended as ABORT markers land) and producer state
// snapshots (when a segment rolls, and at a clean shutdown). Synchronous, in the worker's
// thread, as the log's own writes; fsyncs follow the log's.
import { openSync, writeSync, closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync } from 'node:fs';
import { TXN_ENTRY_BYTES, encodeTxnEntry } from './txn-index.js';

/**
 * Writes a snapshot file whole. `sync`: fsynced before returning (clean shutdown); else
 * fsynced in the background, as Kafka flushes a roll's snapshot with the rolled segment (a
 * crash before that may leave it torn: its CRC then fails and recovery uses an older one).
 */
export function writeSnapshotFile(path: string, bytes: Uint8Array, sync: boolean): void {
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    if (sync) fdatasyncSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (sync) closeSync(fd);
  else fdatasync(fd, () => closeSync(fd));
}

/** The active segment's .txnindex, opened when its first entry is written (Kafka creates it lazily too). */
export class TxnIndexWriter {
  private fd: number | null = null;
  private size = 0;
  private dirty = false;
  /** One entry's bytes, reused. */
  private readonly entry = Buffer.alloc(TXN_ENTRY_BYTES);

  constructor(private path: string) {}

  /** Appends an entry; on failure the file is cut back to its whole entries and the error thrown. */
  append(producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): void {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.size = fstatSync(this.fd).size;
    }
    encodeTxnEntry(this.entry, 0, producerId, firstOffset, lastOffset, lastStableOffset);
    try {
      for (let done = 0; done < TXN_ENTRY_BYTES;) done += writeSync(this.fd, this.entry, done, TXN_ENTRY_BYTES - done);
    } catch (e) {
      try { ftruncateSync(this.fd, this.size); } catch { /* recovery rebuilds the index */ }
      throw e;
    }
    this.size += TXN_ENTRY_BYTES;
    this.dirty = true;
  }

  /** Undoes the last append (its marker could not be written). */
  undo(): void {
    if (this.fd === null) return;
    this.size -= TXN_ENTRY_BYTES;
    try { ftruncateSync(this.fd, this.size); } catch { /* recovery rebuilds the index */ }
  }

  flushSync(): void {
    if (this.fd !== null && this.dirty) fdatasyncSync(this.fd);
    this.dirty = false;
  }

  /** The segment rolled: this index is synced and closed in the background; the next is `path`'s. */
  roll(path: string): void {
    const fd = this.fd;
    if (fd !== null) fdatasync(fd, () => closeSync(fd));
    this.fd = null;
    this.dirty = false;
    this.path = path;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
