// The log cleaner (Kafka's LogCleaner), main-thread side: every log.cleaner.backoff.ms it
// compacts the logs that are due (cleaner-plan.ts), one at a time. The file work runs in one
// worker thread (cleaner-worker.ts): a pass reads, decodes, filters and rewrites segments,
// which takes seconds for large logs and must not hold up requests. A plain worker_threads
// Worker rather than a pool (piscina): Kafka runs one cleaner thread by default, passes are
// few and long, and one thread bounds the cleaner's CPU and memory.
//
// Swapping a cleaned copy in, per segment (crash-safe at every step):
//   1. the worker writes <base>.log.cleaned and fsyncs it (a crash: recovery deletes the
//      .cleaned file, the segment is untouched);
//   2. here: the segment's read file is opened (reads in flight keep the old bytes), its
//      .index/.timeindex are unlinked (a crash: the old log loads, its indexes are rebuilt),
//      and .cleaned is renamed over <base>.log: atomic, the old or the new log, never a mix;
//   3. the Segment object is replaced, the new indexes (built from the worker's batch list)
//      saved; a crash before that rebuilds them from the log.
// A segment left empty is then deleted (not the log's first: it keeps the log start). The
// cleaner checkpoint is written after the directory is synced, so it never runs ahead of the
// swaps it counts.
import { Worker } from 'node:worker_threads';
import { renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { coreModule, type Core } from '../core/index.js';
import type { BrokerConfig } from '../config/config.js';
import { readCheckpoint, writeCheckpoint, writeCheckpointSync } from './checkpoint.js';
import { CLEANER_OFFSET_CHECKPOINT, CLEANED_SUFFIX, segmentPaths } from '../storage/layout.js';
import { planCleaning, type CleanPlan } from './cleaner-plan.js';
import type { CleanOutput, CleanTask, CleanedSegment } from './cleaner-task.js';
import type { CleanerReply } from './cleaner-worker.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';
import { AbortedTxnIndex } from './aborted-txns.js';
import type { Logger } from '../base/logger.js';
import { workerUrl } from '../base/worker-url.js';

/** What one pass did to one log. */
export interface CleanStats {
  log: string;
  reason: CleanPlan['reason'];
  /** Offsets [from, to) were compacted: from the log's first segment to the new checkpoint. */
  from: number;
  to: number;
  segments: number;
  bytesBefore: number;
  bytesAfter: number;
  records: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** Records of aborted transactions removed, and transaction markers removed. */
  abortedRecordsRemoved: number;
  markersRemoved: number;
  ms: number;
}

const WORKER_URL = workerUrl(import.meta.url, 'log/cleaner-worker.js');

/** The cleaner's worker thread, started on first use, one pass at a time. */
class CleanerThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (o: CleanOutput) => void; reject: (e: Error) => void }>();

  run(task: CleanTask): Promise<CleanOutput> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, task });
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { module: coreModule() } });
    worker.unref(); // never what keeps the process alive
    worker.on('message', (reply: CleanerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.output);
    });
    const fail = (e: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const waiter of this.pending.values()) waiter.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`log cleaner thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

export class LogCleaner {
  /** Cleaner checkpoints: "<topic>-<partition>" -> first dirty offset. */
  private readonly checkpoints = new Map<string, number>();
  /** When each log's earliest kept tombstone may go (known after a pass; not kept across restarts). */
  private readonly tombstoneExpiry = new Map<string, number>();
  private readonly thread = new CleanerThread();
  /** Passes run one after another: this is the last one queued. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly config: BrokerConfig,
    private readonly core: Core,
    private readonly logs: () => PartitionLog[],
    private readonly logger: Logger,
  ) {}

  private get checkpointPath(): string {
    return join(this.dir, CLEANER_OFFSET_CHECKPOINT);
  }

  loadCheckpoint(): void {
    for (const [key, offset] of readCheckpoint(this.checkpointPath)) this.checkpoints.set(key, offset);
  }

  /** Starts the background passes (log.cleaner.enable), every log.cleaner.backoff.ms. */
  start(): void {
    if (!this.config.bool('log.cleaner.enable')) return;
    const schedule = () => {
      if (this.stopped) return;
      // Read each time: log.cleaner.backoff.ms may change at runtime.
      this.timer = setTimeout(() => {
        this.clean(Date.now()).catch((e) => this.logger.warn(`log cleaner: ${(e as Error).message}`)).finally(schedule);
      }, Math.min(this.config.int('log.cleaner.backoff.ms'), 2 ** 31 - 1));
      this.timer.unref();
    };
    schedule();
  }

  /**
   * Compacts every log that is due (of `topic` only, if given), the dirtiest first, one at a
   * time; resolves with what each pass did. Waits for a pass already running.
   */
  clean(now: number, topic?: string): Promise<CleanStats[]> {
    const run = this.queue.then(() => this.cleanDue(now, topic));
    this.queue = run.catch(() => {});
    return run;
  }

  /** A log was deleted: forget its checkpoint. */
  forget(key: string): void {
    this.checkpoints.delete(key);
    this.tombstoneExpiry.delete(key);
  }

  private async cleanDue(now: number, topic?: string): Promise<CleanStats[]> {
    const due: { log: PartitionLog; plan: CleanPlan }[] = [];
    for (const log of this.logs()) {
      if (topic !== undefined && log.topic !== topic) continue;
      const plan = await planCleaning(this.core, log, this.checkpoints.get(log.key), now, this.tombstoneExpiry.get(log.key));
      if (plan) due.push({ log, plan });
    }
    due.sort((a, b) => b.plan.dirtyRatio - a.plan.dirtyRatio);
    const done: CleanStats[] = [];
    for (const { log } of due) {
      if (this.stopped) break;
      try {
        // Planned again: the passes before this one took time, retention may have run.
        const plan = await planCleaning(this.core, log, this.checkpoints.get(log.key), now, this.tombstoneExpiry.get(log.key));
        const stats = plan && await this.cleanLog(log, plan, now);
        if (stats) done.push(stats);
      } catch (e) {
        // A log deleted meanwhile fails its pass for want of files: nothing to say.
        if (!this.stopped && log.handle) this.logger.warn(`log cleaner: ${log.key}: ${(e as Error).message}`);
      }
    }
    return done;
  }

  private async cleanLog(log: PartitionLog, plan: CleanPlan, now: number): Promise<CleanStats | null> {
    if (this.stopped) return null;
    const started = Date.now();
    const c = log.config;
    const output = await this.thread.run({
      dir: log.dir,
      segments: plan.segments.map(({ segment, clean }) => ({ baseOffset: segment.baseOffset, size: segment.size, clean })),
      endOffset: plan.firstUncleanableOffset,
      nowMs: now,
      deleteRetentionMs: c.number('delete.retention.ms'),
      maxMapBytes: this.config.int('log.cleaner.dedupe.buffer.size'),
      abortedTxns: log.abortedTransactionsIn(plan.segments[0].segment.baseOffset, plan.firstUncleanableOffset)
        .flatMap((t) => [t.producerId, t.firstOffset, t.lastOffset]),
    });
    const originals = new Map(plan.segments.map(({ segment }) => [segment.baseOffset, segment]));
    if (!log.handle || this.stopped) {
      discard(log, output.segments);
      return null;
    }
    for (const cleaned of output.segments) {
      if (cleaned.outcome === 'replaced') await this.swapIn(log, originals.get(cleaned.baseOffset)!, cleaned);
    }
    await syncDirectory(log.dir);
    this.checkpoints.set(log.key, output.cleanedTo);
    this.tombstoneExpiry.set(log.key, output.tombstoneExpiryMs);
    await this.writeCheckpoint();
    const stats = summarize(log, plan, output, Date.now() - started);
    const txns = stats.abortedRecordsRemoved + stats.markersRemoved > 0
      ? `, ${stats.abortedRecordsRemoved} aborted, ${stats.markersRemoved} transaction marker(s) removed` : '';
    this.logger.info(`${log.key}: compacted offsets [${stats.from}, ${stats.to}) in ${stats.segments} segment(s): `
      + `${stats.bytesBefore} -> ${stats.bytesAfter} bytes, ${stats.recordsRemoved} of ${stats.records} records removed `
      + `(${stats.tombstonesRemoved} tombstones${txns}) in ${stats.ms} ms`);
    return stats;
  }

  /** Renames the cleaned copy over `old` and puts a Segment for it in the log (steps 2 and 3 above). */
  private async swapIn(log: PartitionLog, old: Segment, cleaned: CleanedSegment): Promise<void> {
    const cleanedPath = old.paths.log + CLEANED_SUFFIX;
    // A write of the old index still in progress (from its roll) would land on the new one's files.
    await old.index.written();
    // Synchronous from here to the replacement: retention and DeleteRecords run on this
    // thread, so the segment cannot be deleted between the check and the rename.
    if (!log.handle || !log.segments.includes(old) || old === log.activeSegment) {
      unlinkQuietly(cleanedPath);
      return;
    }
    old.pin();
    unlinkQuietly(old.paths.index);
    unlinkQuietly(old.paths.timeIndex);
    renameSync(cleanedPath, old.paths.log);
    // The aborted transactions whose ABORT markers the copy dropped leave the segment's
    // transaction index: after the rename, so that the index never misses a marker the log has.
    if (old.txnIndex.size > 0) {
      const kept = new Set(cleaned.abortMarkers);
      AbortedTxnIndex.write(old.paths.txnIndex, old.txnIndex.filter((lastOffset) => kept.has(lastOffset)));
    }
    const fresh = log.newSegment(old.baseOffset, cleaned.sizeAfter);
    fresh.createdMs = old.createdMs;
    fresh.index.reset();
    const interval = log.config.number('index.interval.bytes');
    const b = cleaned.batches;
    for (let i = 0; i < b.length; i += 4) {
      fresh.index.onAppend({ lastOffset: b[i], position: b[i + 1], size: b[i + 2], maxTimestamp: b[i + 3], offsetOfMaxTimestamp: b[i] }, interval);
    }
    log.replaceSegment(old, fresh);
    const delayMs = log.config.number('file.delete.delay.ms');
    old.retire(delayMs);
    if (cleaned.sizeAfter === 0 && log.segments[0] !== fresh) {
      // Nothing left in it: drop it (reads of its offsets go on to the next segment).
      log.replaceSegment(fresh, null);
      fresh.delete(delayMs);
      return;
    }
    await fresh.index.deactivate(); // written, then in the index cache like any inactive segment's
  }

  private entries(): [string, number, number][] {
    const entries: [string, number, number][] = [];
    for (const log of this.logs()) {
      const offset = this.checkpoints.get(log.key);
      if (offset !== undefined) entries.push([log.topic, log.partition, offset]);
    }
    return entries;
  }

  private writeCheckpoint(): Promise<void> {
    return writeCheckpoint(this.checkpointPath, this.entries());
  }

  /** Stops the background passes: a pass in its worker is abandoned (its .cleaned files are removed at the next start). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.thread.stop();
    await this.queue;
    writeCheckpointSync(this.checkpointPath, this.entries());
  }
}

function summarize(log: PartitionLog, plan: CleanPlan, output: CleanOutput, ms: number): CleanStats {
  let bytesBefore = 0;
  let bytesAfter = 0;
  for (const s of output.segments) {
    bytesBefore += s.sizeBefore;
    bytesAfter += s.sizeAfter;
  }
  return {
    log: log.key, reason: plan.reason, from: plan.segments[0].segment.baseOffset, to: output.cleanedTo, segments: output.segments.length,
    bytesBefore, bytesAfter, records: output.records, recordsRemoved: output.records - output.recordsKept,
    tombstonesRemoved: output.tombstonesRemoved, abortedRecordsRemoved: output.abortedRecordsRemoved, markersRemoved: output.markersRemoved, ms,
  };
}

function discard(log: PartitionLog, segments: CleanedSegment[]): void {
  for (const s of segments) if (s.outcome === 'replaced') unlinkQuietly(segmentPaths(log.dir, s.baseOffset).log + CLEANED_SUFFIX);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** fsyncs a directory, making the renames in it durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
