// The state of a partition's idempotent and transactional producers (Kafka's
// ProducerStateManager, ProducerStateEntry and ProducerAppendInfo), kept by the append worker
// that owns the partition and consulted on every append that carries a producer id:
//   - per producer id: its epoch, the metadata of its last 5 batches (sequence range, offsets,
//     timestamp), the coordinator epoch of its last marker, and the first offset of its open
//     transaction on this partition;
//   - the open transactions (producer id -> first offset), whose earliest first offset bounds
//     the last stable offset.
// KIP-98: sequence numbers are per partition, per producer epoch; a batch is in sequence when
// its first sequence follows the last one appended; a retried batch whose sequence range
// matches one of the last 5 is a duplicate and is answered with its original offsets. A new
// epoch starts at sequence 0; an older epoch is refused (INVALID_PRODUCER_EPOCH since Kafka
// 2.7). KIP-360: a producer id the partition does not know (expired, or its records deleted)
// may start at any sequence. Nothing here allocates per batch: a producer's batch metadata is
// a ring in one typed array, made when the producer is first seen.
import {
  STATUS_OUT_OF_ORDER_SEQUENCE, STATUS_INVALID_PRODUCER_EPOCH, STATUS_INVALID_TXN_STATE, STATUS_COORDINATOR_FENCED,
} from './channel.js';

const NO_EPOCH = -1;
const NO_SEQUENCE = -1;
/** Batches whose metadata a producer entry keeps, for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_RETAINED = 5;
const INT32_MAX = 0x7fffffff;

/** checkData's answer for a retried batch: append nothing, answer with duplicate*. */
export const DUPLICATE = 1;

/** Who appends: a producer (every check), or a coordinator (epochs only: no sequences). */
export const ORIGIN_CLIENT = 0;
export const ORIGIN_COORDINATOR = 1;

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

function inSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT32_MAX);
}

// Fields of one batch's metadata in a producer's ring.
const B_LAST_SEQ = 0;
const B_LAST_OFFSET = 1;
const B_OFFSET_DELTA = 2;
const B_TIMESTAMP = 3;
const B_FIELDS = 4;

/** One producer id on one partition (Kafka's ProducerStateEntry). */
class ProducerEntry {
  epoch = NO_EPOCH;
  coordinatorEpoch = -1;
  /** The max timestamp of its last batch, or its last marker's time (expiration goes by it). */
  lastTimestamp = -1;
  /** First offset of its open transaction on this partition, -1 when none. */
  txnFirstOffset = -1;
  /** The metadata of its last batches, oldest first from `head`. */
  private readonly ring = new Float64Array(BATCHES_RETAINED * B_FIELDS);
  private head = 0;
  /** Batches in the ring. */
  batches = 0;

  constructor(readonly producerId: number) {}

  private field(i: number, f: number): number {
    return this.ring[((this.head + i) % BATCHES_RETAINED) * B_FIELDS + f];
  }

  /** Sequence of the last batch appended in this epoch, or NO_SEQUENCE. */
  get lastSequence(): number {
    return this.batches === 0 ? NO_SEQUENCE : this.field(this.batches - 1, B_LAST_SEQ);
  }

  /** Last offset of its last batch, -1 when none is kept. */
  get lastDataOffset(): number {
    return this.batches === 0 ? -1 : this.field(this.batches - 1, B_LAST_OFFSET);
  }

  get lastOffsetDelta(): number {
    return this.batches === 0 ? 0 : this.field(this.batches - 1, B_OFFSET_DELTA);
  }

