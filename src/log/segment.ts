// One segment seen from the main thread: its log file (read-only here; the partition's
// append worker writes it), its size as far as appends have completed, and its indexes.
import { openSync, read, readSync, close, rename, unlink } from 'node:fs';
import type { Core } from '../core/index.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { segmentPaths, snapshotPath, DELETED_SUFFIX, type SegmentPaths } from '../storage/layout.js';
import { SegmentIndex, type IndexOptions } from './segment-index.js';
import type { IndexCache } from './index-cache.js';
import type { LogSource } from './segment-scan.js';
import { AbortedTxnIndex } from './aborted-txns.js';
import { readFiles, type ReadFile } from './read-files.js';

/** Reads up to this size are synchronous (see read()). */
const SYNC_READ_BYTES = 1 << 20;

export class Segment implements LogSource, ReadFile {
  readonly index: SegmentIndex;
  /** The aborted transactions whose ABORT markers lie in this segment (its .txnindex). */
  readonly txnIndex: AbortedTxnIndex;
  readonly paths: SegmentPaths;
  /** Bytes of whole, completed batches: reads never go past this. */
  size: number;
  /** When the segment was created (for segment.ms and, without timestamps, retention). */
  createdMs: number;
  /**
   * Bit n set: some batch of the segment uses codec n; null when not known (a segment found
   * on disk). Fetch versions that cannot take zstd need not read a segment known to hold none.
   */
  codecs: number | null;
  /** The read file, opened on first use. */
  private fd: number | null = null;
  /** Record sets streamed from this file and not yet written (acquire/release). */
  private refs = 0;
  /** Deleted, retired or closed: the file is closed once no stream holds it. */
  private closing = false;
  private deleted = false;
  /** Replaced by a compacted copy under the same name: never open the path again. */
  private retired = false;
  /** Its path may name another file now (pin()): the open file must stay open. */
  private pinned = false;

  /** The index starts unloaded: reset() it for a new segment, or load it (recovery.ts). */
  constructor(core: Core, cache: IndexCache, private readonly dir: string, readonly baseOffset: number, size: number, indexOptions: IndexOptions, createdMs = Date.now()) {
    this.paths = segmentPaths(dir, baseOffset);
    this.index = new SegmentIndex(core, cache, baseOffset, this.paths, indexOptions, this);
    this.txnIndex = new AbortedTxnIndex(this.paths.txnIndex);
    this.size = size;
    this.createdMs = createdMs;
    this.codecs = size === 0 ? 0 : null;
  }

  /**
   * The open read file (opened now if it is not: a local open takes microseconds). A read
   * that comes after the segment closed, or finds its file gone (its topic deleted, its
   * directory renamed), finds no partition: the request gets UNKNOWN_TOPIC_OR_PARTITION.
   */
  private file(): number {
    if (this.fd !== null) {
      readFiles.used(this);
      return this.fd;
    }
    if (this.retired || this.closing) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${this.paths.log} is closed (deleted, compacted or shut down)`);
    try {
      this.fd = openSync(this.paths.log, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${this.paths.log} is gone`);
      throw e;
    }
    readFiles.used(this);
    return this.fd;
  }

  /** Closes the read file if no stream holds it and its path still names it (strom.max.open.read.files). */
  closeIfIdle(): boolean {
    if (this.refs > 0 || this.pinned || this.fd === null) return false;
    close(this.fd, () => {});
    this.fd = null;
    return true;
  }

  /**
   * Reads up to `into.length` bytes at `position`; resolves with the bytes read. Reads up
   * to SYNC_READ_BYTES run on this thread: from the page cache they take microseconds, where
   * a hop to libuv's thread pool and back costs two thread wake-ups and a turn of the loop
   * for every partition a Fetch reads (the e2e tail, BENCHMARKS.md). A cold read blocks the
   * loop for the disk's time, as cold reads block Kafka's network threads.
   */
  async read(position: number, into: Uint8Array): Promise<number> {
    const fd = this.file();
    if (into.length <= SYNC_READ_BYTES) return readSync(fd, into, 0, into.length, position);
    this.refs++;
    try {
      return await new Promise<number>((resolve, reject) => {
        read(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n)));
      });
    } finally {
      this.release();
    }
  }

  /** Reads up to `into.length` bytes at `position` on this thread; returns the bytes read. */
  readSync(position: number, into: Uint8Array): number {
    return readSync(this.file(), into, 0, into.length, position);
  }

  /**
   * Keeps the read file open for a record set streamed from it (a Fetch response still being
   * written): deletion, compaction and shutdown close the file only after release().
   */
  acquire(): void {
    this.file();
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0 && this.closing) this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== null) close(this.fd, () => {});
    this.fd = null;
    readFiles.closed(this);
  }

  /** Closes the file at once, or when its last stream is released. */
  private closeWhenFree(): void {
    this.closing = true;
    if (this.refs === 0) this.closeFile();
  }

  /**
   * Removes the segment as Kafka does: renames its files to *.deleted at once (so a restart
   * ignores them) and unlinks them after delayMs, letting reads in progress finish. The
   * producer snapshot taken when it was rolled in goes too: the log it would be replayed
   * from is gone (Kafka's deleteProducerSnapshots).
   */
  delete(delayMs: number): void {
    if (this.deleted) return;
    this.deleted = true;
    const files = [this.paths.log, this.paths.index, this.paths.timeIndex, this.paths.txnIndex, snapshotPath(this.dir, this.baseOffset)];
    // The delay counts from the renames' end: a timer started beside them (at a delay of 0, or
    // with a busy thread pool) could unlink before a rename, leaving its .deleted file for good.
    let renaming = files.length;
    const renamed = () => {
      if (--renaming > 0) return;
      setTimeout(() => {
        this.closeWhenFree();
        for (const file of files) unlink(file + DELETED_SUFFIX, () => {});
      }, delayMs).unref();
    };
    // After the index's write in progress, which would otherwise create its files again.
    void this.index.written().then(() => {
      for (const file of files) rename(file, file + DELETED_SUFFIX, renamed);
    });
    this.index.release();
  }

  /**
   * Opens the read file now. The log cleaner calls it before renaming a compacted copy over
   * the file: reads through this object then keep seeing the bytes its index describes.
   */
  pin(): void {
    this.file();
    this.pinned = true;
  }

  /**
   * This object was replaced by a compacted copy of the same name (after pin()): reads in
   * progress finish on the old file, which is closed after delayMs, as delete() does. Its
   * index goes now: the index files by its name are the copy's, and must never be loaded
   * for it (a lookup on it answers "from the segment's start", always correct).
   */
  retire(delayMs: number): void {
    this.retired = true;
    this.index.release();
    setTimeout(() => this.closeWhenFree(), delayMs).unref();
  }

  /** Closes the read file (shutdown), once no stream holds it; the files stay. */
  close(): void {
    this.closeWhenFree();
  }
}
