// The write side of one partition, in the append worker that owns it: validates each batch
// and assigns its offsets in place (the core), checks it against the producer state
// (producer-state.ts: duplicates, sequences, epochs, transactions), rolls the active segment,
// writes the batch to disk straight from shared memory, and fsyncs by the flush policy.
// Writes the transaction markers a coordinator asks for, built by the core in this thread's
// scratch, and the files of the producer state: the active segment's transaction index and
// the snapshots taken at each roll and at shutdown. Runs only in a worker.
import { openSync, closeSync, writeSync, fdatasyncSync, fdatasync, ftruncateSync } from 'node:fs';
import type { Core, BatchHeader } from '../core/index.js';
import { segmentPaths, snapshotPath } from './layout.js';
import {
  FLAG_ROLL, FLAG_STRICT, FLAG_COMMIT, FLAG_REPLICA, STATUS_OFFSET_BEHIND, STATUS_IO_ERROR, STATUS_DISK_FULL, STATUS_OFFSET_OVERFLOW, failedDone, type AppendDone, type AppendJob,
} from './channel.js';
import { ProducerStateManager, DUPLICATE, ORIGIN_CLIENT, ORIGIN_COORDINATOR, type ProducerStateExport } from './producer-state.js';
import { encodeSnapshot } from './producer-snapshot.js';
import { TxnIndexWriter, writeSnapshotFile } from './producer-files.js';
import { ABI, type Ptr } from '../core/index.js';

export interface WriterConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  /** fsync after this many records (Number.MAX_SAFE_INTEGER = never). */
  flushMessages: number;
  /** fsync when the oldest unflushed record is this old (checked by the worker's timer). */
  flushMs: number;
  /** producer.id.expiration.ms: producers idle this long (no open transaction) are forgotten. */
  producerIdExpirationMs: number;
  /** producer.id.expiration.check.interval.ms. */
  producerIdExpirationCheckIntervalMs: number;
}

export interface WriterSpec {
  dir: string;
  /** The active segment: its base offset, bytes already in it, and when it was created. */
  activeBaseOffset: number;
  position: number;
  createdMs: number;
  nextOffset: number;
  config: WriterConfig;
  /** The producers' state at nextOffset, as recovery rebuilt it (log/producer-recovery.ts). */
  producers: ProducerStateExport[];
  /** The offset of the latest producer snapshot on disk (-1: none): one is taken only past it. */
  snapshotOffset: number;
}

const INT32_MAX = 0x7fffffff;

/** Each thread's scratch for the markers it builds (appends in a thread never overlap). */
const markerScratch = new WeakMap<Core, Ptr>();

export class PartitionWriter {
  private fd: number;
  private activeBaseOffset: number;
  private position: number;
  private createdMs: number;
  private nextOffset: number;
  private unflushedRecords = 0;
  /** Reused for every append: no per-batch objects on the hot path. */
  private readonly header: Partial<BatchHeader> = {};
  private readonly done: AppendDone = failedDone(0);
  private oldestUnflushedMs = 0;
  readonly producers = new ProducerStateManager();
  private readonly txnIndex: TxnIndexWriter;
  private snapshotOffset: number;
  private lastExpiryCheckMs = Date.now();
  /** A segment was rolled and no batch written to it has been reported yet (the main thread adds it then). */
  private rolled = false;
  config: WriterConfig;
  /** Called with the offset up to which the log is on disk (the recovery point). */
  onFlushed: (offset: number) => void = () => {};
  /** Called with what went wrong in the background (a snapshot that could not be written). */
  onWarning: (message: string) => void = () => {};

  constructor(private readonly core: Core, readonly dir: string, spec: WriterSpec) {
    this.activeBaseOffset = spec.activeBaseOffset;
    this.position = spec.position;
    this.createdMs = spec.createdMs;
    this.nextOffset = spec.nextOffset;
    this.config = spec.config;
    this.snapshotOffset = spec.snapshotOffset;
    for (const entry of spec.producers) this.producers.load(entry);
    this.fd = openSync(segmentPaths(dir, this.activeBaseOffset).log, 'a+');
    this.txnIndex = new TxnIndexWriter(segmentPaths(dir, this.activeBaseOffset).txnIndex);
  }

