// One compaction pass over one partition's cleanable segments (Kafka's Cleaner.clean): the
// file work, run in the cleaner's worker thread (cleaner-worker.ts) so the broker's event
// loop never waits for it. Two passes over the files:
//   1. the offset map: key -> latest offset, over the dirty segments (those after the cleaner
//      checkpoint), as many whole segments as fit in maxMapBytes;
//   2. each segment up to where the map reaches, batch by batch: a record is kept unless the
//      map holds a later offset for its key, it has no key, or it is a tombstone past its
//      time (below). A batch whose records all stay is copied as it is; one that loses some
//      is rewritten by the core; one that loses all is dropped. A segment that changes is
//      written to <base>.log.cleaned and synced; the main thread renames it over the segment.
// Tombstones (Kafka's delete.retention.ms): a tombstone is kept until its segment has been in
// the clean section for delete.retention.ms. The time a segment joined the clean section is
// its file's mtime, set when a pass first cleans it and carried over to every later rewrite
// (Kafka also goes by the segment's last-modified time; KIP-534 records a delete horizon in
// the batch instead). A consumer that read a value before the pass that removed it therefore
// has delete.retention.ms to reach the tombstone that replaced it.
// Transactions (Kafka's CleanedTransactionMetadata): a pass never reaches past the last stable
// offset (cleaner-plan.ts), so every transaction it sees is decided. The batches of aborted
// transactions (listed from the transaction indexes: `abortedTxns`) are dropped whole and put
// nothing in the offset map. A COMMIT or ABORT marker is kept while the pass still saw a batch
// of its transaction (since the producer's previous marker), and then, as tombstones are,
// until its segment has been clean for delete.retention.ms; the transaction index entries of
// the ABORT markers dropped go with them.
import { openSync, readSync, writeSync, closeSync, fsyncSync, futimesSync, utimesSync, statSync } from 'node:fs';
import type { Core, Codecs, RecordPredicate } from '../core/index.js';
import { filterBatchAt, visitRecordsAt } from '../core/index.js';
import { segmentPaths, CLEANED_SUFFIX } from '../storage/layout.js';
import { ABI, at, type Ptr } from '../core/index.js';

interface SegmentInput {
  baseOffset: number;
  /** Bytes of whole batches in the file. */
  size: number;
  /** Entirely below the first dirty offset: cleaned by an earlier pass. */
  clean: boolean;
}

export interface CleanTask {
  dir: string;
  /** Consecutive segments from the log's first, all before the first uncleanable offset. */
  segments: SegmentInput[];
  /** Where the segments end: the base offset of the first segment not given. */
  endOffset: number;
  nowMs: number;
  deleteRetentionMs: number;
  /** Approximate memory the key -> offset map may take. */
  maxMapBytes: number;
  /** The aborted transactions overlapping the segments, 3 numbers each: producerId, firstOffset, lastOffset (its ABORT marker). */
  abortedTxns: number[];
}

export interface CleanedSegment {
  baseOffset: number;
  /** replaced: <base>.log.cleaned holds the new contents (possibly empty); unchanged: nothing to do. */
  outcome: 'replaced' | 'unchanged';
  sizeBefore: number;
  sizeAfter: number;
  /** The new contents' batches, 4 numbers each: lastOffset, position, size, maxTimestamp. */
  batches: Float64Array;
  /** When the segment joined the clean section (ms). */
  cleanedMs: number;
  /** Tombstones still in it. */
  tombstones: number;
  /** Transaction markers kept only until their delete horizon. */
  markers: number;
  /** Offsets of the ABORT markers kept: the segment's transaction index keeps their entries only. */
  abortMarkers: number[];
}

export interface CleanOutput {
  /** The offset the pass cleaned up to: the new cleaner checkpoint. */
  cleanedTo: number;
  segments: CleanedSegment[];
  records: number;
  recordsKept: number;
  tombstonesRemoved: number;
  /** Records of aborted transactions removed, and markers removed. */
  abortedRecordsRemoved: number;
  markersRemoved: number;
  /** When the earliest kept tombstone or marker may go (Infinity: none kept). */
  tombstoneExpiryMs: number;
}

