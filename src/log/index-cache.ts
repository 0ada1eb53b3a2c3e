// The indexes of inactive segments in core memory, within a budget. Kafka memory-maps every
// index file and leaves to the page cache what stays in memory. Strom's indexes are searched
// by the core, so they live in the one shared core memory (4 GiB at most, which requests,
// responses and receive areas share); an index costs ~5 MiB per GiB of log, and a broker
// holding every index of a few hundred GiB would have no room left. So the indexes of
// inactive segments are loaded on first lookup (segment-index.ts) and kept here, evicted
// least recently used first, within strom.index.cache.max.bytes. The active segments'
// indexes are appended to and stay resident outside this budget.
//
// Lookups, and the loads they cause, are synchronous (as Strom's other reads of segment
// files, and as a page fault on Kafka's memory-mapped index blocks its network thread), so a
// load never overlaps another: each makes its room first, and the cache stays within its
// bound. An index file being written (after its segment rolled, or a rebuild) is pinned and
// never evicted, since a load would find its file incomplete; pinned files take the cache
// over its bound until written, and an index larger than the whole budget is let in alone.
import type { Region, RegionPool } from '../core/index.js';

/** One index file of a segment (.index or .timeindex) as the cache sees it. */
export class IndexFile {
  /** Its entries in core memory; null while not loaded. */
  region: Region | null = null;
  entries = 0;
  /** Writes in progress that need it to stay. */
  pins = 0;
  /** Counted by the cache: an inactive segment's index, loaded or being loaded. */
  cached = false;
  /** What the cache counts for it: its region's capacity, or the room its load reserved. */
  cacheBytes = 0;
  /** Its segment is gone: freed once unpinned, never loaded again. */
  released = false;
  /** Links of the cache's recency list (moving an entry allocates nothing). */
  older: IndexFile | null = null;
  newer: IndexFile | null = null;

  constructor(readonly path: string, readonly entrySize: number) {}

  /** Bytes of its entries (its file's size). */
  get bytes(): number {
    return this.entries * this.entrySize;
  }
}

export class IndexCache {
  /** Core memory counted now, the most ever, and the files counted. */
  bytes = 0;
  peakBytes = 0;
  files = 0;
  /** Lookups of inactive indexes that found them loaded / not loaded; files evicted. */
  hits = 0;
  misses = 0;
  evictions = 0;
  private oldest: IndexFile | null = null;
  private newest: IndexFile | null = null;

  constructor(readonly pool: RegionPool, public maxBytes: number, readonly warn: (message: string) => void = () => {}) {}

  /** A lookup found `file` loaded: it becomes the most recently used (a no-op for an active index). */
  hit(file: IndexFile): void {
    if (!file.cached) return;
    this.hits++;
    this.unlink(file);
    this.linkNewest(file);
  }

  miss(): void {
    this.misses++;
  }

  /**
   * Counts a loaded file of an inactive segment (one that just rolled, or a finished load)
   * as the most recently used, evicting others first as far as it takes the cache over its
   * bound (pinned ones stay: then the cache is over it until they are unpinned).
   */
  admit(file: IndexFile): void {
    if (!file.region || file.released) return;
    if (file.cached) this.unlink(file); // out of the list while room is made: not its own victim
    else {
      file.cached = true;
      file.cacheBytes = 0;
      this.files++;
    }
    this.makeRoom(file.region.capacity - file.cacheBytes);
    this.linkNewest(file);
    this.count(file, file.region.capacity);
  }

  /**
   * Room for a load of `bytes` into `file`: evicts the least recently used unpinned files as
   * far as needed, and counts `file` with `bytes`.
   */
  reserve(file: IndexFile, bytes: number): void {
    this.makeRoom(bytes);
    if (!file.cached) {
      file.cached = true;
      file.cacheBytes = 0;
      this.files++;
      this.linkNewest(file);
    }
    this.count(file, bytes);
  }

  /** Ends a pin; a file no one uses any more may be evicted (or freed, if its segment went). */
  unpin(file: IndexFile): void {
    file.pins--;
    if (file.pins > 0) return;
    if (file.released) this.free(file);
    else if (file.cached) this.trim();
  }

  /** The segment of `file` is gone: its memory is freed now, or when the last lookup using it ends. */
  release(file: IndexFile): void {
    file.released = true;
    if (file.pins === 0) this.free(file);
  }

  /** Stops counting `file` and frees its region (an eviction, a release, or a rebuild replacing it). */
  free(file: IndexFile): void {
    if (file.cached) this.remove(file);
    if (file.region) this.pool.release(file.region);
    file.region = null;
  }

  /** Stops counting `file`, keeping its region (it is written to again: recovery rebuilds it). */
  remove(file: IndexFile): void {
    if (!file.cached) return;
    this.unlink(file);
    this.bytes -= file.cacheBytes;
    file.cacheBytes = 0;
    file.cached = false;
    this.files--;
  }

  /** A new bound (the config changed at runtime). */
  resize(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.trim();
  }

  /** Evicts least recently used unpinned files while the cache is over its bound. */
  trim(): void {
    this.makeRoom(0);
  }

  /** Evicts least recently used unpinned files until `bytes` more fit, or none is left to evict. */
  private makeRoom(bytes: number): void {
    for (let file = this.oldest; file && this.bytes + bytes > this.maxBytes;) {
      const newer = file.newer;
      if (file.pins === 0) {
        this.evictions++;
        this.free(file);
      }
      file = newer;
    }
  }

  private count(file: IndexFile, bytes: number): void {
    this.bytes += bytes - file.cacheBytes;
    file.cacheBytes = bytes;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
  }

  private linkNewest(file: IndexFile): void {
    file.older = this.newest;
    file.newer = null;
    if (this.newest) this.newest.newer = file;
    else this.oldest = file;
    this.newest = file;
  }

  private unlink(file: IndexFile): void {
    if (file.older) file.older.newer = file.newer;
    else this.oldest = file.newer;
    if (file.newer) file.newer.older = file.older;
    else this.newest = file.older;
    file.older = file.newer = null;
  }
}
