// A partition's log as the main thread knows it: segments, log start/end offsets, indexes.
// Appends go to the partition's append worker; their results keep this view current.
// Reads are served from the segment files straight into core memory regions.
import type { Core, Region, RegionPool } from '../core/index.js';
import { decodeBatches } from '../core/index.js';
import type { AppendPool, AppendResult, PartitionHandle } from '../storage/append-pool.js';
import { FLAG_ROLL, FLAG_STRICT } from '../storage/channel.js';
import type { WriterConfig } from '../storage/partition-writer.js';
import type { TopicConfig } from '../config/config.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { Segment } from './segment.js';

export interface ReadResult {
  /** Whole record batches (a view of core memory until release()), possibly empty. */
  records: Buffer;
  /** Bit n set: some batch uses codec n (Fetch before v10 cannot take zstd). */
  codecs: number;
  release(): void;
}

const NO_RECORDS: ReadResult = { records: Buffer.alloc(0), codecs: 0, release() {} };

/** Bytes read ahead of the fetch size to find the batch holding the fetch offset. */
const SCAN_SLACK = 64 << 10;

export class PartitionLog {
  readonly key: string;
  segments: Segment[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  /** Offset up to which the log is synced to disk. */
  recoveryPoint = 0;
  handle: PartitionHandle | null = null;
  private waiters = new Set<() => void>();
  /** Appends submitted and not yet completed (deletion waits for them). */
  private inflight = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    public config: TopicConfig,
    private readonly core: Core,
    private readonly regions: RegionPool,
    private readonly pool: AppendPool,
  ) {
    this.key = `${topic}-${partition}`;
  }

