// Loading a partition at startup (Kafka's LogLoader): list its segments, drop leftovers of
// interrupted deletions, load the active segment's indexes and the summary of the others'
// (their entries are loaded on first lookup: segment-index.ts), and recover the segments that
// may hold unsynced data (from the recovery point on, or all after an unclean stop). Recovery
// scans a segment batch by batch with the core, checking every CRC, rebuilds its indexes, and
// cuts a torn tail at the first invalid or incomplete batch; segments after a cut are deleted.
import { readdirSync, statSync, unlinkSync, truncateSync, openSync, closeSync, fsyncSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core, RegionPool } from '../core/index.js';
import { ABI } from '../core/index.js';
import { parseSegmentFileName, CLEANED_SUFFIX, DELETED_SUFFIX, SWAP_SUFFIX, TMP_SUFFIX, offsetFileName, LOG_SUFFIX } from '../storage/layout.js';
import { CorruptIndexError } from './index-files.js';
import { walkSegment } from './segment-scan.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';

export interface LoadOptions {
  /** The last shutdown was clean: index files can be trusted. */
  clean: boolean;
  recoveryPoint: number;
  logStartOffset: number;
}

interface LoadStats {
  recoveredSegments: number;
  truncatedBytes: number;
  /** Base offset of the first segment recovered (its producer state and transaction index follow from it), Infinity if none. */
  recoveredFrom: number;
  /** The directory's file names as listed before the load (it leaves the producer snapshots alone). */
  files: string[];
}

/** Files a start removes from a partition's directory (see loadPartition). */
const LEFTOVER_SUFFIXES = [DELETED_SUFFIX, TMP_SUFFIX, CLEANED_SUFFIX, SWAP_SUFFIX];

export async function loadPartition(core: Core, regions: RegionPool, log: PartitionLog, options: LoadOptions): Promise<LoadStats> {
  const names = readdirSync(log.dir);
  const stats: LoadStats = { recoveredSegments: 0, truncatedBytes: 0, recoveredFrom: Infinity, files: names };
  for (const name of names) {
    // Leftovers: segments whose deletion a stop interrupted, half-written temp files, and
    // compacted copies never renamed over their segment (the segment is intact: see
    // log-cleaner.ts). Strom writes no .swap files (Kafka's multi-segment swap); one is dropped.
    if (LEFTOVER_SUFFIXES.some((suffix) => name.endsWith(suffix))) unlinkSync(join(log.dir, name));
  }
  const bases = names.map(parseSegmentFileName).filter((b): b is number => b !== null).sort((a, b) => a - b);
  // Index files without their log are orphans.
  for (const name of names) {
    const m = /^(\d{20})\.(index|timeindex|txnindex)$/.exec(name);
    if (m && !bases.includes(Number(m[1]))) unlinkSync(join(log.dir, name));
  }
  if (bases.length === 0) {
    const base = Math.max(0, options.logStartOffset);
    writeFileSync(join(log.dir, offsetFileName(base, LOG_SUFFIX)), '');
    bases.push(base);
  }
  const segments: Segment[] = [];
  for (const base of bases) {
    const stat = statSync(join(log.dir, offsetFileName(base, LOG_SUFFIX)));
    const segment = log.newSegment(base, stat.size);
    segment.createdMs = stat.mtimeMs;
    segments.push(segment);
  }

  let logEndOffset = segments[0].baseOffset;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const nextBase = i + 1 < segments.length ? segments[i + 1].baseOffset : Infinity;
    // After a clean shutdown everything was synced: load the indexes (Kafka recovers nothing).
    const active = i === segments.length - 1;
    let recover = !options.clean && nextBase > options.recoveryPoint;
    if (!recover) {
      try {
        // Only the active segment's index is read whole; each other segment costs one small
        // read here, and memory only once a lookup needs its index.
        if (active) segment.index.loadActive();
        else segment.index.loadSummary(nextBase);
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        recover = true;
      }
    }
    if (!recover && active) {
      // The last segment must end with a whole batch, whatever happened to the file since.
      const end = lastOffsetOf(core, regions, segment);
      if (end.position !== segment.size) recover = true;
      else if (end.lastOffset >= 0) logEndOffset = end.lastOffset + 1;
    }
    if (recover) {
      const result = recoverSegment(core, regions, segment, log.config.number('index.interval.bytes'));
      stats.recoveredSegments++;
      stats.recoveredFrom = Math.min(stats.recoveredFrom, segment.baseOffset);
      if (result.lastOffset >= 0) logEndOffset = result.lastOffset + 1;
      else logEndOffset = Math.max(logEndOffset, segment.baseOffset);
      if (result.truncatedBytes > 0) {
        stats.truncatedBytes += result.truncatedBytes;
        // Nothing after a torn or corrupt batch can be trusted.
        for (const later of segments.splice(i + 1)) {
          stats.truncatedBytes += later.size;
          for (const path of [later.paths.log, later.paths.index, later.paths.timeIndex, later.paths.txnIndex]) {
            try { unlinkSync(path); } catch { /* not there */ }
          }
          later.index.release();
        }
        break;
      }
      // Written and handed to the cache now, so recovering many segments holds no more of
      // their indexes in memory than the cache allows.
      if (!active) segment.index.deactivateSync();
    } else if (!active) {
      logEndOffset = segments[i + 1].baseOffset;
    }
  }
  log.segments = segments;
  log.logEndOffset = Math.max(logEndOffset, segments[segments.length - 1].baseOffset);
  log.logStartOffset = Math.min(Math.max(options.logStartOffset, segments[0].baseOffset), log.logEndOffset);
  log.recoveryPoint = options.clean ? Math.min(options.recoveryPoint, log.logEndOffset) : log.logEndOffset;
  if (stats.recoveredSegments > 0) {
    // What recovery kept is now checked; sync it so the recovery point holds.
    const fd = openSync(log.activeSegment.paths.log, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    log.recoveryPoint = log.logEndOffset;
  }
  return stats;
}

/**
 * Scans the segment from the start, verifying each batch's CRC, and rebuilds its indexes.
 * Cuts the file at the first invalid or incomplete batch.
 */
function recoverSegment(core: Core, regions: RegionPool, segment: Segment, indexIntervalBytes: number): { lastOffset: number; truncatedBytes: number } {
  segment.index.reset();
  let lastOffset = -1;
  const valid = walkSegment(core, regions, segment, 0, ABI.F_VERIFY_CRC, (batch, position) => {
    segment.index.onAppend({
      lastOffset: batch.lastOffset, position, size: batch.size,
      maxTimestamp: batch.maxTimestamp, offsetOfMaxTimestamp: batch.lastOffset,
    }, indexIntervalBytes);
    lastOffset = batch.lastOffset;
  });
  const truncatedBytes = segment.size - valid;
  if (truncatedBytes > 0) {
    truncateSync(segment.paths.log, valid);
    segment.size = valid;
  }
  return { lastOffset, truncatedBytes };
}

/**
 * The last offset in a segment whose index is loaded, and where its whole batches end:
 * walks from the last index entry.
 */
function lastOffsetOf(core: Core, regions: RegionPool, segment: Segment): { lastOffset: number; position: number } {
  let lastOffset = -1;
  const from = segment.index.positionFor(segment.baseOffset + 0x7ffffffe);
  const position = walkSegment(core, regions, segment, from, 0, (batch) => { lastOffset = batch.lastOffset; });
  return { lastOffset, position };
}
