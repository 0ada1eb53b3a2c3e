// A transactional id's state (Kafka's TransactionMetadata and TransactionState): its producer
// id and epoch, the transaction's timeout, state, partitions and timestamps. Every change is
// prepared first (the state it goes to becomes `pending`, which turns concurrent requests
// away with CONCURRENT_TRANSACTIONS), written to __transaction_state, and applied only once
// the write succeeded (`complete`); a failed write `abandon`s it. The coordinator drives
// this; the rules here depend only on the state:
//
//   Empty ──AddPartitions──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers──▶ CompleteCommit
//     ▲                        │  ╲──EndTxn──▶ PrepareAbort ──markers──▶ CompleteAbort
//     └──InitProducerId────────┘   ╲─timeout / new producer─▶ PrepareEpochFence ─▶ PrepareAbort
//
// (CompleteCommit and CompleteAbort go on to Ongoing or, with InitProducerId, Empty; Dead is
// an id being expired.) Epochs: InitProducerId bumps the epoch; fencing bumps it too, so the
// old producer's requests and batches are refused (KIP-98); an exhausted epoch (32766) moves
// to a new producer id (KIP-360).

export type TxnStateName = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead' | 'PrepareEpochFence';

interface TxnState {
  /** The id stored in __transaction_state (TransactionStatus). */
  readonly id: number;
  /** The name DescribeTransactions and ListTransactions report. */
  readonly name: TxnStateName;
  readonly validPrevious: readonly TxnStateName[];
  /** The transactional id may expire in this state (transactional.id.expiration.ms). */
  readonly expirationAllowed: boolean;
}