/** Bytes read from a segment per step; a larger batch is read whole. */
const CHUNK = 4 << 20;
/** Bytes of output gathered before a write. */
const WRITE_BUFFER = 1 << 20;
/** Estimated map cost of an entry besides its key's bytes (string header, map slot, number). */
const MAP_ENTRY_OVERHEAD = 64;

/** A reusable read buffer in core memory, per core. */
const chunks = new WeakMap<Core, { ptr: Ptr; capacity: number }>();

function chunkOf(core: Core, bytes: number): Ptr {
  let chunk = chunks.get(core);
  if (!chunk || chunk.capacity < bytes) {
    const capacity = Math.max(bytes, CHUNK, (chunk?.capacity ?? 0) * 2);
    chunk = { ptr: core.mem.reserve(capacity, 64), capacity };
    chunks.set(core, chunk);
  }
  return chunk.ptr;
}

interface ScannedEntry {
  position: number;
  size: number;
  lastOffset: number;
  maxTimestamp: number;
  attributes: number;
}

/**
 * Calls `visit` with each whole batch of the segment file, in core memory at `ptr`, with its
 * position. CRCs are checked: a corrupt segment fails the pass rather than being rewritten.
 */
function forEachBatch(core: Core, path: string, size: number, visit: (ptr: Ptr, entry: ScannedEntry) => void): void {
  const fd = openSync(path, 'r');
  try {
    let position = 0;
    let want = Math.min(size, CHUNK);
    while (position < size) {
      want = Math.min(size - position, Math.max(want, CHUNK));
      const ptr = chunkOf(core, want);
      const got = readSync(fd, core.mem.view(ptr, want), 0, want, position);
      const scan = core.scanAt(ptr, got, ABI.F_VERIFY_CRC, Math.ceil(got / ABI.BATCH_HEADER_SIZE) + 1);
      if (scan.status < 0) throw new Error(`${path}: corrupt batch at position ${position + scan.bytes} (${core.codeName(scan.status)})`);
      for (const b of scan.batches) visit(at(ptr, b.position), { ...b, position: position + b.position });
      if (scan.bytes === 0) {
        // One batch larger than the chunk: read it whole next time.
        const batchSize = got >= ABI.BATCH_HEADER_SIZE ? core.readHeaderAt(ptr, got) : -1;
        if (batchSize <= got || position + batchSize > size) throw new Error(`${path}: incomplete batch at position ${position}`);
        want = batchSize;
        continue;
      }
      position += scan.bytes;
    }
  } finally {
    closeSync(fd);
  }
}

const keyString = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');

/** The aborted transactions of a task, by producer: [firstOffset, lastOffset] pairs. */
class AbortedTxns {
  private readonly byProducer = new Map<number, number[]>();

  constructor(flat: number[]) {
    for (let i = 0; i < flat.length; i += 3) {
      let ranges = this.byProducer.get(flat[i]);
      if (!ranges) this.byProducer.set(flat[i], (ranges = []));
      ranges.push(flat[i + 1], flat[i + 2]);
    }
  }

  /** Whether a transactional batch of `producerId` at `offset` belongs to an aborted transaction (one producer's transactions never overlap). */
  has(producerId: number, offset: number): boolean {
    const ranges = this.byProducer.get(producerId);
    if (!ranges) return false;
    for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= offset && offset < ranges[i + 1]) return true;
    return false;
  }
}

/** The producer id of the batch at ptr (its header is read by the core: header() then has the rest). */
function producerOf(core: Core, ptr: Ptr, size: number): number {
  core.readHeaderAt(ptr, size);
  return core.header().producerId;
}

/**
 * Pass 1: key -> latest offset over the dirty segments, whole segments while the map fits.
 * Aborted transactions' records are left out. Returns the map and the offset it covers up to.
 */
