// A partition's log as the main thread knows it: segments, log start/end offsets, indexes,
// and its open transactions (which bound the last stable offset). Appends, and the
// transaction markers a coordinator writes, go to the partition's append worker, which keeps
// the producer state; their results keep this view current. Reads are served from the
// segment files straight into core memory regions.
import type { Core, Region, RegionPool } from '../core/index.js';
import { decodeBatches } from '../core/index.js';
import type { AppendPool, AppendResult, PartitionHandle } from '../storage/append-pool.js';
import {
  FLAG_ROLL, FLAG_STRICT, FLAG_REPLICA, STATUS_OFFSET_BEHIND, STATUS_NO_PARTITION, STATUS_DISK_FULL, STATUS_IO_ERROR, STATUS_OFFSET_OVERFLOW, STATUS_OUT_OF_ORDER_SEQUENCE,
  STATUS_INVALID_PRODUCER_EPOCH, STATUS_INVALID_TXN_STATE, STATUS_COORDINATOR_FENCED,
} from '../storage/channel.js';
import type { ProducerSnapshotEntry } from '../storage/producer-state.js';
import type { AbortedTransaction } from '../storage/txn-index.js';
import type { WriterConfig } from '../storage/partition-writer.js';
import type { TopicConfig } from '../config/config.js';
import { codecs, initCompression, ZSTD } from '../compression/codecs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { Segment } from './segment.js';
import type { IndexCache } from './index-cache.js';
import { FileRecords, HeaderWalker, type BatchBounds } from './file-records.js';
import { TailBatches } from './tail-batches.js';
import { ABI, type Ptr } from '../core/index.js';
import type { LeaderEpochCache } from './leader-epochs.js';

/** Where a batch's partition leader epoch lies (after its length; not covered by the CRC). */
const PARTITION_LEADER_EPOCH = ABI.BATCH_LENGTH + 4;

interface ReadResult {
  /** Whole record batches (a view of core memory until release()), possibly empty. */
  records: Buffer;
  /** Bit n set: some batch uses codec n (Fetch before v10 cannot take zstd). */
  codecs: number;
  release(): void;
}

const NO_RECORDS: ReadResult = { records: Buffer.alloc(0), codecs: 0, release() {} };

/**
 * Told of every change to what the log serves (long-polling fetches): `bytes` of whole
 * batches became readable below the high watermark, and `stableBytes` below the last stable
 * offset (read_committed); -1 where the log cannot count them (a transaction marker moved
 * the last stable offset; the log closed): a reader must look again.
 */
type AppendWatcher = (bytes: number, stableBytes: number) => void;

const walkers = new WeakMap<Core, HeaderWalker>();

/** The thread's header walker (one scratch region per core). */
function walkerFor(core: Core, regions: RegionPool): HeaderWalker {
  let walker = walkers.get(core);
  if (!walker) walkers.set(core, (walker = new HeaderWalker(core, regions)));
  return walker;
}

export class PartitionLog {
  readonly key: string;
  segments: Segment[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  /** Offset up to which the log is synced to disk. */
  recoveryPoint = 0;
  handle: PartitionHandle | null = null;
  private readonly watchers = new Set<AppendWatcher>();
  /** The bounds of the last batches appended: Fetches at the tail are sliced without reading headers. */
  private readonly tail = new TailBatches();
  /** Appends submitted and not yet completed (deletion waits for them). */
  private inflight = 0;
  /** Open transactions: producer id -> first offset, as the append worker's producer state has them. */
  private readonly ongoingTxns = new Map<number, number>();
  /** The smallest first offset of an open transaction, -1 when none is open. */
  private firstUnstable = -1;
  private readonly walker: HeaderWalker;
  /** The leader epoch this broker's appends are stamped with (0 on a broker alone). */
  leaderEpoch = 0;
  /** In a cluster: the partition's leader epochs (leader-epochs.ts); null on a broker alone, where every epoch is 0. */
  epochs: LeaderEpochCache | null = null;
  /** In a cluster: the high watermark the replicas agree on; null on a broker alone (every append is committed). */
  private hw: number | null = null;
  /** Called after each append here moves the log end on (a leader then looks at its high watermark again). */
  onLogEnd: (() => void) | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    public config: TopicConfig,
    private readonly core: Core,
    private readonly regions: RegionPool,
    private readonly pool: AppendPool,
    private readonly indexCache: IndexCache,
  ) {
    this.key = `${topic}-${partition}`;
    this.walker = walkerFor(core, regions);
  }