  /** A new epoch forgets the old epoch's batches (Kafka's maybeUpdateProducerEpoch). */
  setEpoch(epoch: number): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.batches = 0;
    this.head = 0;
  }

  addBatch(lastSequence: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    if (this.batches === BATCHES_RETAINED) {
      this.head = (this.head + 1) % BATCHES_RETAINED;
      this.batches--;
    }
    const at = ((this.head + this.batches) % BATCHES_RETAINED) * B_FIELDS;
    this.ring[at + B_LAST_SEQ] = lastSequence;
    this.ring[at + B_LAST_OFFSET] = lastOffset;
    this.ring[at + B_OFFSET_DELTA] = offsetDelta;
    this.ring[at + B_TIMESTAMP] = timestamp;
    this.batches++;
  }

  /** The kept batch with exactly this sequence range, or -1. */
  findBatch(firstSequence: number, lastSequence: number): number {
    for (let i = 0; i < this.batches; i++) {
      const last = this.field(i, B_LAST_SEQ);
      if (last === lastSequence && decrementSequence(last, this.field(i, B_OFFSET_DELTA)) === firstSequence) return i;
    }
    return -1;
  }

  batchLastSequence(i: number): number {
    return this.field(i, B_LAST_SEQ);
  }

  batchLastOffset(i: number): number {
    return this.field(i, B_LAST_OFFSET);
  }

  batchOffsetDelta(i: number): number {
    return this.field(i, B_OFFSET_DELTA);
  }

  batchTimestamp(i: number): number {
    return this.field(i, B_TIMESTAMP);
  }
}

/** A producer as a snapshot (and DescribeProducers) holds it: one entry of Kafka's ProducerSnapshot. */
export interface ProducerSnapshotEntry {
  producerId: number;
  epoch: number;
  lastSequence: number;
  /** -1 when no batch of it is kept. */
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
}

/**
 * A producer as handed from recovery to the append worker: a snapshot entry, with the
 * metadata of all its kept batches (4 numbers each, oldest first: lastSequence, lastOffset,
 * offsetDelta, timestamp), so that a retry of any of the last 5 is still recognised.
 */
export interface ProducerStateExport extends ProducerSnapshotEntry {
  batches: number[];
}