function buildOffsetMap(core: Core, codecs: Codecs, task: CleanTask, aborted = new AbortedTxns(task.abortedTxns)): { map: Map<string, number>; coveredTo: number } {
  const map = new Map<string, number>();
  let bytes = 0;
  const dirty = task.segments.filter((s) => !s.clean);
  for (let i = 0; i < dirty.length; i++) {
    if (i > 0 && bytes >= task.maxMapBytes) return { map, coveredTo: dirty[i].baseOffset };
    forEachBatch(core, segmentPaths(task.dir, dirty[i].baseOffset).log, dirty[i].size, (ptr, entry) => {
      if (entry.attributes & ABI.CONTROL_BIT) return;
      if ((entry.attributes & ABI.TRANSACTIONAL_BIT) && aborted.has(producerOf(core, ptr, entry.size), entry.lastOffset)) return;
      visitRecordsAt(core, ptr, entry.size, codecs, (offset, key) => {
        if (key === null) return;
        const k = keyString(key);
        if (!map.has(k)) bytes += k.length + MAP_ENTRY_OVERHEAD;
        map.set(k, offset);
      });
    });
  }
  return { map, coveredTo: task.endOffset };
}

/** Runs the pass: builds the map, then writes the cleaned copies of the segments it covers. */
export function cleanSegments(core: Core, codecs: Codecs, task: CleanTask): CleanOutput {
  const aborted = new AbortedTxns(task.abortedTxns);
  const { map, coveredTo } = buildOffsetMap(core, codecs, task, aborted);
  const output: CleanOutput = {
    cleanedTo: coveredTo, segments: [], records: 0, recordsKept: 0, tombstonesRemoved: 0, abortedRecordsRemoved: 0, markersRemoved: 0, tombstoneExpiryMs: Infinity,
  };
  // Producers with a transactional batch seen since their last marker, across the pass's segments.
  const seen = new Set<number>();
  for (const segment of task.segments) {
    if (segment.baseOffset >= coveredTo) break;
    const cleaned = cleanSegment(core, codecs, task, segment, map, output, aborted, seen);
    output.segments.push(cleaned);
    if (cleaned.tombstones + cleaned.markers > 0) output.tombstoneExpiryMs = Math.min(output.tombstoneExpiryMs, cleaned.cleanedMs + task.deleteRetentionMs);
  }
  return output;
}

/**
 * The cleaned copy of one segment, started lazily: while every batch stays as it was,
 * nothing is written; at the first change the kept prefix is copied and writing goes on.
 */
class CleanedWriter {
  private fd = -1;
  private readonly buffer = Buffer.allocUnsafe(WRITE_BUFFER);
  private buffered = 0;
  /** File position where the buffered bytes go. */
  private written = 0;
  /** Bytes of the new contents so far. */
  position = 0;
  readonly batches: number[] = [];

  constructor(private readonly source: string, private readonly target: string) {}

  get started(): boolean {
    return this.fd >= 0;
  }

  /** Starts the copy with the source's bytes before the current position (kept as they were). */
  start(): void {
    this.fd = openSync(this.target, 'w');
    const source = openSync(this.source, 'r');
    try {
      while (this.written < this.position) {
        const n = readSync(source, this.buffer, 0, Math.min(this.buffer.length, this.position - this.written), this.written);
        if (n <= 0) throw new Error(`${this.source}: shorter than ${this.position} bytes`);
        this.writeAll(this.buffer.subarray(0, n));
      }
    } finally {
      closeSync(source);
    }
  }

  /** Adds a batch: its bytes once the copy has started, else only its place in the index. */
  add(bytes: Uint8Array | null, size: number, lastOffset: number, maxTimestamp: number): void {
    this.batches.push(lastOffset, this.position, size, maxTimestamp);
    this.position += size;
    if (!bytes) return;
    if (this.buffered + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) this.writeAll(bytes);
    else {
      this.buffer.set(bytes, this.buffered);
      this.buffered += bytes.length;
    }
  }