  /**
   * Appends the batch at ptr (length bytes, exactly one batch: the main thread checked) and
   * says what became of it (an object reused by every call). Offsets are assigned only to a
   * batch that validates, passes the producer checks and is written, so a rejected or failed
   * append leaves no gap; a retried batch is answered with where it went the first time.
   */
  append(ptr: Ptr, length: number, flags: number, logAppendTime: number, leaderEpoch = 0, expectedOffset = -1): AppendDone {
    if (flags & FLAG_REPLICA) return this.appendReplica(ptr, length, flags, expectedOffset);
    const size = this.core.validateAssignAt(ptr, length, flags & FLAG_STRICT ? ABI.F_STRICT : 0, this.nextOffset, leaderEpoch, logAppendTime);
    if (size < 0) return this.failed(size);
    const header = this.core.header(this.header);
    const producerId = header.producerId;
    if (producerId >= 0) {
      const verdict = this.producers.checkData(producerId, header.producerEpoch, header.baseSequence, header.lastOffsetDelta, header.isTransactional,
        flags & FLAG_STRICT ? ORIGIN_CLIENT : ORIGIN_COORDINATOR);
      if (verdict === DUPLICATE) return this.duplicate(header.recordsCount, logAppendTime);
      if (verdict < 0) return this.failed(verdict, this.producers.detail);
    }
    const now = Date.now();
    let status = this.makeRoom(size, flags, header, now);
    if (status === 0) status = this.write(ptr, size);
    if (status !== 0) return this.failed(status);
    const done = this.appended(header, size, now, logAppendTime);
    if (producerId >= 0) {
      done.txnStarted = this.producers.appendData(producerId, header.producerEpoch, header.baseSequence, header.baseOffset, header.lastOffset,
        header.maxTimestamp, header.isTransactional);
    }
    return done;
  }

  /**
   * Writes a COMMIT or ABORT marker for the job's producer (FLAG_MARKER): it ends the
   * producer's open transaction; an aborted one gets its entry in the active segment's
   * transaction index, written before the marker so that no reader ever finds the marker
   * without it.
   */
  appendMarker(job: AppendJob): AppendDone {
    const { producerId, producerEpoch, coordinatorEpoch } = job;
    const commit = (job.flags & FLAG_COMMIT) !== 0;
    const refused = this.producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    if (refused < 0) return this.failed(refused, this.producers.detail);
    const now = Date.now();
    const timestamp = job.logAppendTime >= 0 ? job.logAppendTime : now;
    let ptr = markerScratch.get(this.core);
    if (ptr === undefined) markerScratch.set(this.core, (ptr = this.core.mem.reserve(ABI.MARKER_BATCH_SIZE, 64)));
    const built = this.core.writeMarkerAt(ptr, commit, coordinatorEpoch, producerId, producerEpoch, timestamp);
    const size = this.core.validateAssignAt(ptr, built, 0, this.nextOffset, job.leaderEpoch, job.logAppendTime);
    if (size < 0) return this.failed(size);
    return this.writeMarker(ptr, size, this.core.header(this.header), commit, coordinatorEpoch, job.flags, now, timestamp, job.logAppendTime);
  }

  /**
   * A follower's copy of one batch of its leader (FLAG_REPLICA): checked (CRC, bounds) and
   * written as it is, with the leader's offsets and leader epoch; the producer state follows
   * it without judging it (the leader did), markers included, as Kafka's follower appends.
   * `expectedOffset`: the log end the main thread queued it behind (a failed batch before
   * it leaves the log end elsewhere, and this one is refused).
   */
  private appendReplica(ptr: Ptr, length: number, flags: number, expectedOffset: number): AppendDone {
    if (expectedOffset !== this.nextOffset) return this.failed(STATUS_OFFSET_BEHIND, this.nextOffset);
    const size = this.core.validateBatchAt(ptr, length, 0);
    if (size < 0) return this.failed(size);
    const header = this.core.header(this.header);
    if (header.baseOffset < this.nextOffset) return this.failed(STATUS_OFFSET_BEHIND, this.nextOffset);
    const now = Date.now();
    if (header.isControl && header.producerId >= 0) {
      const type = this.core.controlTypeAt(ptr, size);
      if (type === ABI.CONTROL_ABORT || type === ABI.CONTROL_COMMIT) {
        const coordinatorEpoch = this.core.coordinatorEpoch();
        // controlTypeAt left its own header in the result area: read ours again.
        this.core.readHeaderAt(ptr, size);
        return this.writeMarker(ptr, size, this.core.header(this.header), type === ABI.CONTROL_COMMIT, coordinatorEpoch, flags, now, header.maxTimestamp, -1);
      }
      this.core.readHeaderAt(ptr, size);
      this.core.header(this.header);
    }
    let status = this.makeRoom(size, flags, header, now);
    if (status === 0) status = this.write(ptr, size);
    if (status !== 0) return this.failed(status);
    const done = this.appended(header, size, now, -1);
    if (header.producerId >= 0 && !header.isControl) {
      done.txnStarted = this.producers.appendData(header.producerId, header.producerEpoch, header.baseSequence, header.baseOffset, header.lastOffset,
        header.maxTimestamp, header.isTransactional);
    }
    return done;
  }