  /** One broker: every acknowledged append is committed. */
  get highWatermark(): number {
    return this.logEndOffset;
  }

  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1];
  }

  get sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  writerConfig(): WriterConfig {
    const c = this.config;
    // A compacted log rolls by max.compaction.lag.ms too, or its newest records could never
    // leave the active segment to be compacted (Kafka's LogConfig.maxSegmentMs).
    const compacted = c.list('cleanup.policy').includes('compact');
    return {
      segmentBytes: c.number('segment.bytes'),
      segmentMs: compacted ? Math.min(c.number('segment.ms'), c.number('max.compaction.lag.ms')) : c.number('segment.ms'),
      segmentJitterMs: c.number('segment.jitter.ms'),
      flushMessages: c.number('flush.messages'),
      flushMs: c.number('flush.ms'),
    };
  }

  newSegment(baseOffset: number, size = 0): Segment {
    return new Segment(this.core, this.regions, this.dir, baseOffset, size, this.config.number('segment.index.bytes'));
  }

  /**
   * Appends one record batch (exactly one, magic 2). The append worker validates it and
   * assigns its offsets in place: a batch already in core memory (a request frame) is used
   * where it lies, any other is copied in first. Resolves with the worker's result; the
   * log's view (segments, index, end offset) is updated before it resolves.
   */
  async append(batch: Uint8Array, strict = true): Promise<AppendResult> {
    if (!this.handle) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
    const flags = (strict ? FLAG_STRICT : 0) | (this.activeSegment.index.isFull ? FLAG_ROLL : 0);
    const logAppendTime = this.config.logAppendTime ? Date.now() : -1;
    const copy = this.core.mem.holds(batch) ? null : this.regions.alloc(batch.length);
    if (copy) this.core.mem.write(copy.ptr, batch);
    this.inflight++;
    let result: AppendResult;
    try {
      result = await this.pool.append(this.handle, copy ? copy.ptr : batch.byteOffset, batch.length, flags, logAppendTime);
    } finally {
      this.inflight--;
      if (copy) this.regions.release(copy);
    }
    if (result.status !== 0) return result;
    if (result.rolled) {
      const old = this.activeSegment;
      old.index.onRolled();
      void old.index.save(old.paths.index, old.paths.timeIndex);
      this.segments.push(this.newSegment(result.baseOffset));
    }
    const segment = this.activeSegment;
    segment.index.onAppend({
      lastOffset: result.lastOffset, position: result.position, size: result.size,
      maxTimestamp: result.maxTimestamp, offsetOfMaxTimestamp: result.offsetOfMaxTimestamp,
    }, this.config.number('index.interval.bytes'));
    segment.size = result.position + result.size;
    this.logEndOffset = result.lastOffset + 1;
    this.wake();
    return result;
  }

  /** Appends still on their way to disk. */
  get appending(): number {
    return this.inflight;
  }

  /** Calls `listener` once at the next append (long-polling fetches). */
  onNextAppend(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w();
  }

  /** The segment holding `offset` (the last one whose base offset is <= offset). */
  segmentFor(offset: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = this.segments[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Whole batches from `fetchOffset`, at most maxBytes of them, from one segment as Kafka
   * reads (the first batch even when larger, with minOneBatch: KIP-74). Throws
   * OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset].
   */
  async read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound = this.highWatermark): Promise<ReadResult> {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}] of ${this.key}`);
    }
    for (let segment = this.segmentFor(fetchOffset); segment && fetchOffset < upperBound; segment = this.nextSegment(segment)) {
      const result = await this.readSegment(segment, fetchOffset, maxBytes, minOneBatch, upperBound);
      if (result) return result;
      // fetchOffset lies past this segment's batches (e.g. compacted away): try the next one.
    }
    return NO_RECORDS;
  }

  /** The segment after `segment`, by base offset (it may have been replaced or removed meanwhile). */
  private nextSegment(segment: Segment): Segment | undefined {
    return this.segments.find((s) => s.baseOffset > segment.baseOffset);
  }

  /**
   * Puts `replacement` in the place of `old` (a compacted copy), or removes `old` when null.
   * False when `old` is no longer in the log (retention or DeleteRecords removed it).
   */
  replaceSegment(old: Segment, replacement: Segment | null): boolean {
    const i = this.segments.indexOf(old);
    if (i < 0 || i === this.segments.length - 1) return false;
    if (replacement) this.segments[i] = replacement;
    else this.segments.splice(i, 1);
    return true;
  }

  private async readSegment(segment: Segment, fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound: number): Promise<ReadResult | null> {
    const end = segment.size;
    let position = segment.index.positionFor(fetchOffset);
    while (position < end) {
      const want = Math.min(end - position, maxBytes + SCAN_SLACK);
      let region = this.regions.alloc(want);
      try {
        let got = await segment.read(position, this.core.mem.view(region.ptr, want));
        const scan = this.core.scanAt(region.ptr, got, 0, Math.ceil(got / this.core.c.BATCH_HEADER_SIZE));
        if (scan.status < 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${this.key}: corrupt batch at position ${position + scan.bytes}`);
        const first = scan.batches.findIndex((b) => b.lastOffset >= fetchOffset);
        if (first < 0) {
          if (scan.bytes === 0) {
            // One batch larger than what we read: read exactly it.
            const header = this.core.readHeaderAt(region.ptr, got);
            if (header <= 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${this.key}: corrupt batch at position ${position}`);
            // Read now: the result area is shared by every request on this thread.
            const { lastOffset, compression } = this.core.header();
            if (lastOffset < fetchOffset) { position += header; this.regions.release(region); continue; }
            region = this.regions.grow(region, header, 0);
            got = await segment.read(position, this.core.mem.view(region.ptr, header));
            if (got < header || !minOneBatch && header > maxBytes) { this.regions.release(region); return NO_RECORDS; }
            return this.view(region, 0, header, 1 << compression);
          }
          position += scan.bytes;
          this.regions.release(region);
          continue;
        }
        const start = scan.batches[first].position;
        let stop = start;
        let codecMask = 0;
        for (let i = first; i < scan.batches.length; i++) {
          const b = scan.batches[i];
          if (b.baseOffset >= upperBound) break;
          if (b.position + b.size - start > maxBytes && !(i === first && minOneBatch)) break;
          stop = b.position + b.size;
          codecMask |= 1 << (b.attributes & this.core.c.COMPRESSION_MASK);
        }
        if (stop === start) {
          // The first batch did not fit in what was read; with minOneBatch read it whole.
          const b = scan.batches[first];
          if (!minOneBatch || b.baseOffset >= upperBound) { this.regions.release(region); return NO_RECORDS; }
          return this.view(region, start, b.size, 1 << (b.attributes & this.core.c.COMPRESSION_MASK));
        }
        return this.view(region, start, stop - start, codecMask);
      } catch (e) {
        this.regions.release(region);
        throw e;
      }
    }
    return null;
  }

  private view(region: Region, start: number, length: number, codecMask: number): ReadResult {
    const records = Buffer.from(this.core.mem.u8().buffer, region.ptr + start, length);
    let released = false;
    return {
      records,
      codecs: codecMask,
      release: () => {
        if (!released) this.regions.release(region);
        released = true;
      },
    };
  }

  /**
   * The first record with timestamp >= `timestamp` (Kafka's findOffsetByTimestamp): the
   * first segment whose largest timestamp reaches it, the time index, then the records.
   */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    await initCompression(); // the records may be in any codec
    for (const segment of this.segments) {
      if (segment.index.maxTimestamp < timestamp) continue;
      let from = Math.max(segment.index.offsetForTimestamp(timestamp), this.logStartOffset);
      while (from < this.logEndOffset) {
        const chunk = await this.read(from, 1 << 20, true);
        try {
          if (chunk.records.length === 0) break;
          for (const batch of decodeBatches(this.core, chunk.records, codecs)) {
            if (batch.header.maxTimestamp < timestamp) continue;
            for (const record of batch.records) {
              if (record.offset >= from && record.timestamp >= timestamp) return { offset: record.offset, timestamp: record.timestamp };
            }
          }
          from = this.lastOffsetIn(chunk.records) + 1;
        } finally {
          chunk.release();
        }
      }
    }
    return null;
  }

  /** The offset and timestamp of the record with the largest timestamp (ListOffsets -3). */
  async maxTimestampOffset(): Promise<{ offset: number; timestamp: number } | null> {
    let best: Segment | null = null;
    for (const segment of this.segments) if (segment.index.maxTimestamp >= 0 && (!best || segment.index.maxTimestamp > best.index.maxTimestamp)) best = segment;
    if (!best) return null;
    const found = await this.offsetForTimestamp(best.index.maxTimestamp);
    return found ?? { offset: best.index.offsetOfMaxTimestamp, timestamp: best.index.maxTimestamp };
  }

  private lastOffsetIn(records: Uint8Array): number {
    const scan = this.core.scan(records, 0, Math.ceil(records.length / this.core.c.BATCH_HEADER_SIZE));
    return scan.batches[scan.batches.length - 1].lastOffset;
  }

  /** Advances the log start offset (DeleteRecords); whole segments below it are deleted. */
  deleteRecordsBefore(offset: number, fileDeleteDelayMs: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.deleteSegmentsBelow(offset, fileDeleteDelayMs);
  }

  private deleteSegmentsBelow(offset: number, fileDeleteDelayMs: number): void {
    while (this.segments.length > 1 && this.segments[1].baseOffset <= offset) {
      this.segments.shift()!.delete(fileDeleteDelayMs);
    }
  }

  /**
   * Retention (cleanup.policy delete): deletes the oldest segments whose largest timestamp
   * is older than retention.ms, then while the log exceeds retention.bytes. Never the active
   * segment. Returns the number of segments deleted.
   */
  applyRetention(now: number): number {
    if (!this.config.list('cleanup.policy').includes('delete')) return 0;
    const retentionMs = this.config.number('retention.ms');
    const retentionBytes = this.config.number('retention.bytes');
    const delay = this.config.number('file.delete.delay.ms');
    let deleted = 0;
    let size = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const newest = oldest.index.maxTimestamp >= 0 ? oldest.index.maxTimestamp : oldest.createdMs;
      const expired = retentionMs >= 0 && now - newest > retentionMs;
      const oversized = retentionBytes >= 0 && size - oldest.size >= retentionBytes;
      if (!expired && !oversized) break;
      this.segments.shift();
      size -= oldest.size;
      oldest.delete(delay);
      deleted++;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
    }
    return deleted;
  }

  /** Saves every segment's indexes (clean shutdown). */
  saveIndexes(): void {
    for (const segment of this.segments) segment.index.saveSync(segment.paths.index, segment.paths.timeIndex);
  }

  close(): void {
    for (const segment of this.segments) {
      segment.close();
      segment.index.release();
    }
    this.wake();
  }
}
