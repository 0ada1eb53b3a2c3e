// A segment's offset index and time index, held in core memory in Kafka's on-disk format
// (big-endian 8-byte and 12-byte entries), searched by the core, written to the segment's
// .index and .timeindex files when it rolls and at shutdown. After an unclean stop they are
// rebuilt from the log (recovery.ts), as Kafka does.
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Core, Region, RegionPool } from '../core/index.js';
import { ABI } from '../core/index.js';

/** What the index needs to know of each appended batch. */
export interface IndexedBatch {
  lastOffset: number;
  position: number;
  size: number;
  maxTimestamp: number;
  /** Offset of the record with maxTimestamp (the last offset when unknown, as Kafka's shallow offset). */
  offsetOfMaxTimestamp: number;
}

export class CorruptIndexError extends Error {
  override name = 'CorruptIndexError';
}

const INITIAL_ENTRIES = 256;

export class SegmentIndex {
  private offsets: Region;
  private times: Region;
  offsetEntries = 0;
  timeEntries = 0;
  private bytesSinceLastEntry = 0;
  /** Largest record timestamp in the segment, and the offset of that record. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  private lastTimeEntry = -1;
  private readonly offsetSize: number;
  private readonly timeSize: number;
  /** Entries the index may hold (segment.index.bytes): a full index rolls the segment. */
  private readonly maxOffsetEntries: number;
  private readonly maxTimeEntries: number;

  constructor(private readonly core: Core, private readonly pool: RegionPool, readonly baseOffset: number, maxIndexBytes: number) {
    this.offsetSize = ABI.OFFSET_ENTRY_SIZE;
    this.timeSize = ABI.TIME_ENTRY_SIZE;
    this.maxOffsetEntries = Math.max(1, Math.floor(maxIndexBytes / this.offsetSize));
    this.maxTimeEntries = Math.max(1, Math.floor(maxIndexBytes / this.timeSize));
    this.offsets = pool.alloc(INITIAL_ENTRIES * this.offsetSize);
    this.times = pool.alloc(INITIAL_ENTRIES * this.timeSize);
  }

  get isFull(): boolean {
    return this.offsetEntries >= this.maxOffsetEntries || this.timeEntries >= this.maxTimeEntries;
  }

  /**
   * Kafka's LogSegment.append rule: after more than index.interval.bytes of log since the
   * last entry, index this batch (last offset -> its position) and the largest timestamp so far.
   */
  onAppend(batch: IndexedBatch, indexIntervalBytes: number): void {
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.offsetOfMaxTimestamp;
    }
    if (this.bytesSinceLastEntry > indexIntervalBytes) {
      this.appendOffset(batch.lastOffset, batch.position);
      this.maybeAppendTime(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastEntry = 0;
    }
    this.bytesSinceLastEntry += batch.size;
  }