  /** Writes the marker batch at ptr (validated, offsets assigned: `header`), ending its producer's transaction. */
  private writeMarker(ptr: Ptr, size: number, header: BatchHeader, commit: boolean, coordinatorEpoch: number, flags: number, now: number, timestamp: number, logAppendTime: number): AppendDone {
    const producerId = header.producerId;
    const producerEpoch = header.producerEpoch;
    let status = this.makeRoom(size, flags, header, now);
    if (status !== 0) return this.failed(status);
    const completed = this.producers.previewMarker(producerId, header.baseOffset);
    const aborted = !commit && completed;
    if (aborted) {
      try {
        this.txnIndex.append(producerId, this.producers.completedFirstOffset, header.baseOffset, this.producers.completedLastStableOffset);
      } catch (e) {
        return this.failed((e as NodeJS.ErrnoException).code === 'ENOSPC' ? STATUS_DISK_FULL : STATUS_IO_ERROR);
      }
    }
    status = this.write(ptr, size);
    if (status !== 0) {
      if (aborted) this.txnIndex.undo();
      return this.failed(status);
    }
    const done = this.appended(header, size, now, logAppendTime);
    if (aborted) {
      done.abortedFirstOffset = this.producers.completedFirstOffset;
      done.abortedLastStableOffset = this.producers.completedLastStableOffset;
    }
    this.producers.appendMarker(producerId, producerEpoch, coordinatorEpoch, header.baseOffset, timestamp);
    return done;
  }

  /** Rolls the segment first when the batch must start a new one. Returns 0 or a failure status. */
  private makeRoom(size: number, flags: number, header: BatchHeader, now: number): number {
    const span = header.lastOffset - this.activeBaseOffset;
    if (span > INT32_MAX && this.position === 0) return STATUS_OFFSET_OVERFLOW;
    if (this.position > 0 && ((flags & FLAG_ROLL) !== 0 || this.position + size > this.config.segmentBytes
      || now - this.createdMs > this.config.segmentMs - this.config.segmentJitterMs || span > INT32_MAX)) {
      this.roll(header.baseOffset, now);
    }
    return 0;
  }

  /** The batch just written: the log's position and flush counters move on; `done` says where it went. */
  private appended(header: BatchHeader, size: number, now: number, logAppendTime: number): AppendDone {
    const done = this.done;
    const position = this.position;
    this.position += size;
    this.nextOffset = header.lastOffset + 1;
    if (this.unflushedRecords === 0) this.oldestUnflushedMs = now;
    this.unflushedRecords += header.recordsCount;
    const maxOffsetDelta = this.core.resultInt(ABI.R_MAX_TIMESTAMP_DELTA);
    done.status = 0;
    done.baseOffset = header.baseOffset;
    done.lastOffset = header.lastOffset;
    done.maxTimestamp = header.maxTimestamp;
    // The record holding the max timestamp when the walk saw it; else the batch's last offset
    // (Kafka's "shallow" offset for compressed batches).
    done.offsetOfMaxTimestamp = maxOffsetDelta >= 0 && logAppendTime < 0 ? header.baseOffset + maxOffsetDelta : header.lastOffset;
    done.position = position;
    done.size = size;
    done.rolled = this.rolled;
    done.records = header.recordsCount;
    done.logAppendTime = logAppendTime;
    done.duplicate = false;
    done.txnStarted = false;
    done.abortedFirstOffset = -1;
    done.abortedLastStableOffset = -1;
    done.detail = -1;
    done.producerId = header.producerId;
    this.rolled = false;
    if (this.unflushedRecords >= this.config.flushMessages) this.flushSync();
    return done;
  }