/** A partition's producers (Kafka's ProducerStateManager, without its files: see producer-snapshot.ts). */
export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>();
  /** Open transactions: producer id -> first offset. */
  readonly ongoing = new Map<number, number>();
  /** The smallest first offset in `ongoing`, -1 when empty. */
  private firstUnstable = -1;

  // What the last check or append found, read by the caller (nothing allocated per batch).
  /** checkData: the duplicate's offsets and timestamp. */
  duplicateBaseOffset = -1;
  duplicateLastOffset = -1;
  duplicateTimestamp = -1;
  /** A refusal's detail: the current last sequence, epoch or coordinator epoch. */
  detail = -1;
  /** appendMarker: the first offset of the transaction it ended (-1: none was open), and the LSO for the transaction index. */
  completedFirstOffset = -1;
  completedLastStableOffset = -1;

  /** The first offset of the earliest open transaction, -1 when none is open. */
  get firstUnstableOffset(): number {
    return this.firstUnstable;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /**
   * Checks a data batch before it is written (Kafka's findDuplicateBatch, checkProducerEpoch,
   * checkSequence, and the transactional-state rule of appendDataBatch). Returns 0 to append
   * it, DUPLICATE (duplicate* say where it went), or a STATUS_* refusal (with detail).
   */
  checkData(producerId: number, epoch: number, baseSequence: number, lastOffsetDelta: number, transactional: boolean, origin: number): number {
    const entry = this.producers.get(producerId);
    const currentEpoch = entry ? entry.epoch : NO_EPOCH;
    if (origin === ORIGIN_CLIENT && entry && epoch === currentEpoch && entry.batches > 0) {
      const found = entry.findBatch(baseSequence, lastSequenceOf(baseSequence, lastOffsetDelta));
      if (found >= 0) {
        this.duplicateLastOffset = entry.batchLastOffset(found);
        this.duplicateBaseOffset = this.duplicateLastOffset - entry.batchOffsetDelta(found);
        this.duplicateTimestamp = entry.batchTimestamp(found);
        return DUPLICATE;
      }
    }
    if (epoch < currentEpoch) {
      this.detail = currentEpoch;
      return STATUS_INVALID_PRODUCER_EPOCH;
    }
    // A producer the partition does not know may start at any sequence (KIP-360).
    if (origin === ORIGIN_CLIENT && currentEpoch !== NO_EPOCH) {
      if (epoch !== currentEpoch) {
        // A new epoch starts its sequences at 0.
        if (baseSequence !== 0) {
          this.detail = NO_SEQUENCE;
          return STATUS_OUT_OF_ORDER_SEQUENCE;
        }
      } else if (!inSequence(entry!.lastSequence, baseSequence)) {
        this.detail = entry!.lastSequence;
        return STATUS_OUT_OF_ORDER_SEQUENCE;
      }
    }
    // Kafka 3.x: a producer with an open transaction writes only transactional batches.
    if (entry && entry.txnFirstOffset >= 0 && !transactional) {
      this.detail = entry.txnFirstOffset;
      return STATUS_INVALID_TXN_STATE;
    }
    return 0;
  }

  /**
   * Records a data batch written at [baseOffset, lastOffset] (after checkData, or replayed
   * from the log). A transactional batch of a producer with no open transaction here opens
   * one at baseOffset: returns true then.
   */
  appendData(producerId: number, epoch: number, baseSequence: number, baseOffset: number, lastOffset: number, maxTimestamp: number, transactional: boolean): boolean {
    const entry = this.entryFor(producerId);
    entry.setEpoch(epoch);
    const delta = lastOffset - baseOffset;
    entry.addBatch(lastSequenceOf(baseSequence, delta), lastOffset, delta, maxTimestamp);
    entry.lastTimestamp = maxTimestamp;
    if (!transactional || entry.txnFirstOffset >= 0) return false;
    entry.txnFirstOffset = baseOffset;
    this.ongoing.set(producerId, baseOffset);
    if (this.firstUnstable < 0 || baseOffset < this.firstUnstable) this.firstUnstable = baseOffset;
    return true;
  }

  /**
   * Checks a COMMIT or ABORT marker before it is written: an older producer epoch is
   * INVALID_PRODUCER_EPOCH, an older coordinator epoch TRANSACTION_COORDINATOR_FENCED.
   */
  checkMarker(producerId: number, epoch: number, coordinatorEpoch: number): number {
    const entry = this.producers.get(producerId);
    if (!entry) return 0;
    if (epoch < entry.epoch) {
      this.detail = entry.epoch;
      return STATUS_INVALID_PRODUCER_EPOCH;
    }
    if (entry.coordinatorEpoch > coordinatorEpoch) {
      this.detail = entry.coordinatorEpoch;
      return STATUS_COORDINATOR_FENCED;
    }
    return 0;
  }

  /**
   * Records a marker written at `offset`: it ends the producer's open transaction. When one
   * was open, completedFirstOffset is its first offset and completedLastStableOffset the LSO
   * to record with it (Kafka's lastStableOffset(CompletedTxn)); else completedFirstOffset is -1.
   */
  appendMarker(producerId: number, epoch: number, coordinatorEpoch: number, offset: number, timestamp: number): void {
    const entry = this.entryFor(producerId);
    if (this.previewMarker(producerId, offset)) {
      this.ongoing.delete(producerId);
      if (entry.txnFirstOffset === this.firstUnstable) this.firstUnstable = this.smallestOngoing();
    }
    entry.setEpoch(epoch);
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.txnFirstOffset = -1;
    entry.lastTimestamp = timestamp;
  }

  /**
   * What a marker at `offset` would complete, without recording it: true when the producer
   * has an open transaction (then completedFirstOffset and completedLastStableOffset say
   * which, and the LSO its index entry records); else false, completedFirstOffset -1.
   */
  previewMarker(producerId: number, offset: number): boolean {
    const first = this.producers.get(producerId)?.txnFirstOffset ?? -1;
    this.completedFirstOffset = first;
    this.completedLastStableOffset = first >= 0 ? this.nextUnstableAfter(producerId, offset) : -1;
    return first >= 0;
  }

  /** The earliest open transaction of another producer, else the offset after the marker. */
  private nextUnstableAfter(producerId: number, markerOffset: number): number {
    let next = -1;
    for (const [id, first] of this.ongoing) if (id !== producerId && (next < 0 || first < next)) next = first;
    return next >= 0 ? next : markerOffset + 1;
  }

  private smallestOngoing(): number {
    let smallest = -1;
    for (const first of this.ongoing.values()) if (smallest < 0 || first < smallest) smallest = first;
    return smallest;
  }

  private entryFor(producerId: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (!entry) this.producers.set(producerId, (entry = new ProducerEntry(producerId)));
    return entry;
  }

  /** Kafka's isProducerExpired: idle past expirationMs, with no open transaction. */
  static expired(txnFirstOffset: number, lastTimestamp: number, now: number, expirationMs: number): boolean {
    return txnFirstOffset < 0 && now - lastTimestamp >= expirationMs;
  }

  /** Forgets producers idle past producer.id.expiration.ms (never one with an open transaction). Returns how many. */
  removeExpired(now: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (ProducerStateManager.expired(entry.txnFirstOffset, entry.lastTimestamp, now, expirationMs)) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Every producer as a snapshot entry (its last batch only, as Kafka's snapshot keeps). */
  snapshotEntries(): ProducerSnapshotEntry[] {
    return [...this.producers.values()].map((e) => ({
      producerId: e.producerId, epoch: e.epoch, lastSequence: e.lastSequence, lastOffset: e.lastDataOffset,
      offsetDelta: e.lastOffsetDelta, timestamp: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.txnFirstOffset,
    }));
  }

  /** Every producer with all its kept batches (see ProducerStateExport). */
  exportEntries(): ProducerStateExport[] {
    return [...this.producers.values()].map((e) => {
      const batches: number[] = [];
      for (let i = 0; i < e.batches; i++) batches.push(e.batchLastSequence(i), e.batchLastOffset(i), e.batchOffsetDelta(i), e.batchTimestamp(i));
      return {
        producerId: e.producerId, epoch: e.epoch, lastSequence: e.lastSequence, lastOffset: e.lastDataOffset, offsetDelta: e.lastOffsetDelta,
        timestamp: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch, currentTxnFirstOffset: e.txnFirstOffset, batches,
      };
    });
  }

  /** Adds a producer read from a snapshot (Kafka's loadProducerEntry), or exported with its batches. */
  load(s: ProducerSnapshotEntry | ProducerStateExport): void {
    const entry = this.entryFor(s.producerId);
    entry.setEpoch(s.epoch);
    const batches = 'batches' in s ? s.batches : null;
    if (batches) for (let i = 0; i < batches.length; i += 4) entry.addBatch(batches[i], batches[i + 1], batches[i + 2], batches[i + 3]);
    else if (s.lastOffset >= 0) entry.addBatch(s.lastSequence, s.lastOffset, s.offsetDelta, s.timestamp);
    entry.lastTimestamp = s.timestamp;
    entry.coordinatorEpoch = s.coordinatorEpoch;
    entry.txnFirstOffset = s.currentTxnFirstOffset;
    if (s.currentTxnFirstOffset >= 0) {
      this.ongoing.set(s.producerId, s.currentTxnFirstOffset);
      if (this.firstUnstable < 0 || s.currentTxnFirstOffset < this.firstUnstable) this.firstUnstable = s.currentTxnFirstOffset;
    }
  }
}

/** The last sequence of a batch (NO_SEQUENCE for one without sequences, as a coordinator's). */
function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence < 0 ? NO_SEQUENCE : incrementSequence(baseSequence, lastOffsetDelta);
}
