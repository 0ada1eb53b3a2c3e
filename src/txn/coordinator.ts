// The transaction coordinator (Kafka's TransactionCoordinator and TransactionStateManager):
// every transactional id's state (state.ts), kept in __transaction_state (state-topic.ts)
// and loaded from it on start. Every change is written before it is acted on and applied
// once written: an EndTxn writes PrepareCommit or PrepareAbort, then the markers go to every
// partition of the transaction (markers.ts), then CompleteCommit or CompleteAbort is
// written. A start that finds a transaction in a Prepare state writes its markers again.
// Transactions open longer than their timeout are aborted, their producer fenced by a new
// epoch (timeouts.ts drives this and the expiry of idle transactional ids).
//
// A transactional id's coordinator is the leader of its partition of __transaction_state, and
// moves with it, as Kafka's does: a broker that becomes the leader of a partition loads its
// state (COORDINATOR_LOAD_IN_PROGRESS meanwhile) and finishes the transactions it finds in a
// Prepare state; one that stops leading it drops its state (NOT_COORDINATOR from then on).
// The coordinator epoch the markers carry is the partition's leader epoch, so a partition
// refuses the markers of a deposed coordinator (TRANSACTION_COORDINATOR_FENCED). One broker
// alone leads every partition from its creation, at epoch 0.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../base/logger.js';
import { TxnStateTopic, TRANSACTION_STATE_TOPIC } from './state-topic.js';
import { MarkerWriter } from './markers.js';
import { TxnMetadata, STATES, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, isEpochExhausted, type TxnTransit, type TxnStateName, stateByName } from './state.js';
import { TxnVerifier } from './verification.js';
import { CoordinatorPartitions } from '../broker/coordinator-partitions.js';