  /** When the segment stops being active, Kafka indexes its largest timestamp once more. */
  onRolled(): void {
    this.maybeAppendTime(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  private appendOffset(offset: number, position: number): void {
    if (this.offsetEntries >= this.maxOffsetEntries) return;
    if ((this.offsetEntries + 1) * this.offsetSize > this.offsets.capacity) {
      this.offsets = this.pool.grow(this.offsets, this.offsets.capacity * 2, this.offsetEntries * this.offsetSize);
    }
    this.core.offsetIndexPut(this.offsets.ptr, this.offsetEntries++, offset - this.baseOffset, position);
  }

  private maybeAppendTime(timestamp: number, offset: number): void {
    if (timestamp <= this.lastTimeEntry || this.timeEntries >= this.maxTimeEntries) return;
    if ((this.timeEntries + 1) * this.timeSize > this.times.capacity) {
      this.times = this.pool.grow(this.times, this.times.capacity * 2, this.timeEntries * this.timeSize);
    }
    this.core.timeIndexPut(this.times.ptr, this.timeEntries++, timestamp, offset - this.baseOffset);
    this.lastTimeEntry = timestamp;
  }

  /** Position of a batch at or before `offset`'s batch (0 when no entry is at or below it). */
  positionFor(offset: number): number {
    const slot = this.core.offsetIndexFloor(this.offsets.ptr, this.offsetEntries, offset - this.baseOffset);
    return slot < 0 ? 0 : this.core.indexValue();
  }

  /** Position of the last indexed batch that starts at or before `position` (0 when none does). */
  positionAtOrBefore(position: number): number {
    let lo = 0;
    let hi = this.offsetEntries - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      this.core.indexEntry(this.offsets.ptr, mid, false);
      const at = this.core.indexValue();
      if (at <= position) {
        found = at;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** An offset from which records with timestamp >= `timestamp` can be searched (TimeIndex.lookup). */
  offsetForTimestamp(timestamp: number): number {
    const slot = this.core.timeIndexFloor(this.times.ptr, this.timeEntries, timestamp);
    return slot < 0 ? this.baseOffset : this.baseOffset + this.core.indexValue();
  }

  /** Starts over (recovery rebuilds the index from the log). */
  reset(): void {
    this.offsetEntries = 0;
    this.timeEntries = 0;
    this.bytesSinceLastEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.lastTimeEntry = -1;
  }

  private bytes(): { offsets: Uint8Array; times: Uint8Array } {
    return {
      offsets: this.core.mem.read(this.offsets.ptr, this.offsetEntries * this.offsetSize),
      times: this.core.mem.read(this.times.ptr, this.timeEntries * this.timeSize),
    };
  }

  saveSync(indexPath: string, timeIndexPath: string): void {
    const { offsets, times } = this.bytes();
    writeFileSync(indexPath, offsets);
    writeFileSync(timeIndexPath, times);
  }

  async save(indexPath: string, timeIndexPath: string): Promise<void> {
    const { offsets, times } = this.bytes();
    await Promise.all([writeFile(indexPath, offsets), writeFile(timeIndexPath, times)]);
  }

  /**
   * Loads index files written by saveSync/save. Throws CorruptIndexError when they are
   * missing, the wrong size, not increasing, or point past the log (Kafka's sanityCheck);
   * the caller then rebuilds the index from the log.
   */
  load(indexPath: string, timeIndexPath: string, logSize: number): void {
    let offsets: Buffer;
    let times: Buffer;
    try {
      offsets = readFileSync(indexPath);
      times = readFileSync(timeIndexPath);
    } catch (e) {
      throw new CorruptIndexError(`cannot read index: ${(e as Error).message}`);
    }
    if (offsets.length % this.offsetSize !== 0 || times.length % this.timeSize !== 0) throw new CorruptIndexError('index size is not a whole number of entries');
    this.reset();
    this.offsets = this.pool.grow(this.offsets, Math.max(offsets.length, this.offsets.capacity), 0);
    this.times = this.pool.grow(this.times, Math.max(times.length, this.times.capacity), 0);
    this.core.mem.write(this.offsets.ptr, offsets);
    this.core.mem.write(this.times.ptr, times);
    const offsetEntries = offsets.length / this.offsetSize;
    const timeEntries = times.length / this.timeSize;
    const badOffset = this.core.indexCheck(this.offsets.ptr, offsetEntries, false, logSize);
    if (badOffset >= 0) throw new CorruptIndexError(`offset index entry ${badOffset} is out of order or past the log`);
    const badTime = this.core.indexCheck(this.times.ptr, timeEntries, true);
    if (badTime >= 0) throw new CorruptIndexError(`time index entry ${badTime} is out of order`);
    this.offsetEntries = offsetEntries;
    this.timeEntries = timeEntries;
    if (timeEntries > 0) {
      this.core.indexEntry(this.times.ptr, timeEntries - 1, true);
      this.maxTimestamp = this.core.indexKey();
      this.offsetOfMaxTimestamp = this.baseOffset + this.core.indexValue();
    }
    this.lastTimeEntry = this.maxTimestamp;
  }

  release(): void {
    this.pool.release(this.offsets);
    this.pool.release(this.times);
  }
}
