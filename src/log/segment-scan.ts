// Walking a segment's log batch by batch with the core: recovery checks and re-indexes
// segments this way, and a lazily loaded index found missing or corrupt is rebuilt this way.
// Synchronous, as the broker's other reads of segment files: recovery runs before the
// listeners open, and a rebuild happens only to a damaged index.
import type { Core, Region, RegionPool, ScannedBatch } from '../core/index.js';
import { ABI, at, type Ptr } from '../core/index.js';

/** A segment's log as the walk reads it. */
export interface LogSource {
  /** Bytes of whole batches. */
  readonly size: number;
  /** Reads into `into` from `position`; returns the bytes read. */
  readSync(position: number, into: Uint8Array): number;
}

/** Bytes read per step. */
const CHUNK = 8 << 20;

/**
 * Reads the log from `position` in chunks and hands each whole batch to `visit` (with its
 * position in the file, and where it lies in core memory until `visit` returns). Stops at the first batch the scan rejects or that is cut off by
 * the end of the file; returns the position where the whole batches end.
 */
export function walkSegment(core: Core, regions: RegionPool, source: LogSource, position: number, flags: number,
  visit: (batch: ScannedBatch, position: number, ptr: Ptr) => void): number {
  let region: Region | null = null;
  let chunk = CHUNK;
  try {
    while (position < source.size) {
      const want = Math.min(source.size - position, chunk);
      if (!region || region.capacity < want) {
        if (region) regions.release(region);
        region = regions.alloc(want);
      }
      const got = source.readSync(position, core.mem.view(region.ptr, want));
      const scan = core.scanAt(region.ptr, got, flags, Math.ceil(got / ABI.BATCH_HEADER_SIZE) + 1);
      for (const batch of scan.batches) visit(batch, position + batch.position, at(region.ptr, batch.position));
      position += scan.bytes;
      if (scan.status < 0) break; // a corrupt batch
      if (scan.status === 1) {
        // An incomplete batch: a torn tail, or a batch larger than the chunk read.
        const size = got - scan.bytes >= ABI.BATCH_HEADER_SIZE ? core.readHeaderAt(at(region.ptr, scan.bytes), got - scan.bytes) : -1;
        if (size > got - scan.bytes && position + size <= source.size) {
          chunk = Math.max(chunk, size);
          continue;
        }
        break;
      }
      if (got < want) break;
    }
  } finally {
    if (region) regions.release(region);
  }
  return position;
}
