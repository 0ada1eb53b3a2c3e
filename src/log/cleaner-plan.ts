// Which part of a compacted log a cleaning pass may touch, and whether it is time for one
// (Kafka's LogCleanerManager.cleanableOffsets and its choice of the filthiest log). Cheap:
// segment sizes and timestamps the main thread already holds, one header read at most.
import type { Core } from '../core/index.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';
import { ABI } from '../core/index.js';

export interface CleanPlan {
  /** Start of the dirty section: the cleaner checkpoint, within the log. */
  firstDirtyOffset: number;
  /** End of what may be cleaned: the base of the first segment the pass must not touch. */
  firstUncleanableOffset: number;
  /** The segments the pass may rewrite, from the log's first; `clean` ones lie below firstDirtyOffset. */
  segments: { segment: Segment; clean: boolean }[];
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes). */
  dirtyRatio: number;
  /** What makes the log due: its dirty ratio, max.compaction.lag.ms, or tombstones past delete.retention.ms. */
  reason: 'dirty-ratio' | 'max-compaction-lag' | 'tombstones';
}

/** Largest record timestamp of a segment, or its creation time when it has none. */
function newestTimestamp(segment: Segment): number {
  return segment.index.maxTimestamp >= 0 ? segment.index.maxTimestamp : segment.createdMs;
}

/**
 * The cleanable range of a log whose cleanup.policy includes compact, or null when it has
 * nothing the cleaner may touch. Never the active segment; never a segment holding records
 * newer than min.compaction.lag.ms (by its largest timestamp, as Kafka); never past the
 * recovery point, so the records that make others obsolete are on disk before those others
 * are removed (a power loss cannot take both); never past the last stable offset (Kafka's
 * rule: every transaction the cleaner sees is decided, committed or aborted).
 */
function cleanableRange(log: PartitionLog, checkpoint: number | undefined, now: number): Omit<CleanPlan, 'reason'> | null {
  if (!log.config.list('cleanup.policy').includes('compact')) return null;
  const all = log.segments;
  if (all.length < 2) return null;
  let firstDirty = checkpoint ?? log.logStartOffset;
  // A checkpoint outside the log (records deleted, or a log re-created) starts over.
  if (firstDirty < log.logStartOffset || firstDirty > log.logEndOffset) firstDirty = log.logStartOffset;
  const minLagMs = log.config.number('min.compaction.lag.ms');
  const segments: CleanPlan['segments'] = [];
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let end = all.length - 1; // the active segment
  for (let i = 0; i < all.length - 1; i++) {
    const nextBase = all[i + 1].baseOffset;
    const clean = nextBase <= firstDirty;
    if (!clean && (nextBase > log.recoveryPoint || nextBase > log.lastStableOffset || now - newestTimestamp(all[i]) < minLagMs)) {
      end = i;
      break;
    }
    segments.push({ segment: all[i], clean });
    if (clean) cleanBytes += all[i].size;
    else dirtyBytes += all[i].size;
  }
  if (segments.length === 0) return null;
  const total = cleanBytes + dirtyBytes;
  return {
    firstDirtyOffset: firstDirty, firstUncleanableOffset: all[end].baseOffset, segments, cleanBytes, dirtyBytes,
    dirtyRatio: total > 0 ? dirtyBytes / total : 0,
  };
}

/**
 * The plan for a pass over `log` if one is due now, else null: the dirty ratio above
 * min.cleanable.dirty.ratio (strictly, as Kafka), dirty records older than
 * max.compaction.lag.ms (KIP-354: by the first dirty batch's timestamp), or kept tombstones
 * whose delete.retention.ms has passed (KIP-534: they go even when little is dirty).
 */
export async function planCleaning(core: Core, log: PartitionLog, checkpoint: number | undefined, now: number, tombstoneExpiryMs = Infinity): Promise<CleanPlan | null> {
  const range = cleanableRange(log, checkpoint, now);
  if (!range) return null;
  const dirty = range.dirtyBytes > 0;
  if (dirty && range.dirtyRatio > log.config.number('min.cleanable.dirty.ratio')) return { ...range, reason: 'dirty-ratio' };
  if (dirty && await dirtyTooLong(core, log, range, now)) return { ...range, reason: 'max-compaction-lag' };
  if (tombstoneExpiryMs <= now) return { ...range, reason: 'tombstones' };
  return null;
}

async function dirtyTooLong(core: Core, log: PartitionLog, range: Omit<CleanPlan, 'reason'>, now: number): Promise<boolean> {
  const maxLagMs = log.config.number('max.compaction.lag.ms');
  if (maxLagMs >= Number.MAX_SAFE_INTEGER) return false;
  const first = range.segments.find((s) => !s.clean)!.segment;
  const timestamp = await firstBatchTimestamp(core, first);
  return now - (timestamp >= 0 ? timestamp : first.createdMs) > maxLagMs;
}

/** The max timestamp of a segment's first batch, -1 when it has none. */
async function firstBatchTimestamp(core: Core, segment: Segment): Promise<number> {
  if (segment.size < ABI.BATCH_HEADER_SIZE) return -1;
  const head = new Uint8Array(ABI.BATCH_HEADER_SIZE);
  if (await segment.read(0, head) < head.length) return -1;
  return core.readBatchHeader(head).maxTimestamp;
}