  /** The offset below which records are committed: on a broker alone every acknowledged append is; in a cluster, those on every in-sync replica. */
  get highWatermark(): number {
    return this.hw === null ? this.logEndOffset : Math.min(this.hw, this.logEndOffset);
  }

  /**
   * A replicated partition's high watermark from now on (the leader's over its ISR, or a
   * follower's from its leader); it never goes back, except by `reset` (a log cut by
   * truncation). Consumers waiting for records are woken when it moves.
   */
  setHighWatermark(offset: number, reset = false): void {
    const next = Math.min(offset, this.logEndOffset);
    if (this.hw !== null && next <= this.hw && !reset) return;
    const moved = this.hw === null || next > this.hw;
    this.hw = next;
    if (moved) this.wake(-1, -1);
  }

  /**
   * The last stable offset (KIP-98): every offset below it is decided, committed or aborted.
   * The first offset of the earliest open transaction (not below the log start, as Kafka's
   * maybeIncrementFirstUnstableOffset), else the high watermark. read_committed consumers
   * read up to it.
   */
  get lastStableOffset(): number {
    if (this.firstUnstable < 0) return this.highWatermark;
    return Math.min(Math.max(this.firstUnstable, this.logStartOffset), this.highWatermark);
  }

  /** Whether `producerId` has a transaction open on this partition (KIP-890's verification asks this before a first transactional append). */
  hasOngoingTransaction(producerId: number): boolean {
    return this.ongoingTxns.has(producerId);
  }

  /** The open transactions as recovery found them (producer id -> first offset). */
  setOngoingTransactions(ongoing: Map<number, number>): void {
    this.ongoingTxns.clear();
    this.firstUnstable = -1;
    for (const [producerId, first] of ongoing) this.txnStarted(producerId, first);
  }

  private txnStarted(producerId: number, firstOffset: number): void {
    this.ongoingTxns.set(producerId, firstOffset);
    if (this.firstUnstable < 0 || firstOffset < this.firstUnstable) this.firstUnstable = firstOffset;
  }