/** Retries of markers and Complete writes that failed: from this, doubling, to the maximum. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

interface InitResult extends ProducerIdAndEpoch {
  errorCode: number;
}

interface TxnDescription {
  transactionalId: string;
  errorCode: number;
  state: TxnStateName | '';
  producerId: number;
  producerEpoch: number;
  txnTimeoutMs: number;
  startTimestamp: number;
  partitions: string[];
}

export class TransactionCoordinator {
  /** transactional id -> its state. */
  readonly txns = new Map<string, TxnMetadata>();
  /** producer id -> its transactional id's state (KIP-890's verification of a Produce). */
  private readonly byProducer = new Map<number, TxnMetadata>();
  private stopped = false;
  private readonly retries = new Set<NodeJS.Timeout>();
  /** The partitions of __transaction_state led here: their transactional ids are loaded, and dropped when they move. */
  private readonly partitions: CoordinatorPartitions;
  /** The partition side of KIP-890 part 1: a leader asking a transactional id's coordinator. */
  readonly verifier: TxnVerifier;

  constructor(
    private readonly config: BrokerConfig,
    private readonly cluster: ClusterView,
    readonly topic: TxnStateTopic,
    readonly markers: MarkerWriter,
    private readonly nextProducerId: () => number,
    private readonly logger: Logger,
  ) {
    this.verifier = new TxnVerifier(this, cluster, config, logger);
    this.partitions = new CoordinatorPartitions(cluster, TRANSACTION_STATE_TOPIC, {
      unload: (partition) => {
        for (const id of [...this.txns.keys()]) if (this.topic.partitionFor(id) === partition) this.forget(id);
      },
      load: async (partition) => {
        const records = await this.load((p) => p === partition);
        const metas = [...this.txns.values()].filter((m) => this.topic.partitionFor(m.transactionalId) === partition);
        this.logger.info(`coordinator of ${TRANSACTION_STATE_TOPIC}-${partition}: loaded ${metas.length} transactional id(s) from ${records} record(s)`);
        void this.finishUnfinished(metas, `as their new coordinator (epoch ${this.coordinatorEpoch(partition)})`).catch((e) => {
          this.logger.error(`finishing the transactions of ${TRANSACTION_STATE_TOPIC}-${partition} left in a Prepare state failed: ${(e as Error).message}`);
        });
      },
    }, logger);
  }

  /**
   * Loads the partitions of __transaction_state (if it exists) this broker leads, finishes
   * the transactions a stop left in a Prepare state, and follows the partitions' leadership
   * from then on.
   */
  async start(): Promise<void> {
    const initial = this.load((p) => this.cluster.leads(TRANSACTION_STATE_TOPIC, p));
    this.partitions.follow(initial);
    const loaded = await initial;
    if (loaded > 0) this.logger.info(`loaded ${this.txns.size} transactional id(s) from ${loaded} record(s) of ${TRANSACTION_STATE_TOPIC}`);
    const finishing = this.finishUnfinished([...this.txns.values()], 'after a restart').catch((e) => {
      this.logger.error(`finishing the transactions left in a Prepare state failed: ${(e as Error).message}`);
    });
    // One broker alone writes its markers locally: its start completes them. A cluster's go
    // to other brokers, which may not be up yet: they are retried in the background.
    if (!this.config.clustered) await finishing;
  }

  /** Replays the partitions `which` picks, replacing what is known of their transactional ids. Returns the number of records. */
  private async load(which: (partition: number) => boolean): Promise<number> {
    for (const id of [...this.txns.keys()]) if (which(this.topic.partitionFor(id))) this.forget(id);
    return this.topic.load((id, s) => {
      this.forget(id);
      if (s) this.remember(new TxnMetadata(id, s));
    }, which);
  }

  /** Writes the markers of the transactions a coordinator left in a Prepare state, then their completion (Kafka does so on loading). */
  private async finishUnfinished(metas: TxnMetadata[], why: string): Promise<void> {
    const now = Date.now();
    const unfinished = metas.filter((m) => m.state.name === 'PrepareCommit' || m.state.name === 'PrepareAbort');
    await Promise.all(unfinished.map((meta) => {
      this.logger.info(`transactional id ${meta.transactionalId}: writing the markers of its ${meta.state.name === 'PrepareCommit' ? 'commit' : 'abort'} again ${why}`);
      return this.finish(meta, now);
    }));
  }

  /**
   * Whether this broker coordinates `transactionalId` now: NONE, NOT_COORDINATOR (another
   * broker leads its partition of __transaction_state) or COORDINATOR_LOAD_IN_PROGRESS (its
   * partition is being loaded). Before the topic exists, the broker asked coordinates (the
   * first lookup creates it).
   */
  coordinatorError(transactionalId: string): number {
    if (!this.topic.exists) return ErrorCode.NONE;
    return this.partitions.error(this.topic.partitionFor(transactionalId));
  }

  /** Kafka's coordinator epoch: the leader epoch of the partition of __transaction_state, which only grows. */
  private coordinatorEpoch(partition: number): number {
    return Math.max(0, this.cluster.topic(TRANSACTION_STATE_TOPIC)?.partition(partition)?.leaderEpoch ?? 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
  }

  /** Creates __transaction_state when the first transactional client looks for its coordinator. */
  ensureReady(): Promise<void> {
    return this.topic.ensure();
  }

  get(transactionalId: string): TxnMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  private remember(meta: TxnMetadata): void {
    this.txns.set(meta.transactionalId, meta);
    this.byProducer.set(meta.producerId, meta);
  }

  private forget(transactionalId: string): void {
    const meta = this.txns.get(transactionalId);
    if (!meta) return;
    this.txns.delete(transactionalId);
    if (this.byProducer.get(meta.producerId) === meta) this.byProducer.delete(meta.producerId);
  }

  /** Writes a prepared change, then applies it; a failed write leaves the state as it was. */
  private async apply(meta: TxnMetadata, transit: TxnTransit): Promise<void> {
    try {
      await this.topic.write(meta.transactionalId, transit);
    } catch (e) {
      meta.abandon();
      throw e;
    }
    const oldProducerId = meta.producerId;
    meta.complete(transit);
    if (meta.producerId !== oldProducerId) {
      if (this.byProducer.get(oldProducerId) === meta) this.byProducer.delete(oldProducerId);
      this.byProducer.set(meta.producerId, meta);
    }
  }

  // ---- InitProducerId ------------------------------------------------------------------------

  /**
   * InitProducerId with a transactional id: the id's producer id with a new epoch, which
   * fences any older producer with that id. A transaction still open is aborted first (with
   * the epoch bumped, so the old producer's batches are refused), then the epoch is bumped
   * again for the new producer. `expected` (v3+, KIP-360): the producer id and epoch the
   * client has, when it recovers from an error; a retry of a bump that succeeded gets the
   * same epoch; a stale one is PRODUCER_FENCED.
   */
  async initProducerId(transactionalId: string, txnTimeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitResult> {
    const failed = (errorCode: number): InitResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.config.int('transaction.max.timeout.ms')) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    try {
      await this.ensureReady();
    } catch (e) {
      return failed(e instanceof KafkaError ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    const elsewhere = this.coordinatorError(transactionalId);
    if (elsewhere !== ErrorCode.NONE) return failed(elsewhere);
    let meta = this.txns.get(transactionalId);
    if (!meta) {
      const producerId = this.allocate();
      if (producerId < 0) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      meta = new TxnMetadata(transactionalId, { producerId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs, lastUpdateTimestamp: Date.now() });
      this.remember(meta);
    }
    // Once more after fencing an open transaction: Kafka answers CONCURRENT_TRANSACTIONS and
    // the client retries; the abort is complete here by then, so the retry is done at once.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (meta.pending !== null) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      if (expected && !this.isValidProducer(meta, expected)) return failed(ErrorCode.PRODUCER_FENCED);
      if (meta.state.name === 'PrepareCommit' || meta.state.name === 'PrepareAbort') return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      if (meta.state.name === 'Ongoing') {
        if (!(await this.fenceAndAbort(meta))) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
        continue;
      }
      const now = Date.now();
      let transit: TxnTransit | null;
      if (meta.isEpochExhausted && (!expected || expected.producerEpoch === meta.producerEpoch)) {
        const producerId = this.allocate();
        if (producerId < 0) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
        transit = meta.prepareProducerIdRotation(producerId, txnTimeoutMs, now, expected !== null);
      } else {
        transit = meta.prepareIncrementEpoch(txnTimeoutMs, expected?.producerEpoch ?? null, now);
      }
      if (!transit) return failed(ErrorCode.PRODUCER_FENCED);
      try {
        await this.apply(meta, transit);
      } catch (e) {
        return failed(errorCodeOf(e));
      }
      this.logger.debug(`transactional id ${transactionalId}: producer id ${meta.producerId}, epoch ${meta.producerEpoch}`);
      return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
    }
    return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
  }

  /** A new producer id, or -1 while none can be had (a cluster's next block of ids is on its way: retriable). */
  private allocate(): number {
    try {
      return this.nextProducerId();
    } catch (e) {
      if (e instanceof KafkaError) return -1;
      throw e;
    }
  }

  /** Kafka's isValidProducerId: a new id, the current producer, or a retry of a rotation (KIP-360). */
  private isValidProducer(meta: TxnMetadata, expected: ProducerIdAndEpoch): boolean {
    return meta.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === meta.producerId
      || (expected.producerId === meta.previousProducerId && isEpochExhausted(expected.producerEpoch));
  }

  // ---- AddPartitionsToTxn, AddOffsetsToTxn -------------------------------------------------

  /** The common checks of a producer's request about its transaction; NONE when it may go on. */
  private checkProducer(meta: TxnMetadata | undefined, producerId: number, producerEpoch: number): number {
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (meta.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /**
   * Adds partitions ("topic:partition") to the producer's transaction, which begins with its
   * first partition (Ongoing). Written before it is answered, so a restart knows where the
   * transaction's markers go.
   */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: string[]): Promise<number> {
    if (!transactionalId) return ErrorCode.INVALID_REQUEST;
    const elsewhere = this.coordinatorError(transactionalId);
    if (elsewhere !== ErrorCode.NONE) return elsewhere;
    const meta = this.txns.get(transactionalId);
    const refused = this.checkProducer(meta, producerId, producerEpoch);
    if (refused !== ErrorCode.NONE) return refused;
    if (meta!.pending !== null || meta!.state.name === 'PrepareCommit' || meta!.state.name === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (meta!.state.name === 'Ongoing' && partitions.every((p) => meta!.partitions.has(p))) return ErrorCode.NONE;
    try {
      await this.apply(meta!, meta!.prepareAddPartitions(partitions, Date.now()));
    } catch (e) {
      return errorCodeOf(e);
    }
    return ErrorCode.NONE;
  }

  /**
   * KIP-890 part 1 (AddPartitionsToTxn v4+ with VerifyOnly, and the partition side of Produce
   * and TxnOffsetCommit): whether each partition is in the producer's transaction: NONE, or
   * TRANSACTION_ABORTABLE for one that is not; one code for all when the producer is wrong.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: string[]): Map<string, number> {
    const meta = this.txns.get(transactionalId);
    let all = !transactionalId ? ErrorCode.INVALID_REQUEST : this.coordinatorError(transactionalId);
    if (all === ErrorCode.NONE) all = this.checkProducer(meta, producerId, producerEpoch);
    if (all === ErrorCode.NONE && (meta!.state.name === 'PrepareCommit' || meta!.state.name === 'PrepareAbort')) all = ErrorCode.CONCURRENT_TRANSACTIONS;
    return new Map(partitions.map((p) => [p, all !== ErrorCode.NONE ? all : meta!.partitions.has(p) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE]));
  }

  // ---- EndTxn ------------------------------------------------------------------------------

  /**
   * Commits or aborts the producer's transaction: PrepareCommit/PrepareAbort is written (the
   * decision, final from then on), then the markers, then CompleteCommit/CompleteAbort.
   * Kafka answers once the decision is written; Strom answers once the markers are written
   * too (local appends, or one WriteTxnMarkers per leader in a cluster), so the producer's
   * next transaction rarely meets this one unfinished (CONCURRENT_TRANSACTIONS). Markers that
   * cannot be written yet (a leader dead or moving) are retried in the background, the answer
   * not held back for them. A retried EndTxn of a completed
   * transaction is answered NONE.
   */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    if (!transactionalId) return ErrorCode.INVALID_REQUEST;
    const elsewhere = this.coordinatorError(transactionalId);
    if (elsewhere !== ErrorCode.NONE) return elsewhere;
    const meta = this.txns.get(transactionalId);
    const refused = this.checkProducer(meta, producerId, producerEpoch);
    if (refused !== ErrorCode.NONE) return refused;
    if (meta!.pending !== null) return ErrorCode.CONCURRENT_TRANSACTIONS;
    const state = meta!.state.name;
    switch (state) {
      case 'Ongoing': break;
      case 'CompleteCommit': return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case 'PrepareCommit': return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default: return ErrorCode.INVALID_TXN_STATE;
    }
    try {
      await this.apply(meta!, meta!.prepareAbortOrCommit(commit, Date.now()));
    } catch (e) {
      return errorCodeOf(e);
    }
    await this.finish(meta!, Date.now());
    return ErrorCode.NONE;
  }

  /**
   * Aborts an open transaction with the producer's epoch bumped (a new producer took the id,
   * or the transaction timed out): the old producer is fenced on every partition the markers
   * reach. Resolves true once the abort is complete.
   */
  async fenceAndAbort(meta: TxnMetadata): Promise<boolean> {
    const fence = meta.prepareFenceEpoch();
    meta.beginFencedAbort(fence);
    try {
      await this.apply(meta, meta.prepareAbortOrCommit(false, Date.now()));
    } catch (e) {
      // The bumped epoch stays in memory (never told to a client): the next fence reuses it.
      meta.hasFailedEpochFence = true;
      this.logger.warn(`transactional id ${meta.transactionalId}: could not write the abort of its transaction: ${(e as Error).message}`);
      return false;
    }
    return this.finish(meta, Date.now());
  }

  /**
   * Writes the markers of a transaction in PrepareCommit or PrepareAbort (to `partitions`:
   * those still without theirs), then its Complete state. Resolves true when done; otherwise
   * what failed is retried in the background (with backoff, until it succeeds, this broker
   * stops coordinating the id, or it stops) and it resolves false.
   */
  private async finish(meta: TxnMetadata, now: number, delayMs = RETRY_MIN_MS, partitions: Iterable<string> = meta.partitions): Promise<boolean> {
    const commit = meta.state.name === 'PrepareCommit';
    const coordinatorEpoch = this.coordinatorEpoch(this.topic.partitionFor(meta.transactionalId));
    const marker = { producerId: meta.producerId, producerEpoch: meta.producerEpoch, commit, coordinatorEpoch };
    const retry: string[] = [];
    const retryCodes = new Set<number>();
    const results = await this.markers.writeAll(partitions, marker);
    for (const [tp, { outcome, errorCode }] of results) {
      if (outcome === 'retry') {
        retry.push(tp);
        retryCodes.add(errorCode);
      }
      else if (outcome === 'refused') this.logger.warn(`transactional id ${meta.transactionalId}: ${tp} refused the ${commit ? 'commit' : 'abort'} marker of producer ${meta.producerId} epoch ${meta.producerEpoch} (error ${errorCode}); left as it is`);
    }
    if (retry.length === 0) {
      try {
        await this.apply(meta, meta.prepareComplete(now));
        return true;
      } catch (e) {
        this.logger.warn(`transactional id ${meta.transactionalId}: could not write ${commit ? 'CompleteCommit' : 'CompleteAbort'}: ${(e as Error).message}`);
      }
    } else if (retryCodes.has(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)) {
      // Never heals by itself: the other broker's authorizer refuses this broker's principal.
      this.logger.warn(`transactional id ${meta.transactionalId}: another broker refused its markers (CLUSTER_AUTHORIZATION_FAILED): brokers need CLUSTER_ACTION on the cluster (super.users); retrying in ${delayMs} ms`);
    } else {
      this.logger.debug(`transactional id ${meta.transactionalId}: markers of ${retry.join(', ')} not written yet (errors ${[...retryCodes].join(', ')}); retrying in ${delayMs} ms`);
    }
    this.retryLater(meta, Math.min(delayMs * 2, RETRY_MAX_MS), delayMs, retry);
    return false;
  }

  private retryLater(meta: TxnMetadata, nextDelayMs: number, delayMs: number, partitions: string[]): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      if (this.stopped || this.txns.get(meta.transactionalId) !== meta || meta.pending !== null) return;
      if (meta.state.name !== 'PrepareCommit' && meta.state.name !== 'PrepareAbort') return;
      void this.finish(meta, Date.now(), nextDelayMs, partitions);
    }, delayMs);
    timer.unref();
    this.retries.add(timer);
  }

  // ---- timeouts and expiry ---------------------------------------------------------------------

  /** Aborts the transactions open longer than their timeout (fencing their producers). Returns how many. */
  async abortTimedOut(now: number): Promise<number> {
    const timedOut = [...this.txns.values()].filter((m) => m.pending === null && m.state.name === 'Ongoing' && m.startTimestamp + m.txnTimeoutMs < now
      && this.coordinatorError(m.transactionalId) === ErrorCode.NONE);
    let aborted = 0;
    for (const meta of timedOut) {
      if (meta.pending !== null || meta.state.name !== 'Ongoing') continue; // changed meanwhile
      this.logger.info(`transactional id ${meta.transactionalId}: aborting its transaction of producer ${meta.producerId}, open longer than its timeout of ${meta.txnTimeoutMs} ms`);
      if (await this.fenceAndAbort(meta)) aborted++;
    }
    return aborted;
  }

  /** Forgets transactional ids idle past transactional.id.expiration.ms (a tombstone each). Returns how many. */
  async expireTransactionalIds(now: number): Promise<number> {
    const expirationMs = this.config.int('transactional.id.expiration.ms');
    let expired = 0;
    for (const meta of [...this.txns.values()]) {
      if (meta.pending !== null || !meta.state.expirationAllowed || meta.lastUpdateTimestamp > now - expirationMs) continue;
      if (this.coordinatorError(meta.transactionalId) !== ErrorCode.NONE) continue; // moving to another broker
      meta.prepareDead();
      try {
        await this.topic.write(meta.transactionalId, null);
      } catch (e) {
        meta.abandon();
        this.logger.warn(`transactional id ${meta.transactionalId}: could not write its expiry: ${(e as Error).message}`);
        continue;
      }
      this.forget(meta.transactionalId);
      expired++;
    }
    return expired;
  }

  // ---- DescribeTransactions, ListTransactions --------------------------------------------------

  describe(transactionalId: string): TxnDescription {
    const meta = this.txns.get(transactionalId);
    const base = { transactionalId, state: '' as const, producerId: -1, producerEpoch: -1, txnTimeoutMs: -1, startTimestamp: -1, partitions: [] };
    if (transactionalId === '') return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
    const elsewhere = this.coordinatorError(transactionalId);
    if (elsewhere !== ErrorCode.NONE) return { ...base, errorCode: elsewhere };
    if (!meta || meta.state.name === 'Dead') return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return {
      transactionalId, errorCode: ErrorCode.NONE, state: meta.state.name, producerId: meta.producerId, producerEpoch: meta.producerEpoch,
      txnTimeoutMs: meta.txnTimeoutMs, startTimestamp: meta.startTimestamp, partitions: [...meta.partitions],
    };
  }

  /**
   * ListTransactions' filters: states by name (unknown names are reported back), producer ids,
   * and (v1) only transactions running longer than `durationMs` (-1: any).
   */
  list(stateFilters: string[], producerIdFilters: number[], durationMs: number, now: number): { transactions: { transactionalId: string; producerId: number; state: string }[]; unknownStates: string[] } {
    const states = new Set<string>();
    const unknownStates: string[] = [];
    for (const name of stateFilters) {
      if (stateByName(name)) states.add(name);
      else unknownStates.push(name);
    }
    const producers = new Set(producerIdFilters);
    const transactions = [...this.txns.values()]
      .filter((m) => m.state !== STATES.Dead
        && (producers.size === 0 || producers.has(m.producerId))
        && (stateFilters.length === 0 || states.has(m.state.name))
        && (durationMs < 0 || now - m.startTimestamp > durationMs))
      .map((m) => ({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state.name }));
    return { transactions, unknownStates };
  }
}

/** A failed write's code for the client (state-topic.ts maps the log's failures). */
function errorCodeOf(e: unknown): number {
  if (e instanceof KafkaError) return e.code;
  throw e;
}
