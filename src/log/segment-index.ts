// A segment's offset index and time index, in Kafka's on-disk format (big-endian 8-byte and
// 12-byte entries), searched by the core in core memory.
//
// The active segment's index is appended to as batches land and stays in core memory. When
// the segment rolls, the index is written to its .index and .timeindex files and handed to
// the index cache (index-cache.ts): from then on it may be evicted, and the next lookup that
// needs it loads it again from its files (Kafka's LazyIndex). What the broker needs of every
// segment without a lookup is kept here in plain fields: the largest timestamp and its
// offset (retention, time lookups, the cleaner) and the entry counts. At start-up an
// inactive segment's come from its files' sizes and the time index's last entry, which
// holds the segment's largest timestamp (one small read per segment, as Kafka reads
// lastEntry); the files are read whole only when a lookup needs them. An index file found
// missing or corrupt then is rebuilt from the log. After an unclean stop, the segments that
// may hold unsynced data have their indexes rebuilt by recovery (recovery.ts), as Kafka does.
import { rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { RegionPool, type Core } from '../core/index.js';
import { ABI } from '../core/index.js';
import { IndexFile, type IndexCache } from './index-cache.js';
import { walkSegment, type LogSource } from './segment-scan.js';
import { CorruptIndexError, indexFileSize, readIndexFileSync, readTail, readWholeSync } from './index-files.js';


/** What the index needs to know of each appended batch. */
export interface IndexedBatch {
  lastOffset: number;
  position: number;
  size: number;
  maxTimestamp: number;
  /** Offset of the record with maxTimestamp (the last offset when unknown, as Kafka's shallow offset). */
  offsetOfMaxTimestamp: number;
}

export interface IndexOptions {
  /** segment.index.bytes: a full index rolls the segment. */
  maxIndexBytes: number;
  /** index.interval.bytes, for an index rebuilt from the log. */
  indexIntervalBytes: number;
}

const INITIAL_ENTRIES = 256;

export class SegmentIndex {
  readonly offsets: IndexFile;
  readonly times: IndexFile;
  /** Largest record timestamp in the segment, and the offset of that record. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  private bytesSinceLastEntry = 0;
  private lastTimeEntry = -1;
  private readonly maxOffsetEntries: number;
  private readonly maxTimeEntries: number;
  /** Appended to (the active segment's, or one being rebuilt): resident, outside the cache. */
  private appending = false;
  /** Changed since its files were last written. */
  private dirty = false;
  /** The write of its files after the segment became inactive, while in progress. */
  private saving: Promise<void> | null = null;

  constructor(
    private readonly core: Core,
    private readonly cache: IndexCache,
    readonly baseOffset: number,
    paths: { index: string; timeIndex: string },
    private readonly options: IndexOptions,
    private readonly source: LogSource,
  ) {
    this.offsets = new IndexFile(paths.index, ABI.OFFSET_ENTRY_SIZE);
    this.times = new IndexFile(paths.timeIndex, ABI.TIME_ENTRY_SIZE);
    this.maxOffsetEntries = Math.max(1, Math.floor(options.maxIndexBytes / this.offsets.entrySize));
    this.maxTimeEntries = Math.max(1, Math.floor(options.maxIndexBytes / this.times.entrySize));
  }

  get isFull(): boolean {
    return this.offsets.entries >= this.maxOffsetEntries || this.times.entries >= this.maxTimeEntries;
  }

  /** Entries of the offset index and of the time index. */
  get offsetEntries(): number {
    return this.offsets.entries;
  }

  get timeEntries(): number {
    return this.times.entries;
  }

  /** Core memory its loaded entries hold (in the cache or not). */
  get residentBytes(): number {
    return (this.offsets.region?.capacity ?? 0) + (this.times.region?.capacity ?? 0);
  }

  // --- the active segment's index ----------------------------------------------------------

  /** Starts over as an empty index in core memory, appended to: a new active segment, or one recovery rebuilds. */
  reset(): void {
    for (const file of [this.offsets, this.times]) {
      this.cache.remove(file);
      file.region ??= this.cache.pool.alloc(INITIAL_ENTRIES * file.entrySize);
      file.entries = 0;
    }
    this.bytesSinceLastEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.lastTimeEntry = -1;
    this.appending = true;
    this.dirty = true;
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
  private onRolled(): void {
    this.maybeAppendTime(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  private appendOffset(offset: number, position: number): void {
    const file = this.offsets;
    if (file.entries >= this.maxOffsetEntries) return;
    this.ensureRoom(file);
    this.core.offsetIndexPut(file.region!.ptr, file.entries++, offset - this.baseOffset, position);
    this.dirty = true;
  }

  private maybeAppendTime(timestamp: number, offset: number): void {
    const file = this.times;
    if (timestamp <= this.lastTimeEntry || file.entries >= this.maxTimeEntries) return;
    this.ensureRoom(file);
    this.core.timeIndexPut(file.region!.ptr, file.entries++, timestamp, offset - this.baseOffset);
    this.lastTimeEntry = timestamp;
    this.dirty = true;
  }

  private ensureRoom(file: IndexFile): void {
    if (!this.appending || !file.region) throw new Error(`${file.path}: appended to while inactive`);
    if (file.bytes + file.entrySize > file.region.capacity) file.region = this.cache.pool.grow(file.region, file.region.capacity * 2, file.bytes);
  }

  /**
   * The segment stopped being active (it rolled, or the cleaner wrote it whole): its largest
   * timestamp is indexed once more, its files are written, and it goes to the cache, where
   * it may be evicted once written. Never rejects: a failed write is logged, and the index
   * is then rebuilt from the log when next needed.
   */
  deactivate(): Promise<void> {
    this.onRolled();
    this.appending = false;
    return this.persist();
  }

  /** deactivate() at start-up, for a segment recovery rebuilt: written before the next is read. */
  deactivateSync(): void {
    this.onRolled();
    this.appending = false;
    try {
      this.saveSync();
    } catch (e) {
      this.saveFailed(e as Error);
    }
    this.settle();
  }

  /** Shrinks the regions to the entries, frees empty ones (lookups then need none), and counts the rest in the cache. */
  private settle(): void {
    for (const file of [this.offsets, this.times]) {
      if (!file.region) continue;
      if (file.entries === 0) {
        this.cache.free(file);
        continue;
      }
      // The pool's grow() moves the entries to a region of the size asked for, smaller here.
      if (RegionPool.capacityFor(file.bytes) < file.region.capacity) file.region = this.cache.pool.grow(file.region, file.bytes, file.bytes);
      this.cache.admit(file);
    }
  }

  // --- lookups ------------------------------------------------------------------------------
  // Synchronous: an index not in memory is loaded on the spot (see index-cache.ts).

  /** Position of a batch at or before `offset`'s batch (0 when no entry is at or below it). */
  positionFor(offset: number): number {
    const file = this.offsets;
    if (file.entries === 0 || !this.loaded(file)) return 0;
    const slot = this.core.offsetIndexFloor(file.region!.ptr, file.entries, offset - this.baseOffset);
    return slot < 0 ? 0 : this.core.indexValue();
  }

  /** Position of the last indexed batch that starts at or before `position` (0 when none does). */
  positionAtOrBefore(position: number): number {
    const file = this.offsets;
    if (file.entries === 0 || !this.loaded(file)) return 0;
    let lo = 0;
    let hi = file.entries - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      this.core.indexEntry(file.region!.ptr, mid, false);
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
    const file = this.times;
    if (file.entries === 0 || !this.loaded(file)) return this.baseOffset;
    const slot = this.core.timeIndexFloor(file.region!.ptr, file.entries, timestamp);
    return slot < 0 ? this.baseOffset : this.baseOffset + this.core.indexValue();
  }

  /**
   * Whether `file` is in memory, loading it if not. False when it cannot be: its segment went
   * away (retention, compaction), or a rebuild found nothing to index. A lookup then answers
   * "from the segment's start", which is always correct.
   */
  private loaded(file: IndexFile): boolean {
    if (file.region) {
      this.cache.hit(file); // a no-op for the active index
      return true;
    }
    if (file.released) return false;
    this.cache.miss();
    this.cache.reserve(file, RegionPool.capacityFor(file.bytes));
    const region = this.cache.pool.alloc(file.bytes);
    try {
      readWholeSync(file.path, this.core.mem.view(region.ptr, file.bytes));
      const bad = this.core.indexCheck(region.ptr, file.entries, file === this.times, this.source.size);
      if (bad >= 0) throw new CorruptIndexError(`entry ${bad} is out of order or past the log`);
    } catch (e) {
      this.cache.pool.release(region);
      try {
        if (!(e instanceof CorruptIndexError)) throw e;
        this.rebuild(`${file.path}: ${e.message}`);
      } catch (failed) {
        this.cache.remove(file); // the room it reserved
        throw failed;
      }
      return file.region !== null;
    }
    file.region = region;
    this.cache.admit(file);
    return true;
  }

  /**
   * Builds both files anew from the log (an index file was missing or corrupt), then writes
   * them in the background. Reads the whole segment on this thread: a damaged index costs a
   * moment once, as a corrupt index costs Kafka a rebuild at its next start.
   */
  private rebuild(why: string): void {
    this.cache.warn(`${why}; rebuilding the indexes of that segment from its log`);
    const fresh = new SegmentIndex(this.core, this.cache, this.baseOffset, { index: this.offsets.path, timeIndex: this.times.path }, this.options, this.source);
    fresh.reset();
    try {
      walkSegment(this.core, this.cache.pool, this.source, 0, 0, (batch, position) => fresh.onAppend({
        lastOffset: batch.lastOffset, position, size: batch.size, maxTimestamp: batch.maxTimestamp, offsetOfMaxTimestamp: batch.lastOffset,
      }, this.options.indexIntervalBytes));
      fresh.onRolled();
    } catch (e) {
      fresh.release();
      throw e;
    }
    for (const [mine, theirs] of [[this.offsets, fresh.offsets], [this.times, fresh.times]] as const) {
      this.cache.free(mine);
      mine.region = theirs.region;
      mine.entries = theirs.entries;
      theirs.region = null;
    }
    this.maxTimestamp = fresh.maxTimestamp;
    this.offsetOfMaxTimestamp = fresh.offsetOfMaxTimestamp;
    this.lastTimeEntry = fresh.lastTimeEntry;
    void this.persist();
  }

  /** Counts the entries in the cache and writes them, pinned until written. Never rejects. */
  private async persist(): Promise<void> {
    this.pinBoth();
    try {
      this.settle();
      await this.save();
    } catch (e) {
      this.cache.warn(`${this.offsets.path}: ${(e as Error).message}`);
    } finally {
      this.unpinBoth();
    }
  }

  // --- files --------------------------------------------------------------------------------

  /**
   * An inactive segment at start-up: entry counts from the files' sizes, the largest
   * timestamp from the time index's last entry. The last two entries are read and checked
   * (increasing, within the segment's offsets), so that a time index zeroed or garbled by a
   * crash is rebuilt now rather than trusted by retention. Throws CorruptIndexError.
   */
  loadSummary(nextBaseOffset: number): void {
    const offsetBytes = indexFileSize(this.offsets.path);
    const entrySize = this.times.entrySize;
    const tail = this.cache.pool.alloc(2 * entrySize);
    try {
      const timeBytes = readTail(this.times.path, this.core.mem.view(tail.ptr, 2 * entrySize));
      if (offsetBytes % this.offsets.entrySize !== 0 || timeBytes % entrySize !== 0) throw new CorruptIndexError('index size is not a whole number of entries');
      this.offsets.entries = offsetBytes / this.offsets.entrySize;
      this.times.entries = timeBytes / entrySize;
      const read = Math.min(2, this.times.entries);
      if (read > 0) {
        if (this.core.indexCheck(tail.ptr, read, true) >= 0) throw new CorruptIndexError('time index entries are out of order');
        this.core.indexEntry(tail.ptr, read - 1, true);
        const relativeOffset = this.core.indexValue();
        if (relativeOffset < 0 || this.baseOffset + relativeOffset >= nextBaseOffset) throw new CorruptIndexError(`time index points at offset ${this.baseOffset + relativeOffset}, outside the segment`);
        this.maxTimestamp = this.core.indexKey();
        this.offsetOfMaxTimestamp = this.baseOffset + relativeOffset;
      }
    } finally {
      this.cache.pool.release(tail);
    }
    this.lastTimeEntry = this.maxTimestamp;
    this.appending = false;
    this.dirty = false;
  }

  /**
   * The active segment at start-up: loads both files whole, to be appended to. Throws
   * CorruptIndexError when they are missing, the wrong size, not increasing, or point past
   * the log (Kafka's sanityCheck); the caller then rebuilds the index from the log.
   */
  loadActive(): void {
    const offsets = readIndexFileSync(this.offsets.path);
    const times = readIndexFileSync(this.times.path);
    if (offsets.length % this.offsets.entrySize !== 0 || times.length % this.times.entrySize !== 0) throw new CorruptIndexError('index size is not a whole number of entries');
    this.reset();
    for (const [file, bytes] of [[this.offsets, offsets], [this.times, times]] as const) {
      file.region = this.cache.pool.grow(file.region!, Math.max(bytes.length, file.region!.capacity), 0);
      this.core.mem.write(file.region.ptr, bytes);
      const entries = bytes.length / file.entrySize;
      const bad = this.core.indexCheck(file.region.ptr, entries, file === this.times, this.source.size);
      if (bad >= 0) throw new CorruptIndexError(`${file === this.times ? 'time' : 'offset'} index entry ${bad} is out of order${file === this.times ? '' : ' or past the log'}`);
      file.entries = entries;
    }
    if (this.times.entries > 0) {
      this.core.indexEntry(this.times.region!.ptr, this.times.entries - 1, true);
      this.maxTimestamp = this.core.indexKey();
      this.offsetOfMaxTimestamp = this.baseOffset + this.core.indexValue();
    }
    this.lastTimeEntry = this.maxTimestamp;
    this.dirty = false;
  }

  private contents(file: IndexFile): Uint8Array {
    if (file.entries > 0 && !file.region) throw new Error(`${file.path}: written while not loaded`);
    return file.region ? this.core.mem.read(file.region.ptr, file.bytes) : new Uint8Array(0);
  }

  private saveSync(): void {
    writeFileSync(this.offsets.path, this.contents(this.offsets));
    writeFileSync(this.times.path, this.contents(this.times));
    this.dirty = false;
  }

  /** Writes both files; on failure removes them, so that no half-written index is trusted. */
  private async save(): Promise<void> {
    const offsets = this.contents(this.offsets);
    const times = this.contents(this.times);
    this.dirty = false;
    const saving = Promise.all([writeFile(this.offsets.path, offsets), writeFile(this.times.path, times)]).then(() => undefined, (e: Error) => this.saveFailed(e));
    this.saving = saving;
    await saving;
    if (this.saving === saving) this.saving = null;
  }

  private saveFailed(e: Error): void {
    this.dirty = true;
    for (const path of [this.offsets.path, this.times.path]) {
      try {
        rmSync(path, { force: true });
      } catch {
        // Left as it is: the load's checks, or the next start's, catch a bad file.
      }
    }
    this.cache.warn(`cannot write ${this.offsets.path} and its time index (${e.message}); they will be rebuilt from the log when needed`);
  }

  /**
   * Settles when the files' write in progress (if any) has ended. A segment being deleted
   * waits for it before renaming its files (a write that opened its file after the rename
   * would create it again, an index left for good beside no log), and the cleaner before
   * replacing them with a compacted copy's.
   */
  written(): Promise<void> {
    return this.saving ?? Promise.resolve();
  }

  /**
   * Clean shutdown: waits for a write in progress, then writes what changed since; the
   * active index first indexes its largest timestamp, as Kafka's LogSegment.close does.
   */
  async saveOnShutdown(): Promise<void> {
    await this.saving;
    if (!this.dirty) return;
    if (this.appending) this.onRolled();
    else if ((this.offsets.entries > 0 && !this.offsets.region) || (this.times.entries > 0 && !this.times.region)) return; // evicted after a failed write: rebuilt at the next start
    this.saveSync();
  }

  /** Frees its memory (the segment is gone or the log closed): now, or when the lookups using it end. */
  release(): void {
    this.cache.release(this.offsets);
    this.cache.release(this.times);
  }

  private pinBoth(): void {
    this.offsets.pins++;
    this.times.pins++;
  }

  private unpinBoth(): void {
    this.cache.unpin(this.offsets);
    this.cache.unpin(this.times);
  }
}