  private txnEnded(producerId: number): void {
    const first = this.ongoingTxns.get(producerId);
    if (first === undefined) return;
    this.ongoingTxns.delete(producerId);
    if (first !== this.firstUnstable) return;
    this.firstUnstable = -1;
    for (const f of this.ongoingTxns.values()) if (this.firstUnstable < 0 || f < this.firstUnstable) this.firstUnstable = f;
  }

  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1];
  }

  get sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  writerConfig(): WriterConfig {
    const c = this.config;
    // A compacted log rolls by max.compaction.lag.ms too, or its newest records could never
    // leave the active segment to be compacted (Kafka's LogConfig.maxSegmentMs).
    const compacted = c.list('cleanup.policy').includes('compact');
    return {
      segmentBytes: c.number('segment.bytes'),
      segmentMs: compacted ? Math.min(c.number('segment.ms'), c.number('max.compaction.lag.ms')) : c.number('segment.ms'),
      segmentJitterMs: c.number('segment.jitter.ms'),
      flushMessages: c.number('flush.messages'),
      flushMs: c.number('flush.ms'),
      producerIdExpirationMs: c.broker.int('producer.id.expiration.ms'),
      producerIdExpirationCheckIntervalMs: c.broker.int('producer.id.expiration.check.interval.ms'),
    };
  }

  /** A segment of this log whose index is not loaded (see Segment). */
  newSegment(baseOffset: number, size = 0): Segment {
    return new Segment(this.core, this.indexCache, this.dir, baseOffset, size, {
      maxIndexBytes: this.config.number('segment.index.bytes'), indexIntervalBytes: this.config.number('index.interval.bytes'),
    });
  }

  /**
   * Appends one record batch (exactly one, magic 2). The append worker validates it, checks
   * it against the producer state and assigns its offsets in place: a batch already in core
   * memory (a request frame) is used where it lies, any other is copied in first. Resolves
   * with where it went once it is written, the log's view (segments, index, end offset)
   * updated; a retried batch of an idempotent producer resolves with where it went the first
   * time (`duplicate`), nothing written. A batch the worker refuses or cannot write throws
   * the KafkaError a producer gets for it. `strict`: a producer's batch (every producer
   * check); internal writers (coordinators) pass false: their producer epochs are checked,
   * not their sequences.
   */
  async append(batch: Uint8Array, strict = true): Promise<AppendResult> {
    if (!this.handle) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
    const flags = (strict ? FLAG_STRICT : 0) | (this.activeSegment.index.isFull ? FLAG_ROLL : 0);
    const logAppendTime = this.config.logAppendTime ? Date.now() : -1;
    const where = this.core.addressOf(batch);
    const copy = where === -1 ? this.regions.alloc(batch.length) : null;
    if (copy) this.core.mem.write(copy.ptr, batch);
    this.inflight++;
    let result: AppendResult;
    try {
      result = await this.pool.append(this.handle, copy ? copy.ptr : where as Ptr, batch.length, flags, logAppendTime, this.leaderEpoch);
    } finally {
      this.inflight--;
      if (copy) this.regions.release(copy);
    }
    if (result.status !== 0) throw this.appendError(result.status, result.detail);
    if (result.duplicate) return result;
    const stableBefore = this.lastStableOffset;
    this.appended(result, batch[ABI.BATCH_ATTRIBUTES + 1] & ABI.COMPRESSION_MASK);
    if (result.txnStarted) this.txnStarted(result.producerId, result.baseOffset);
    this.wake(result.size, this.stableBytes(stableBefore, result));
    this.onLogEnd?.();
    return result;
  }

  /**
   * A follower's append of what its leader's fetch response carried (whole batches, their
   * offsets and epochs kept): each batch is copied into core memory and written by the
   * append worker as it is; a new leader epoch among them goes to the epoch cache first.
   * Batches below the log end (already here) are skipped; a torn last batch (the leader's
   * size limit) is left for the next fetch. Resolves once all are written.
   */
  async appendReplica(records: Uint8Array): Promise<void> {
    if (!this.handle) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
    const dv = new DataView(records.buffer, records.byteOffset, records.byteLength);
    // Whole batches not yet here: [position, size, baseOffset] each.
    const batches: number[] = [];
    let pos = 0;
    while (pos + ABI.BATCH_HEADER_SIZE <= records.length) {
      const size = dv.getInt32(pos + ABI.BATCH_LENGTH) + ABI.BATCH_LOG_OVERHEAD;
      if (size < ABI.BATCH_HEADER_SIZE) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${this.key}: a replicated batch of ${size} bytes`);
      if (pos + size > records.length) break;
      const baseOffset = Number(dv.getBigInt64(pos + ABI.BATCH_BASE_OFFSET));
      if (baseOffset + dv.getInt32(pos + ABI.BATCH_LAST_OFFSET_DELTA) >= this.logEndOffset) {
        batches.push(pos, size, baseOffset);
      }
      pos += size;
    }
    if (batches.length === 0) return;
    const first = batches[0];
    // One copy into core memory; the worker writes every batch from there.
    const copy = this.regions.alloc(pos - first);
    this.core.mem.write(copy.ptr, records.subarray(first, pos));
    this.inflight++;
    try {
      const results: Promise<AppendResult>[] = [];
      let expected = this.logEndOffset;
      for (let i = 0; i < batches.length; i += 3) {
        const at = batches[i];
        this.epochs?.assign(dv.getInt32(at + PARTITION_LEADER_EPOCH), batches[i + 2]);
        const flags = FLAG_REPLICA | (i === 0 && this.activeSegment.index.isFull ? FLAG_ROLL : 0);
        results.push(this.pool.append(this.handle, (copy.ptr + at - first) as Ptr, batches[i + 1], flags, -1, 0, expected));
        expected = batches[i + 2] + dv.getInt32(at + ABI.BATCH_LAST_OFFSET_DELTA) + 1;
      }
      for (let i = 0; i < batches.length; i += 3) {
        const result = await results[i / 3];
        if (result.status !== 0) throw this.appendError(result.status, result.detail);
        this.replicated(result, records[batches[i] + ABI.BATCH_ATTRIBUTES + 1]);
      }
    } finally {
      this.inflight--;
      this.regions.release(copy);
      this.wake(-1, -1);
    }
  }

  /** The log's view after a replicated batch (attributes: its low attribute byte). */
  private replicated(result: AppendResult, attributes: number): void {
    this.appended(result, attributes & ABI.COMPRESSION_MASK);
    if (result.txnStarted) this.txnStarted(result.producerId, result.baseOffset);
    if ((attributes & ABI.CONTROL_BIT) !== 0) {
      this.txnEnded(result.producerId);
      if (result.abortedFirstOffset >= 0) this.activeSegment.txnIndex.add(result.producerId, result.abortedFirstOffset, result.baseOffset, result.abortedLastStableOffset);
    }
  }

  /**
   * Writes a transaction marker (Kafka's EndTransactionMarker, control record version 0) for
   * `producerId`: COMMIT or ABORT of its open transaction on this partition, as a transaction
   * coordinator does for each partition of a transaction. The append worker builds the
   * control batch and appends it; the producer's open transaction ends (a marker without one
   * is written all the same), an aborted one is recorded in the segment's transaction index,
   * and the last stable offset moves on. Resolves with the marker's offset. Throws
   * INVALID_PRODUCER_EPOCH for an epoch older than the producer's on this partition and
   * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch than its last marker's.
   */
  async appendMarker(producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number): Promise<number> {
    if (!this.handle) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
    const logAppendTime = this.config.logAppendTime ? Date.now() : -1;
    this.inflight++;
    let result: AppendResult;
    try {
      const marker = { producerId, producerEpoch, commit, coordinatorEpoch };
      result = await this.pool.appendMarker(this.handle, marker, logAppendTime, this.activeSegment.index.isFull, this.leaderEpoch);
    } finally {
      this.inflight--;
    }
    if (result.status !== 0) throw this.appendError(result.status, result.detail);
    const stableBefore = this.lastStableOffset;
    this.appended(result, 0);
    this.txnEnded(producerId);
    if (result.abortedFirstOffset >= 0) this.activeSegment.txnIndex.add(producerId, result.abortedFirstOffset, result.baseOffset, result.abortedLastStableOffset);
    this.wake(result.size, this.stableBytes(stableBefore, result));
    this.onLogEnd?.();
    return result.baseOffset;
  }

  /** The log's view after a batch was written where `result` says (codec: the batch's compression). */
  private appended(result: AppendResult, codec: number): void {
    if (result.rolled) {
      const old = this.activeSegment;
      const active = this.newSegment(result.baseOffset);
      active.index.reset();
      this.segments.push(active);
      void old.index.deactivate(); // written, then evictable; it never rejects
    }
    const segment = this.activeSegment;
    if (segment.codecs !== null) segment.codecs |= 1 << codec;
    segment.index.onAppend({
      lastOffset: result.lastOffset, position: result.position, size: result.size,
      maxTimestamp: result.maxTimestamp, offsetOfMaxTimestamp: result.offsetOfMaxTimestamp,
    }, this.config.number('index.interval.bytes'));
    segment.size = result.position + result.size;
    this.logEndOffset = result.lastOffset + 1;
    this.tail.add(segment, result.position, result.size, result.baseOffset, result.lastOffset, codec);
  }

  /**
   * The bytes an append just made readable below the last stable offset: all of the batch
   * when the LSO followed the high watermark over it, none when the LSO stayed (a transaction
   * is open), -1 when it moved by some other amount (a marker ended a transaction: what it
   * releases lies further back).
   */
  private stableBytes(stableBefore: number, result: AppendResult): number {
    const stable = this.lastStableOffset;
    if (stable === stableBefore) return 0;
    return stableBefore === result.baseOffset && stable === result.lastOffset + 1 ? result.size : -1;
  }

  /**
   * The aborted transactions a read_committed Fetch lists with `slice` (read from
   * `fetchOffset`, up to `upperBound`: the LSO), from the transaction indexes of its segment
   * and the later ones (Kafka's collectAbortedTransactions): those overlapping the offsets
   * from fetchOffset to the end of the slice's segment, or upperBound if lower.
   */
  abortedTransactions(fetchOffset: number, slice: FileRecords, upperBound: number): AbortedTransaction[] {
    const end = Math.min(upperBound, this.nextSegment(slice.segment)?.baseOffset ?? this.logEndOffset);
    return this.collectAborted(slice.segment, fetchOffset, end);
  }

  /** The aborted transactions overlapping [from, to) (the log cleaner drops their batches). */
  abortedTransactionsIn(from: number, to: number): AbortedTransaction[] {
    const first = this.segmentFor(from) ?? this.segments[0];
    return first ? this.collectAborted(first, from, to) : [];
  }

  private collectAborted(from: Segment, fetchOffset: number, end: number): AbortedTransaction[] {
    const found: AbortedTransaction[] = [];
    for (let s: Segment | undefined = from; s; s = this.nextSegment(s)) {
      if (s.txnIndex.collect(fetchOffset, end, found)) break;
    }
    return found;
  }

  /** The partition's producers as its append worker knows them (DescribeProducers). */
  async producers(): Promise<ProducerSnapshotEntry[]> {
    if (!this.handle) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
    return this.pool.producers(this.handle);
  }

  /** What a producer is told of a batch the append worker refused or could not write. */
  private appendError(status: number, detail: number): KafkaError {
    switch (status) {
      case STATUS_OUT_OF_ORDER_SEQUENCE:
        return new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, detail < 0
          ? `Out of order sequence number in ${this.key}: a new producer epoch must start at sequence 0`
          : `Out of order sequence number in ${this.key}: the batch does not follow sequence ${detail}, the producer's last in this epoch`);
      case STATUS_INVALID_PRODUCER_EPOCH:
        return new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH, `Producer epoch is older than ${detail}, the producer's last on ${this.key}`);
      case STATUS_INVALID_TXN_STATE:
        return new KafkaError(ErrorCode.INVALID_TXN_STATE, `Expected a transactional batch: the producer has a transaction open on ${this.key} since offset ${detail}`);
      case STATUS_COORDINATOR_FENCED:
        return new KafkaError(ErrorCode.TRANSACTION_COORDINATOR_FENCED, `Coordinator epoch is older than ${detail}, the last marker's on ${this.key}`);
      case ABI.ERR_RECORD_COUNT: case ABI.ERR_RECORD_BOUNDS: case ABI.ERR_OFFSET_DELTA:
        return new KafkaError(ErrorCode.INVALID_RECORD, `invalid record batch: ${this.core.codeName(status)}`);
      case STATUS_OFFSET_BEHIND: return new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `${this.key}: a replicated batch starts below the log end ${detail}`);
      case STATUS_NO_PARTITION: return new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not open`);
      case STATUS_DISK_FULL: return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'no space left on the log directory');
      case STATUS_IO_ERROR: case STATUS_OFFSET_OVERFLOW: return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'the log could not be written');
      default: return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `corrupt record batch: ${this.core.codeName(status)}`);
    }
  }

  /** Appends still on their way to disk. */
  get appending(): number {
    return this.inflight;
  }

  /** Calls `listener` once at the next append (long-polling readers). */
  onNextAppend(listener: () => void): () => void {
    const once: AppendWatcher = () => {
      this.watchers.delete(once);
      listener();
    };
    this.watchers.add(once);
    return () => this.watchers.delete(once);
  }

  /**
   * Calls `watcher` at every append, with what it made readable, until the returned cancel
   * is called: a long-polling Fetch counts the bytes towards its minBytes instead of reading
   * the log again at each append (as Kafka's delayed fetch does).
   */
  watchAppends(watcher: AppendWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private wake(bytes: number, stableBytes: number): void {
    if (this.watchers.size === 0) return;
    // In a cluster what an append makes readable depends on the reader (a replica reads to the
    // log end, a consumer to the high watermark, which moves apart): readers look again.
    if (this.hw !== null) bytes = stableBytes = -1;
    // A copy: a watcher that registers again while called waits for the next append.
    for (const w of Array.from(this.watchers)) w(bytes, stableBytes);
  }

  /** The segment holding `offset` (the last one whose base offset is <= offset). */
  segmentFor(offset: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = this.segments[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Whole batches from `fetchOffset`, at most maxBytes of them, from one segment as Kafka
   * reads (the first batch even when larger, with minOneBatch: KIP-74), as a range of the
   * segment file that stays readable until released; null when there is nothing to return.
   * Batches from upperBound on (the high watermark) are left out. `scanCodecs` reads every
   * header in the range to tell which codecs it holds. Throws OFFSET_OUT_OF_RANGE outside
   * [logStartOffset, logEndOffset].
   */
  slice(fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound = this.highWatermark, scanCodecs = false): FileRecords | null {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}] of ${this.key}`);
    }
    for (let segment = this.segmentFor(fetchOffset); segment && fetchOffset < upperBound; segment = this.nextSegment(segment)) {
      const slice = this.sliceOf(segment, fetchOffset, maxBytes, minOneBatch, upperBound, scanCodecs);
      if (slice !== undefined) return slice;
      // fetchOffset lies past this segment's batches (e.g. compacted away): try the next one.
    }
    return null;
  }

  /** The slice of one segment; undefined when no batch of it reaches fetchOffset. */
  private sliceOf(segment: Segment, fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound: number, scanCodecs: boolean): FileRecords | null | undefined {
    if (segment === this.activeSegment) {
      const t = this.tail.slice(segment, this.logEndOffset, fetchOffset, maxBytes, minOneBatch, upperBound);
      if (t !== undefined) return t && new FileRecords(segment, t.start, t.stop - t.start, t.codecs);
    }
    const walker = this.walker;
    let end = segment.size;
    let first: BatchBounds | null = null;
    walker.walk(segment, segment.index.positionFor(fetchOffset), end, (b) => {
      if (b.lastOffset < fetchOffset) return true;
      first = b;
      return false;
    });
    if (first === null) return undefined;
    const start = (first as BatchBounds).position;
    if ((first as BatchBounds).baseOffset >= upperBound) return null;
    if (upperBound < this.logEndOffset) {
      // Records from upperBound on are not served yet: the segment ends, for this read, at its batch.
      end = walker.walk(segment, Math.max(start, segment.index.positionFor(upperBound)), end, (b) => b.baseOffset < upperBound);
    }
    const limit = start + maxBytes;
    let stop = end;
    let codecs: number | null = null;
    // What the whole segment holds tells, without reading a batch, that there is no zstd in it.
    const noZstd = segment.codecs !== null && (segment.codecs & (1 << ZSTD)) === 0;
    if (scanCodecs && !noZstd) {
      codecs = 0;
      stop = walker.walk(segment, start, end, (b) => {
        if (b.position + b.size > limit) return false;
        codecs! |= 1 << (b.attributes & ABI.COMPRESSION_MASK);
        return true;
      });
    } else {
      if (scanCodecs) codecs = segment.codecs;
      // Batches before the last indexed one that starts within the limit all fit: walk from there.
      if (limit < end) stop = walker.walk(segment, Math.max(start, segment.index.positionAtOrBefore(limit)), end, (b) => b.position + b.size <= limit);
    }
    if (stop === start) {
      if (!minOneBatch) return null;
      stop = start + (first as BatchBounds).size;
      codecs = 1 << ((first as BatchBounds).attributes & ABI.COMPRESSION_MASK);
    }
    return new FileRecords(segment, start, stop - start, codecs);
  }

  /**
   * As slice(), with the batches read into core memory (until release()): for readers that
   * decode them (the HTTP gateway, loading internal topics, Fetch versions that convert).
   */
  async read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound = this.highWatermark, scanCodecs = false): Promise<ReadResult> {
    const slice = this.slice(fetchOffset, maxBytes, minOneBatch, upperBound, scanCodecs);
    if (!slice) return NO_RECORDS;
    try {
      return await this.readSlice(slice);
    } finally {
      slice.release();
    }
  }

  /** The bytes of a slice of this log, read into core memory (until release()). */
  async readSlice(slice: FileRecords): Promise<ReadResult> {
    const region = this.regions.alloc(slice.length);
    try {
      const got = await slice.segment.read(slice.position, this.core.mem.view(region.ptr, slice.length));
      if (got < slice.length) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${this.key}: ${slice.length - got} bytes of ${slice.segment.paths.log} are missing`);
      return this.view(region, slice.length, slice.codecs ?? this.codecsOf(region.ptr, slice.length));
    } catch (e) {
      this.regions.release(region);
      throw e;
    }
  }

  /** The segment after `segment`, by base offset (it may have been replaced or removed meanwhile). */
  // Used by abortedTransactions too: a slice's segment may be replaced (compacted) while it is read.
  private nextSegment(segment: Segment): Segment | undefined {
    return this.segments.find((s) => s.baseOffset > segment.baseOffset);
  }

  /**
   * Puts `replacement` in the place of `old` (a compacted copy), or removes `old` when null.
   * False when `old` is no longer in the log (retention or DeleteRecords removed it).
   */
  replaceSegment(old: Segment, replacement: Segment | null): boolean {
    const i = this.segments.indexOf(old);
    if (i < 0 || i === this.segments.length - 1) return false;
    if (replacement) this.segments[i] = replacement;
    else this.segments.splice(i, 1);
    return true;
  }

  /** Which codecs the whole batches at [ptr, ptr + length) use (they are in memory: a scan, no reads). */
  private codecsOf(ptr: Ptr, length: number): number {
    let mask = 0;
    for (const b of this.core.scanAt(ptr, length, 0, Math.ceil(length / ABI.BATCH_HEADER_SIZE)).batches) mask |= 1 << (b.attributes & ABI.COMPRESSION_MASK);
    return mask;
  }

  private view(region: Region, length: number, codecMask: number): ReadResult {
    const records = Buffer.from(this.core.mem.u8().buffer, region.ptr, length);
    let released = false;
    return {
      records,
      codecs: codecMask,
      release: () => {
        if (!released) this.regions.release(region);
        released = true;
      },
    };
  }

  /**
   * The first record with timestamp >= `timestamp` (Kafka's findOffsetByTimestamp): the
   * first segment whose largest timestamp reaches it, the time index, then the records.
   */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    await initCompression(); // the records may be in any codec
    for (const segment of this.segments) {
      if (segment.index.maxTimestamp < timestamp) continue;
      let from = Math.max(segment.index.offsetForTimestamp(timestamp), this.logStartOffset);
      while (from < this.logEndOffset) {
        const chunk = await this.read(from, 1 << 20, true);
        try {
          if (chunk.records.length === 0) break;
          for (const batch of decodeBatches(this.core, chunk.records, codecs)) {
            if (batch.header.maxTimestamp < timestamp) continue;
            for (const record of batch.records) {
              if (record.offset >= from && record.timestamp >= timestamp) return { offset: record.offset, timestamp: record.timestamp };
            }
          }
          from = this.lastOffsetIn(chunk.records) + 1;
        } finally {
          chunk.release();
        }
      }
    }
    return null;
  }

  /** The offset and timestamp of the record with the largest timestamp (ListOffsets -3). */
  async maxTimestampOffset(): Promise<{ offset: number; timestamp: number } | null> {
    let best: Segment | null = null;
    for (const segment of this.segments) if (segment.index.maxTimestamp >= 0 && (!best || segment.index.maxTimestamp > best.index.maxTimestamp)) best = segment;
    if (!best) return null;
    const found = await this.offsetForTimestamp(best.index.maxTimestamp);
    return found ?? { offset: best.index.offsetOfMaxTimestamp, timestamp: best.index.maxTimestamp };
  }

  private lastOffsetIn(records: Uint8Array): number {
    const scan = this.core.scan(records, 0, Math.ceil(records.length / ABI.BATCH_HEADER_SIZE));
    return scan.batches[scan.batches.length - 1].lastOffset;
  }

  /** Advances the log start offset (DeleteRecords); whole segments below it are deleted. */
  deleteRecordsBefore(offset: number, fileDeleteDelayMs: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.deleteSegmentsBelow(offset, fileDeleteDelayMs);
  }

  private deleteSegmentsBelow(offset: number, fileDeleteDelayMs: number): void {
    while (this.segments.length > 1 && this.segments[1].baseOffset <= offset) {
      this.segments.shift()!.delete(fileDeleteDelayMs);
    }
  }

  /**
   * Retention (cleanup.policy delete): deletes the oldest segments whose largest timestamp
   * is older than retention.ms, then while the log exceeds retention.bytes. Never the active
   * segment. Returns the number of segments deleted.
   */
  applyRetention(now: number): number {
    if (!this.config.list('cleanup.policy').includes('delete')) return 0;
    const retentionMs = this.config.number('retention.ms');
    const retentionBytes = this.config.number('retention.bytes');
    const delay = this.config.number('file.delete.delay.ms');
    let deleted = 0;
    let size = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const newest = oldest.index.maxTimestamp >= 0 ? oldest.index.maxTimestamp : oldest.createdMs;
      const expired = retentionMs >= 0 && now - newest > retentionMs;
      const oversized = retentionBytes >= 0 && size - oldest.size >= retentionBytes;
      if (!expired && !oversized) break;
      this.segments.shift();
      size -= oldest.size;
      oldest.delete(delay);
      deleted++;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
    }
    return deleted;
  }

  /** Writes the indexes changed since they were last written (clean shutdown). */
  async saveIndexes(): Promise<void> {
    for (const segment of this.segments) await segment.index.saveOnShutdown();
  }

  close(): void {
    for (const segment of this.segments) {
      segment.close();
      segment.index.release();
    }
    this.wake(-1, -1);
  }
}
