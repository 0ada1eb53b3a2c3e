// A segment's transaction index (its .txnindex: storage/txn-index.ts) as the main thread reads
// it: loaded on the first read_committed fetch that needs it, as Kafka's lazy indexes, and
// kept (an entry is 32 bytes, one per aborted transaction). The append worker writes the
// active segment's file as ABORT markers land; their completions bring the same entries
// here, so the active segment's view stays whole whichever of the two it saw first.
import { readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { decodeTxnIndex, encodeTxnIndex, collectAbortedTxns, type AbortedTransaction } from '../storage/txn-index.js';

export class AbortedTxnIndex {
  /** 4 numbers per entry (producerId, firstOffset, lastOffset, lastStableOffset); null until loaded. */
  private entries: Float64Array | null = null;
  private count = 0;

  constructor(readonly path: string) {}

  /** Entries loaded (for tests and metrics); loads the file if needed. */
  get size(): number {
    this.load();
    return this.count;
  }

  private load(): Float64Array {
    if (this.entries) return this.entries;
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      bytes = Buffer.alloc(0);
    }
    const entries = decodeTxnIndex(bytes);
    this.count = entries.length / 4;
    this.entries = new Float64Array(Math.max(16, entries.length * 2));
    this.entries.set(entries);
    return this.entries;
  }

  /** An ABORT marker at lastOffset landed in this (active) segment. */
  add(producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): void {
    let entries = this.load();
    // The file may already hold it (the worker writes it before the marker is acknowledged).
    if (this.count > 0 && entries[(this.count - 1) * 4 + 2] >= lastOffset) return;
    if ((this.count + 1) * 4 > entries.length) {
      const grown = new Float64Array(entries.length * 2);
      grown.set(entries);
      this.entries = entries = grown;
    }
    entries.set([producerId, firstOffset, lastOffset, lastStableOffset], this.count * 4);
    this.count++;
  }

  /** Kafka's collectAbortedTxns (see storage/txn-index.ts): true when no later segment need be searched. */
  collect(fetchOffset: number, upperBound: number, into: AbortedTransaction[]): boolean {
    return collectAbortedTxns(this.load(), this.count, fetchOffset, upperBound, into);
  }

  /** The entries whose marker offset (lastOffset) `keep` accepts. */
  filter(keep: (lastOffset: number) => boolean): Float64Array {
    const entries = this.load();
    const kept: number[] = [];
    for (let i = 0; i < this.count; i++) if (keep(entries[i * 4 + 2])) kept.push(...entries.subarray(i * 4, i * 4 + 4));
    return Float64Array.from(kept);
  }

  /** Replaces the file with `entries` (the cleaner dropped markers): a temp file renamed over it; empty removes it. */
  static write(path: string, entries: Float64Array): void {
    if (entries.length === 0) {
      rmSync(path, { force: true });
      return;
    }
    writeFileSync(`${path}.tmp`, encodeTxnIndex(entries));
    renameSync(`${path}.tmp`, path);
  }
}
