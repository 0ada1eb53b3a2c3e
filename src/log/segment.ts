// One segment seen from the main thread: its log file (read-only here; the partition's
// append worker writes it), its size as far as appends have completed, and its indexes.
import { open, openSync, read, readSync, close, rename, unlink } from 'node:fs';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Core, RegionPool } from '../core/index.js';
import { segmentPaths, DELETED_SUFFIX } from './layout.js';
import { SegmentIndex } from './segment-index.js';

/** Reads up to this size are synchronous (see read()). */
const SYNC_READ_BYTES = 1 << 20;

export class Segment {
  readonly index: SegmentIndex;
  readonly paths: { log: string; index: string; timeIndex: string };
  /** Bytes of whole, completed batches: reads never go past this. */
  size: number;
  /** When the segment was created (for segment.ms and, without timestamps, retention). */
  createdMs: number;
  private fd: Promise<number> | null = null;
  private deleted = false;
  /** Replaced by a compacted copy under the same name: never open the path again. */
  private retired = false;
  /** Closed (shutdown, or its topic deleted): reads that come late find no partition. */
  private closed = false;

  constructor(core: Core, pool: RegionPool, dir: string, readonly baseOffset: number, size: number, maxIndexBytes: number, createdMs = Date.now()) {
    this.paths = segmentPaths(dir, baseOffset);
    this.index = new SegmentIndex(core, pool, baseOffset, maxIndexBytes);
    this.size = size;
    this.createdMs = createdMs;
  }

  private file(): Promise<number> {
    if (this.closed) return Promise.reject(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${this.paths.log} is closed: its partition is gone`));
    if (this.retired && !this.fd) return Promise.reject(new Error(`${this.paths.log} was replaced by its compacted copy`));
    if (this.fd) return this.fd;
    const opening: Promise<number> = new Promise((resolve, reject) => open(this.paths.log, 'r', (err, fd) => {
      if (!err) return resolve(fd);
      if (this.fd === opening) this.fd = null;
      // Its directory renamed by a topic deletion (or the file by retention) under an open in flight.
      reject(err.code === 'ENOENT' ? new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${this.paths.log} is gone`) : err);
    }));
    this.fd = opening;
    return opening;
  }

  /**
   * Reads up to `into.length` bytes at `position`; resolves with the bytes read. Reads up
   * to SYNC_READ_BYTES run on this thread: from the page cache they take microseconds, where
   * a hop to libuv's thread pool and back costs two thread wake-ups and a turn of the loop
   * for every partition a Fetch reads (the e2e tail, BENCHMARKS.md). A cold read blocks the
   * loop for the disk's time, as cold reads block Kafka's network threads.
   */
  async read(position: number, into: Uint8Array): Promise<number> {
    const fd = await this.file();
    if (into.length <= SYNC_READ_BYTES) return readSync(fd, into, 0, into.length, position);
    return new Promise((resolve, reject) => {
      read(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  /**
   * Removes the segment as Kafka does: renames its files to *.deleted at once (so a restart
   * ignores them) and unlinks them after delayMs, letting reads in progress finish.
   */
  delete(delayMs: number): void {
    if (this.deleted) return;
    this.deleted = true;
    const files = [this.paths.log, this.paths.index, this.paths.timeIndex];
    const fd = this.fd;
    this.fd = null;
    for (const file of files) rename(file, file + DELETED_SUFFIX, () => {});
    setTimeout(() => {
      void fd?.then((n) => close(n, () => {}), () => {});
      for (const file of files) unlink(file + DELETED_SUFFIX, () => {});
    }, delayMs).unref();
    this.index.release();
  }

  /**
   * Opens the read file now. The log cleaner calls it before renaming a compacted copy over
   * the file: reads through this object then keep seeing the bytes its index describes.
   */
  async pin(): Promise<void> {
    await this.file();
  }

  /**
   * This object was replaced by a compacted copy of the same name (after pin()): reads in
   * progress finish on the old file, which is closed after delayMs, as delete() does.
   */
  retire(delayMs: number): void {
    this.retired = true;
    const fd = this.fd;
    setTimeout(() => {
      void fd?.then((n) => close(n, () => {}), () => {});
      if (this.fd === fd) this.fd = null;
      this.index.release();
    }, delayMs).unref();
  }

  /** Opens the read file now, synchronously: before its directory is renamed away. */
  pinSync(): void {
    if (!this.fd && !this.retired && !this.closed) this.fd = Promise.resolve(openSync(this.paths.log, 'r'));
  }

  /** Closes the read file (shutdown); the files stay. */
  close(): void {
    this.closed = true;
    void this.fd?.then((n) => close(n, () => {}), () => {});
    this.fd = null;
  }
}