  private flush(): void {
    if (this.buffered > 0) this.writeAll(this.buffer.subarray(0, this.buffered));
    this.buffered = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.written + done);
    this.written += bytes.length;
  }

  /** Flushes, stamps the mtime, syncs and closes the copy. */
  finish(mtimeMs: number): void {
    this.flush();
    futimesSync(this.fd, mtimeMs / 1000, mtimeMs / 1000);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function cleanSegment(core: Core, codecs: Codecs, task: CleanTask, segment: SegmentInput, map: Map<string, number>, output: CleanOutput,
  aborted: AbortedTxns, seen: Set<number>): CleanedSegment {
  const path = segmentPaths(task.dir, segment.baseOffset).log;
  // A dirty segment joins the clean section now; a clean one keeps the time it joined.
  const cleanedMs = segment.clean ? statSync(path).mtimeMs : task.nowMs;
  const dropTombstones = segment.clean && task.nowMs - cleanedMs >= task.deleteRetentionMs;
  let tombstones = 0;
  let markers = 0;
  const abortMarkers: number[] = [];
  const keep: RecordPredicate = (offset, key, tombstone) => {
    output.records++;
    if (key === null) return false; // Kafka's cleaner drops records without a key
    const latest = map.get(keyString(key));
    if (latest !== undefined && latest > offset) return false;
    if (tombstone) {
      if (dropTombstones) {
        output.tombstonesRemoved++;
        return false;
      }
      tombstones++;
    }
    output.recordsKept++;
    return true;
  };
  const writer = new CleanedWriter(path, path + CLEANED_SUFFIX);
  try {
    forEachBatch(core, path, segment.size, (ptr, entry) => {
      const keepWhole = () => writer.add(writer.started ? core.mem.view(ptr, entry.size) : null, entry.size, entry.lastOffset, entry.maxTimestamp);
      if (entry.attributes & ABI.CONTROL_BIT) {
        const type = core.controlTypeAt(ptr, entry.size);
        if (type !== ABI.CONTROL_ABORT && type !== ABI.CONTROL_COMMIT && type !== ABI.CONTROL_EMPTY) return keepWhole(); // KRaft's records
        // Kafka's onControlBatchRead: a marker is safe to remove once no batch of its
        // transaction was seen (all removed by earlier passes); then it waits out the horizon.
        const producerId = producerOf(core, ptr, entry.size);
        const safe = type === ABI.CONTROL_EMPTY || !seen.has(producerId);
        seen.delete(producerId);
        if (safe && dropTombstones) {
          output.markersRemoved++;
          if (!writer.started) writer.start();
          return;
        }
        // Due again at the horizon: a safe one, or an ABORT whose batches this pass removed.
        if (safe || type === ABI.CONTROL_ABORT) markers++;
        if (type === ABI.CONTROL_ABORT) abortMarkers.push(entry.lastOffset);
        return keepWhole();
      }
      if (entry.attributes & ABI.TRANSACTIONAL_BIT) {
        const producerId = producerOf(core, ptr, entry.size);
        seen.add(producerId);
        if (aborted.has(producerId, entry.lastOffset)) {
          const count = core.header().recordsCount;
          output.records += count;
          output.abortedRecordsRemoved += count;
          if (!writer.started) writer.start();
          return;
        }
      }
      const result = filterBatchAt(core, ptr, entry.size, codecs, keep);
      if (result.kept === 'all') {
        writer.add(writer.started ? core.mem.view(ptr, entry.size) : null, entry.size, entry.lastOffset, entry.maxTimestamp);
        return;
      }
      if (!writer.started) writer.start();
      if (result.kept === 'some') writer.add(result.batch, result.batch.length, entry.lastOffset, result.maxTimestamp);
    });
    if (!writer.started) {
      if (!segment.clean) utimesSync(path, task.nowMs / 1000, task.nowMs / 1000);
      return {
        baseOffset: segment.baseOffset, outcome: 'unchanged', sizeBefore: segment.size, sizeAfter: segment.size, batches: new Float64Array(0), cleanedMs,
        tombstones, markers, abortMarkers,
      };
    }
    writer.finish(cleanedMs);
  } catch (e) {
    writer.abort();
    throw e;
  }
  return {
    baseOffset: segment.baseOffset, outcome: 'replaced', sizeBefore: segment.size, sizeAfter: writer.position,
    batches: Float64Array.from(writer.batches), cleanedMs, tombstones, markers, abortMarkers,
  };
}