  private duplicate(records: number, logAppendTime: number): AppendDone {
    const done = this.done;
    const p = this.producers;
    done.status = 0;
    done.duplicate = true;
    done.baseOffset = p.duplicateBaseOffset;
    done.lastOffset = p.duplicateLastOffset;
    done.maxTimestamp = p.duplicateTimestamp;
    done.offsetOfMaxTimestamp = p.duplicateLastOffset;
    done.position = -1;
    done.size = 0;
    done.rolled = false;
    done.records = records;
    done.logAppendTime = logAppendTime >= 0 ? p.duplicateTimestamp : -1;
    done.txnStarted = false;
    done.abortedFirstOffset = -1;
    done.abortedLastStableOffset = -1;
    done.detail = -1;
    done.producerId = -1;
    return done;
  }

  private failed(status: number, detail = -1): AppendDone {
    this.done.status = status;
    this.done.detail = detail;
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

  /**
   * Starts a new segment at `baseOffset`; the old one is synced in the background. The
   * producer state as it stands (before the batch that starts the new segment) is
   * snapshotted at `baseOffset`, as Kafka's roll does: recovery then replays at most the
   * active segment.
   */
  private roll(baseOffset: number, now: number): void {
    this.takeSnapshot(baseOffset, false);
    const old = this.fd;
    this.fd = openSync(segmentPaths(this.dir, baseOffset).log, 'a+');
    this.txnIndex.roll(segmentPaths(this.dir, baseOffset).txnIndex);
    this.activeBaseOffset = baseOffset;
    this.position = 0;
    this.createdMs = now;
    this.rolled = true;
    // Kafka flushes a rolled segment asynchronously; its base is then the recovery point.
    fdatasync(old, (err) => {
      closeSync(old);
      if (!err) this.onFlushed(baseOffset);
    });
  }

  /** Writes a snapshot of the producer state at `offset` unless one is there already. */
  private takeSnapshot(offset: number, sync: boolean): void {
    if (offset <= this.snapshotOffset) return;
    try {
      writeSnapshotFile(snapshotPath(this.dir, offset), encodeSnapshot(this.producers.snapshotEntries(), (b) => this.core.crc32c(b)), sync);
      this.snapshotOffset = offset;
    } catch (e) {
      // Recovery then starts from an older snapshot and replays more of the log.
      this.onWarning(`${this.dir}: cannot write the producer snapshot at offset ${offset}: ${(e as Error).message}`);
    }
  }

  /**
   * Clean shutdown: a synced snapshot at the log end, so the next start replays nothing. None
   * where no producer state was ever kept: a clean start without snapshots rebuilds nothing
   * (producer-recovery.ts), and a start deleted the empty snapshot of an empty log anyway,
   * so each of 10,000 idle partitions cost a write, an fsync and an unlink per restart.
   */
  snapshotSync(): void {
    if (this.snapshotOffset < 0 && this.producers.producers.size === 0) return;
    this.takeSnapshot(this.nextOffset, true);
  }

  /** fsyncs the active segment (and its transaction index) if anything is unflushed (flush policy, shutdown). */
  flushSync(): void {
    if (this.unflushedRecords === 0) return;
    fdatasyncSync(this.fd);
    this.txnIndex.flushSync();
    this.unflushedRecords = 0;
    this.onFlushed(this.nextOffset);
  }

  /** The worker's timer: the flush.ms policy, and producer.id.expiration.ms every check interval. */
  maybeFlush(now: number): void {
    if (this.unflushedRecords > 0 && now - this.oldestUnflushedMs >= this.config.flushMs) this.flushSync();
    if (now - this.lastExpiryCheckMs >= this.config.producerIdExpirationCheckIntervalMs) {
      this.lastExpiryCheckMs = now;
      this.producers.removeExpired(now, this.config.producerIdExpirationMs);
    }
  }

  close(): void {
    closeSync(this.fd);
    this.txnIndex.close();
  }
}
