// Record sets as ranges of a segment file, and the header walk that finds their bounds.
//
// A Fetch response does not hold its records in memory: it names a range of a segment file
// (FileRecords), which the connection reads piece by piece as the client takes the response
// (Kafka sends the same range with sendfile). A client that stops reading costs the broker
// nothing but the range's description, however many Fetches it pipelines.
//
// Bounds are whole batches. The offset index gives a batch start at or before any offset or
// position; from there a short walk over batch headers (read in small windows into one
// scratch region per thread) finds the exact batch. Batches between two indexed ones are
// never read to bound a fetch, only to learn their codecs when a client needs to know
// (Fetch before v10 cannot take zstd).
import type { Core, Region, RegionPool } from '../core/index.js';
import type { StreamedRecords } from '../protocol/codec.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Segment } from './segment.js';
import { ABI } from '../core/index.js';

/** Bytes of log read per step of a header walk: an index interval or two, and a header. */
const WALK_WINDOW_BYTES = 64 << 10;

/** A batch seen by a header walk (positions within its segment). */
export interface BatchBounds {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  attributes: number;
}

/**
 * Visits whole batches from a batch start, reading their headers in windows. One walker
 * per core (thread): its scratch region is reused by every walk, and walks are synchronous,
 * so none interleave.
 */
export class HeaderWalker {
  private region: Region | null = null;

  constructor(private readonly core: Core, private readonly regions: RegionPool) {}

  /**
   * Visits the batches of `segment` from `position` (a batch start) up to `end`, while
   * `visit` returns true. Returns the position of the batch `visit` refused, or where the
   * walk ended (`end`, or short of it where the file holds no more whole batches).
   */
  walk(segment: Segment, position: number, end: number, visit: (batch: BatchBounds) => boolean): number {
    const core = this.core;
    this.region ??= this.regions.alloc(WALK_WINDOW_BYTES);
    const ptr = this.region.ptr;
    let at = position;
    while (at < end) {
      const got = segment.readSync(at, core.mem.view(ptr, Math.min(WALK_WINDOW_BYTES, end - at)));
      const scan = core.scanAt(ptr, got, 0, Math.ceil(got / ABI.BATCH_HEADER_SIZE));
      if (scan.status < 0) throw corrupt(segment, at + scan.bytes);
      for (const b of scan.batches) {
        if (!visit({ position: at + b.position, size: b.size, baseOffset: b.baseOffset, lastOffset: b.lastOffset, attributes: b.attributes })) return at + b.position;
      }
      if (scan.bytes > 0) {
        at += scan.bytes;
        continue;
      }
      // A batch larger than the window: its header tells its size and offsets.
      const size = core.readHeaderAt(ptr, got);
      if (size === ABI.ERR_TRUNCATED && got < end - at) return at; // fewer bytes on disk than `end` says
      if (size <= 0) throw corrupt(segment, at);
      const h = core.header();
      if (!visit({ position: at, size, baseOffset: h.baseOffset, lastOffset: h.lastOffset, attributes: h.attributes })) return at;
      at += size;
    }
    return Math.min(at, end);
  }
}

function corrupt(segment: Segment, position: number): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${segment.paths.log}: corrupt batch at position ${position}`);
}

/** A range of whole batches of one segment file, kept open until released. */
export class FileRecords implements StreamedRecords {
  private released = false;

  /** `codecs`: bit n set when some batch uses codec n; null when the batches were not read. */
  constructor(readonly segment: Segment, readonly position: number, readonly length: number, readonly codecs: number | null) {
    segment.acquire();
  }

  read(from: number, into: Uint8Array): number {
    if (this.released) throw new Error('record set read after release');
    const n = Math.min(into.length, this.length - from);
    return n <= 0 ? 0 : this.segment.readSync(this.position + from, into.subarray(0, n));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.segment.release();
  }
}
