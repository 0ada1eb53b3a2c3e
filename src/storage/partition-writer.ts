// The write side of one partition, in the append worker that owns it: validates each batch
// and assigns its offsets in place (the core), rolls the active segment, writes the batch to
// disk straight from shared memory, and fsyncs by the flush policy. Runs only in a worker.
import { openSync, closeSync, writeSync, fdatasyncSync, fdatasync, ftruncateSync } from 'node:fs';
import type { Core, BatchHeader } from '../core/index.js';
import { segmentPaths } from './layout.js';
import { FLAG_ROLL, FLAG_STRICT, STATUS_IO_ERROR, STATUS_DISK_FULL, STATUS_OFFSET_OVERFLOW, type AppendDone } from './channel.js';
import { ABI, type Ptr } from '../core/index.js';

export interface WriterConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  /** fsync after this many records (Number.MAX_SAFE_INTEGER = never). */
  flushMessages: number;
  /** fsync when the oldest unflushed record is this old (checked by the worker's timer). */
  flushMs: number;
}

export interface WriterSpec {
  dir: string;
  /** The active segment: its base offset, bytes already in it, and when it was created. */
  activeBaseOffset: number;
  position: number;
  createdMs: number;
  nextOffset: number;
  config: WriterConfig;
}

const INT32_MAX = 0x7fffffff;

export class PartitionWriter {
  private fd: number;
  private activeBaseOffset: number;
  private position: number;
  private createdMs: number;
  private nextOffset: number;
  private unflushedRecords = 0;
  /** Reused for every append: no per-batch objects on the hot path. */
  private readonly header: Partial<BatchHeader> = {};
  private readonly done: AppendDone = { status: 0, baseOffset: -1, lastOffset: -1, maxTimestamp: -1, offsetOfMaxTimestamp: -1, position: -1, size: 0, rolled: false, records: 0, logAppendTime: -1 };
  private oldestUnflushedMs = 0;
  config: WriterConfig;
  /** Called with the offset up to which the log is on disk (the recovery point). */
  onFlushed: (offset: number) => void = () => {};

  constructor(private readonly core: Core, readonly dir: string, spec: WriterSpec) {
    this.activeBaseOffset = spec.activeBaseOffset;
    this.position = spec.position;
    this.createdMs = spec.createdMs;
    this.nextOffset = spec.nextOffset;
    this.config = spec.config;
    this.fd = openSync(segmentPaths(dir, this.activeBaseOffset).log, 'a+');
  }

  /**
   * Appends the batch at ptr (length bytes, exactly one batch: the main thread checked) and
   * says what became of it (an object reused by every call). Offsets are assigned only to a
   * batch that validates and is written, so a rejected or failed append leaves no gap.
   */
  append(ptr: Ptr, length: number, flags: number, logAppendTime: number): AppendDone {
    const core = this.core;
    const done = this.done;
    const size = core.validateAssignAt(ptr, length, flags & FLAG_STRICT ? ABI.F_STRICT : 0, this.nextOffset, 0, logAppendTime);
    if (size < 0) return this.failed(size);
    const header = core.header(this.header);
    if (header.lastOffset - this.activeBaseOffset > INT32_MAX && this.position === 0) return this.failed(STATUS_OFFSET_OVERFLOW);
    const now = Date.now();
    let rolled = false;
    if (this.position > 0 && ((flags & FLAG_ROLL) !== 0 || this.position + size > this.config.segmentBytes
      || now - this.createdMs > this.config.segmentMs - this.config.segmentJitterMs
      || header.lastOffset - this.activeBaseOffset > INT32_MAX)) {
      this.roll(header.baseOffset, now);
      rolled = true;
    }
    const position = this.position;
    const status = this.write(ptr, size);
    if (status !== 0) return this.failed(status);
    this.position += size;
    this.nextOffset = header.lastOffset + 1;
    if (this.unflushedRecords === 0) this.oldestUnflushedMs = now;
    this.unflushedRecords += header.recordsCount;
    const maxOffsetDelta = core.resultInt(ABI.R_MAX_TIMESTAMP_DELTA);
    done.status = 0;
    done.baseOffset = header.baseOffset;
    done.lastOffset = header.lastOffset;
    done.maxTimestamp = header.maxTimestamp;
    // The record holding the max timestamp when the walk saw it; else the batch's last offset
    // (Kafka's "shallow" offset for compressed batches).
    done.offsetOfMaxTimestamp = maxOffsetDelta >= 0 && logAppendTime < 0 ? header.baseOffset + maxOffsetDelta : header.lastOffset;
    done.position = position;
    done.size = size;
    done.rolled = rolled;
    done.records = header.recordsCount;
    done.logAppendTime = logAppendTime;
    if (this.unflushedRecords >= this.config.flushMessages) this.flushSync();
    return done;
  }

  private failed(status: number): AppendDone {
    this.done.status = status;
    return this.done;
  }

  /** Writes the whole batch at the current position; on failure cuts the file back. */
  private write(ptr: Ptr, size: number): number {
    const bytes = this.core.mem.view(ptr, size);
    let done = 0;
    try {
      while (done < size) done += writeSync(this.fd, bytes, done, size - done, this.position + done);
      return 0;
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.position);
      } catch {
        // The file stays longer than the log; recovery truncates it at the next start.
      }
      return (e as NodeJS.ErrnoException).code === 'ENOSPC' ? STATUS_DISK_FULL : STATUS_IO_ERROR;
    }
  }

  /** Starts a new segment at `baseOffset`; the old one is synced in the background. */
  private roll(baseOffset: number, now: number): void {
    const old = this.fd;
    this.fd = openSync(segmentPaths(this.dir, baseOffset).log, 'a+');
    this.activeBaseOffset = baseOffset;
    this.position = 0;
    this.createdMs = now;
    // Kafka flushes a rolled segment asynchronously; its base is then the recovery point.
    fdatasync(old, (err) => {
      closeSync(old);
      if (!err) this.onFlushed(baseOffset);
    });
  }

  /** fsyncs the active segment if anything is unflushed (flush policy, shutdown). */
  flushSync(): void {
    if (this.unflushedRecords === 0) return;
    fdatasyncSync(this.fd);
    this.unflushedRecords = 0;
    this.onFlushed(this.nextOffset);
  }

  /** The flush.ms policy, called by the worker's timer. */
  maybeFlush(now: number): void {
    if (this.unflushedRecords > 0 && now - this.oldestUnflushedMs >= this.config.flushMs) this.flushSync();
  }

  close(): void {
    closeSync(this.fd);
  }
}
