// Loading a partition's producer state at startup (Kafka's rebuildProducerState and
// ProducerStateManager.truncateAndReload), after recovery.ts has made the log whole: the
// latest good snapshot at or below the log end (and at or below the first segment recovery
// rebuilt, whose transaction index must be rebuilt from the state at its start), then every
// batch after it replayed from the log. The state goes to the partition's append worker with
// its writer (storage/partition-writer.ts), which keeps it from then on.
//   - Snapshots past the log end or at or below the log start, and strays (not at a segment
//     base, except the newest past them all: the clean shutdown's) are deleted; a corrupt one
//     is deleted and the next older tried.
//   - No snapshot at all after a clean shutdown: the log predates producer state (or never had
//     producers): nothing is replayed, as Kafka skips the scan on upgrade.
//   - The transaction index of each segment recovery rebuilt is rebuilt here from the ABORT
//     markers replayed in it.
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import type { Core, RegionPool } from '../core/index.js';
import { ABI } from '../core/index.js';
import { parseSnapshotFileName, snapshotPath } from '../storage/layout.js';
import { ProducerStateManager, type ProducerStateExport } from '../storage/producer-state.js';
import { decodeSnapshot, encodeSnapshot, CorruptSnapshotError } from '../storage/producer-snapshot.js';
import { writeSnapshotFile } from '../storage/producer-files.js';
import { walkSegment } from './segment-scan.js';
import { AbortedTxnIndex } from './aborted-txns.js';
import type { PartitionLog } from './partition-log.js';

interface ProducerLoadOptions {
  /** The last shutdown was clean. */
  clean: boolean;
  /** Base offset of the first segment recovery rebuilt (Infinity: none). */
  recoveredFrom: number;
  now: number;
  /** producer.id.expiration.ms: producers idle this long are not loaded. */
  expirationMs: number;
  /** The partition directory's file names as the log's load listed them (saves listing it again); read when not given. */
  files?: readonly string[];
}

export interface ProducerLoad {
  /** The state at the log end. */
  producers: ProducerStateExport[];
  /** Open transactions: producer id -> first offset. */
  ongoing: Map<number, number>;
  /** The latest snapshot on disk now, -1 when none. */
  snapshotOffset: number;
  /** Batches replayed from the log. */
  replayed: number;
  /** What was found wrong and dealt with (corrupt snapshots). */
  warnings: string[];
}

export function loadProducerState(core: Core, regions: RegionPool, log: PartitionLog, options: ProducerLoadOptions): ProducerLoad {
  const crc = (b: Uint8Array) => core.crc32c(b);
  const warnings: string[] = [];
  const state = new ProducerStateManager();
  const snapshots = keptSnapshots(log, options.files ?? readdirSync(log.dir));
  const limit = Math.min(log.logEndOffset, options.recoveredFrom);
  // Kafka's upgrade shortcut: no snapshot at all after a clean stop means no producer state to
  // rebuild. One that is there but corrupt means there was: the log is replayed instead.
  const upgraded = options.clean && snapshots.length === 0;
  let start = -1;
  for (const offset of snapshots.filter((o) => o <= limit).reverse()) {
    const path = snapshotPath(log.dir, offset);
    try {
      for (const entry of decodeSnapshot(readFileSync(path), crc)) {
        if (!ProducerStateManager.expired(entry.currentTxnFirstOffset, entry.timestamp, options.now, options.expirationMs)) state.load(entry);
      }
      start = offset;
      break;
    } catch (e) {
      if (!(e instanceof CorruptSnapshotError)) throw e;
      warnings.push(`${path}: ${e.message}; deleted (an older snapshot or the log gives the state)`);
      unlinkSync(path);
      snapshots.splice(snapshots.indexOf(offset), 1);
    }
  }
  if (start < 0) start = upgraded ? log.logEndOffset : log.logStartOffset;
  const replayed = replay(core, regions, log, state, start, options.recoveredFrom);
  let snapshotOffset = snapshots.length > 0 ? snapshots[snapshots.length - 1] : -1;
  // Nothing to keep after a clean stop without producer state (Kafka's upgrade shortcut above):
  // no snapshot, or a start of 10,000 partitions with data wrote 10,000 empty files.
  const nothing = upgraded && replayed === 0 && state.producers.size === 0;
  if (!nothing && log.logEndOffset > Math.max(snapshotOffset, log.logStartOffset)) {
    // Kafka takes a snapshot at the end of a rebuild: the next start replays nothing more. Its
    // fsync runs in the background: a start of thousands of partitions does not wait on one
    // each, and a snapshot lost to a crash only means more of the log to replay.
    writeSnapshotFile(snapshotPath(log.dir, log.logEndOffset), encodeSnapshot(state.snapshotEntries(), crc), false);
    snapshotOffset = log.logEndOffset;
  }
  return { producers: state.exportEntries(), ongoing: new Map(state.ongoing), snapshotOffset, replayed, warnings };
}