const STATE_LIST: TxnState[] = [
  { id: 0, name: 'Empty', validPrevious: ['Empty', 'CompleteCommit', 'CompleteAbort'], expirationAllowed: true },
  { id: 1, name: 'Ongoing', validPrevious: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'], expirationAllowed: false },
  { id: 2, name: 'PrepareCommit', validPrevious: ['Ongoing'], expirationAllowed: false },
  { id: 3, name: 'PrepareAbort', validPrevious: ['Ongoing', 'PrepareEpochFence'], expirationAllowed: false },
  { id: 4, name: 'CompleteCommit', validPrevious: ['PrepareCommit'], expirationAllowed: true },
  { id: 5, name: 'CompleteAbort', validPrevious: ['PrepareAbort'], expirationAllowed: true },
  { id: 6, name: 'Dead', validPrevious: ['Empty', 'CompleteAbort', 'CompleteCommit'], expirationAllowed: false },
  { id: 7, name: 'PrepareEpochFence', validPrevious: ['Ongoing'], expirationAllowed: false },
];

export const STATES = Object.fromEntries(STATE_LIST.map((s) => [s.name, s])) as Record<TxnStateName, TxnState>;

export function stateById(id: number): TxnState {
  const state = STATE_LIST[id];
  if (!state) throw new Error(`unknown transaction state id ${id}`);
  return state;
}

export function stateByName(name: string): TxnState | undefined {
  return STATES[name as TxnStateName];
}

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** KIP-360: epochs stop short of 32767 so the coordinator can always fence with one more. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

/** What __transaction_state stores of a transactional id (TransactionLogValue). */
export interface TxnSnapshot {
  producerId: number;
  producerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  /** "topic:partition" keys. */
  partitions: string[];
  lastUpdateTimestamp: number;
  /** When the transaction began (its first partition), -1 with none. */
  startTimestamp: number;
}

/** A prepared change: the snapshot to write, and what is kept only in memory. */
export interface TxnTransit extends TxnSnapshot {
  lastProducerEpoch: number;
  previousProducerId: number;
}

export class TxnMetadata {
  producerId: number;
  /** The producer id before the last rotation (KIP-360: a retry of the rotating InitProducerId is recognised). */
  previousProducerId = NO_PRODUCER_ID;
  producerEpoch: number;
  /** The epoch before the last bump; a retried InitProducerId that names it gets the current one (not kept in the log, as in Kafka). */
  lastProducerEpoch = NO_PRODUCER_EPOCH;
  txnTimeoutMs: number;
  state: TxnState;
  readonly partitions = new Set<string>();
  startTimestamp = -1;
  lastUpdateTimestamp: number;
  /** The state being written, or null. */
  pending: TxnStateName | null = null;
  /** A fence's epoch bump may not have reached the log: the next fence does not bump again. */
  hasFailedEpochFence = false;

  constructor(readonly transactionalId: string, s: Omit<TxnSnapshot, 'state' | 'partitions' | 'startTimestamp'> & Partial<TxnSnapshot>) {
    this.producerId = s.producerId;
    this.producerEpoch = s.producerEpoch;
    this.txnTimeoutMs = s.txnTimeoutMs;
    this.state = s.state ?? STATES.Empty;
    for (const tp of s.partitions ?? []) this.partitions.add(tp);
    this.startTimestamp = s.startTimestamp ?? -1;
    this.lastUpdateTimestamp = s.lastUpdateTimestamp;
  }

  get isEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Ongoing, PrepareCommit or PrepareAbort. */
  get hasTransaction(): boolean {
    return this.state.name === 'Ongoing' || this.state.name === 'PrepareCommit' || this.state.name === 'PrepareAbort';
  }

  snapshot(): TxnSnapshot {
    return {
      producerId: this.producerId, producerEpoch: this.producerEpoch, txnTimeoutMs: this.txnTimeoutMs, state: this.state,
      partitions: [...this.partitions], lastUpdateTimestamp: this.lastUpdateTimestamp, startTimestamp: this.startTimestamp,
    };
  }

  // ---- preparing a change (sets `pending`) ------------------------------------------------

  /** InitProducerId on a transaction in progress, or its timeout: the epoch goes up to fence the producer. */
  prepareFenceEpoch(): TxnTransit {
    if (this.producerEpoch === SHORT_MAX) throw new Error(`${this.transactionalId}: cannot fence epoch ${SHORT_MAX}`);
    // A fence whose write failed already bumped the epoch in memory (never told to a client).
    const epoch = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepare('PrepareEpochFence', { producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH });
  }

  /**
   * InitProducerId on an idle transactional id: the next epoch. `expectedEpoch` (KIP-360, v3+)
   * is the epoch the producer has: the current one bumps again, the one before it is a retry
   * (answered with the current epoch), any other is fenced (null: PRODUCER_FENCED).
   */
  prepareIncrementEpoch(txnTimeoutMs: number, expectedEpoch: number | null, now: number): TxnTransit | null {
    if (this.isEpochExhausted) throw new Error(`${this.transactionalId}: epochs of producer ${this.producerId} are exhausted`);
    let epoch: number;
    let lastEpoch: number;
    if (expectedEpoch === null) {
      epoch = this.producerEpoch + 1;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      epoch = this.producerEpoch + 1;
      lastEpoch = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      epoch = this.producerEpoch;
      lastEpoch = this.lastProducerEpoch;
    } else {
      return null;
    }
    return this.prepare('Empty', { producerEpoch: epoch, lastProducerEpoch: lastEpoch, txnTimeoutMs, partitions: [], startTimestamp: -1, lastUpdateTimestamp: now });
  }

  /** KIP-360: the epoch is exhausted, the transactional id moves to a new producer id at epoch 0. */
  prepareProducerIdRotation(producerId: number, txnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    if (this.hasTransaction) throw new Error(`${this.transactionalId}: cannot rotate producer ids with a transaction in progress`);
    return this.prepare('Empty', {
      producerId, previousProducerId: this.producerId, producerEpoch: 0, lastProducerEpoch: recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs, partitions: [], startTimestamp: -1, lastUpdateTimestamp: now,
    });
  }

  prepareAddPartitions(added: Iterable<string>, now: number): TxnTransit {
    const starts = this.state.name === 'Empty' || this.state.name === 'CompleteCommit' || this.state.name === 'CompleteAbort';
    return this.prepare('Ongoing', { partitions: [...new Set([...this.partitions, ...added])], startTimestamp: starts ? now : this.startTimestamp, lastUpdateTimestamp: now });
  }

  /** EndTxn, or the abort of a fence (after `beginFencedAbort`). */
  prepareAbortOrCommit(commit: boolean, now: number): TxnTransit {
    return this.prepare(commit ? 'PrepareCommit' : 'PrepareAbort', { lastUpdateTimestamp: now });
  }

  /** The markers are written: the transaction is complete, its partitions forgotten. */
  prepareComplete(now: number): TxnTransit {
    this.hasFailedEpochFence = false;
    return this.prepare(this.state.name === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort', { partitions: [], lastUpdateTimestamp: now });
  }

  prepareDead(): TxnTransit {
    return this.prepare('Dead', { partitions: [] });
  }

  /**
   * A fence goes on to abort with the bumped epoch (Kafka's endTransaction from
   * PrepareEpochFence): the epoch is taken now, the pending fence cleared for PrepareAbort.
   */
  beginFencedAbort(transit: TxnTransit): void {
    if (this.pending !== 'PrepareEpochFence') throw new Error(`${this.transactionalId}: no epoch fence is pending`);
    this.pending = null;
    this.producerEpoch = transit.producerEpoch;
    this.lastProducerEpoch = NO_PRODUCER_EPOCH;
  }

  private prepare(to: TxnStateName, changes: Partial<TxnTransit>): TxnTransit {
    if (this.pending !== null) throw new Error(`${this.transactionalId}: preparing ${to} while ${this.pending} is pending`);
    const target = STATES[to];
    if (!target.validPrevious.includes(this.state.name)) throw new Error(`${this.transactionalId}: ${this.state.name} cannot go to ${to}`);
    const transit: TxnTransit = {
      producerId: this.producerId, producerEpoch: this.producerEpoch, txnTimeoutMs: this.txnTimeoutMs, state: target,
      partitions: [...this.partitions], lastUpdateTimestamp: this.lastUpdateTimestamp, startTimestamp: this.startTimestamp,
      lastProducerEpoch: this.lastProducerEpoch, previousProducerId: this.previousProducerId, ...changes,
    };
    if (to !== 'Dead' && transit.producerEpoch < 0) throw new Error(`${this.transactionalId}: illegal producer epoch ${transit.producerEpoch}`);
    this.pending = to;
    return transit;
  }

  // ---- after the write ------------------------------------------------------------------

  /** Applies a prepared change once it is in __transaction_state (Kafka's completeTransitionTo, with its checks). */
  complete(transit: TxnTransit): void {
    const to = transit.state.name;
    if (this.pending !== to) throw new Error(`${this.transactionalId}: completing ${to} while ${this.pending ?? 'nothing'} is pending`);
    switch (to) {
      case 'Empty': {
        const bumped = transit.producerEpoch === this.producerEpoch + 1 || (transit.producerEpoch === 0 && transit.producerId !== this.producerId);
        if ((transit.producerEpoch !== this.producerEpoch && !bumped) || transit.partitions.length > 0 || transit.startTimestamp !== -1) this.fail(transit);
        this.txnTimeoutMs = transit.txnTimeoutMs;
        this.producerEpoch = transit.producerEpoch;
        this.lastProducerEpoch = transit.lastProducerEpoch;
        this.producerId = transit.producerId;
        this.previousProducerId = transit.previousProducerId;
        break;
      }
      case 'Ongoing':
        if (!this.sameProducer(transit) || ![...this.partitions].every((p) => transit.partitions.includes(p)) || transit.txnTimeoutMs !== this.txnTimeoutMs) this.fail(transit);
        this.startTimestamp = transit.startTimestamp;
        for (const p of transit.partitions) this.partitions.add(p);
        break;
      case 'PrepareCommit': case 'PrepareAbort':
        if (!this.sameProducer(transit) || transit.partitions.length !== this.partitions.size || transit.startTimestamp !== this.startTimestamp) this.fail(transit);
        break;
      case 'CompleteCommit': case 'CompleteAbort':
        if (!this.sameProducer(transit) || transit.startTimestamp === -1) this.fail(transit);
        this.partitions.clear();
        break;
      default:
        // PrepareEpochFence goes on to PrepareAbort (beginFencedAbort); a Dead id is removed, not completed.
        this.fail(transit);
    }
    this.lastUpdateTimestamp = transit.lastUpdateTimestamp;
    this.pending = null;
    this.state = transit.state;
  }

  /** The write failed: nothing changes, the next request may try again. */
  abandon(): void {
    this.pending = null;
  }

  private sameProducer(t: TxnTransit): boolean {
    return t.producerId === this.producerId && t.producerEpoch === this.producerEpoch;
  }

  private fail(t: TxnTransit): never {
    throw new Error(`${this.transactionalId}: invalid transition from ${this.state.name} (producer ${this.producerId}, epoch ${this.producerEpoch}) to ${t.state.name} (producer ${t.producerId}, epoch ${t.producerEpoch})`);
  }
}