/**
 * The snapshot offsets worth keeping, ascending; the others are deleted: past the log end,
 * at or below the log start (Kafka's truncateAndReload), and strays that are no segment's
 * base, but for the newest when it lies past every base (removeStraySnapshots).
 */
function keptSnapshots(log: PartitionLog, files: readonly string[]): number[] {
  const bases = new Set(log.segments.map((s) => s.baseOffset));
  const lastBase = log.segments[log.segments.length - 1].baseOffset;
  const found = files.map(parseSnapshotFileName).filter((o): o is number => o !== null).sort((a, b) => a - b);
  const strays = found.filter((o) => !bases.has(o));
  const newestStray = strays.length > 0 && strays[strays.length - 1] > lastBase ? strays[strays.length - 1] : -1;
  const kept: number[] = [];
  for (const offset of found) {
    const keep = offset <= log.logEndOffset && offset > log.logStartOffset && (bases.has(offset) || offset === newestStray);
    if (keep) kept.push(offset);
    else unlinkSync(snapshotPath(log.dir, offset));
  }
  return kept;
}

/**
 * Replays the batches from `start` to the log end into `state` (Kafka's
 * loadProducersFromRecords: no checks); rewrites the transaction index of every segment
 * based at or after `rebuildFrom`. Returns the batches replayed.
 */
function replay(core: Core, regions: RegionPool, log: PartitionLog, state: ProducerStateManager, start: number, rebuildFrom: number): number {
  let replayed = 0;
  const header = {};
  for (let i = 0; i < log.segments.length; i++) {
    const segment = log.segments[i];
    const nextBase = i + 1 < log.segments.length ? log.segments[i + 1].baseOffset : Infinity;
    // Only from a state known at its start (a clean start without snapshots replays nothing).
    const rebuild = segment.baseOffset >= rebuildFrom && segment.baseOffset >= start;
    if (nextBase <= start && !rebuild) continue;
    const aborted: number[] = [];
    const from = segment.baseOffset < start ? segment.index.positionFor(start) : 0;
    walkSegment(core, regions, segment, from, 0, (batch, _position, ptr) => {
      if (batch.lastOffset < start) return;
      if (core.readHeaderAt(ptr, batch.size) < 0) return;
      const h = core.header(header);
      if (h.producerId < 0) return;
      replayed++;
      if (!h.isControl) {
        state.appendData(h.producerId, h.producerEpoch, h.baseSequence, h.baseOffset, h.lastOffset, h.maxTimestamp, h.isTransactional);
        return;
      }
      const type = core.controlTypeAt(ptr, batch.size);
      if (type !== ABI.CONTROL_ABORT && type !== ABI.CONTROL_COMMIT) return;
      if (type === ABI.CONTROL_ABORT && state.previewMarker(h.producerId, h.baseOffset)) {
        aborted.push(h.producerId, state.completedFirstOffset, h.baseOffset, state.completedLastStableOffset);
      }
      state.appendMarker(h.producerId, h.producerEpoch, core.coordinatorEpoch(), h.baseOffset, h.maxTimestamp);
    });
    if (rebuild) AbortedTxnIndex.write(segment.paths.txnIndex, Float64Array.from(aborted));
  }
  return replayed;
}

/** The snapshot files of a partition directory (for tests and tools). */
export function snapshotOffsets(dir: string): number[] {
  return readdirSync(dir).map(parseSnapshotFileName).filter((o): o is number => o !== null).sort((a, b) => a - b);
}
