// A partition this broker leads, as Kafka's Partition does on its leader: where each
// follower's log ends (learnt from the offsets it fetches at), when it last caught up, the
// high watermark (the smallest log end over the ISR), acks=all producers waiting for it, and
// the ISR changes the followers' progress calls for: a follower that has not caught up for
// replica.lag.time.max.ms leaves the ISR, one that reaches the high watermark joins it again.
// ISR changes are proposed (alter) and take effect when the partition's new state arrives.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { PartitionState } from './model.js';

interface Follower {
  /** Its log end offset: the offset of its last fetch (-1: not fetched yet under this leader). */
  logEndOffset: number;
  lastCaughtUpMs: number;
  /** The leader's log end at the follower's previous fetch, and when that was (Kafka's lastFetchLeaderLogEndOffset). */
  lastFetchLeaderLogEnd: number;
  lastFetchMs: number;
}

interface Waiter {
  offset: number;
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Leadership {
  private readonly followers = new Map<number, Follower>();
  private waiters: Waiter[] = [];
  /** An ISR change proposed and not yet seen in the partition's state. */
  private proposing = false;
  state: PartitionState;
  /** The log end when this leadership began: a follower joins the ISR only once it has all the previous epochs' records. */
  private readonly epochStartOffset: number;

  constructor(
    readonly log: PartitionLog,
    private readonly me: number,
    state: PartitionState,
    private readonly alter: (isr: number[], state: PartitionState) => Promise<void>,
  ) {
    this.state = state;
    this.epochStartOffset = log.logEndOffset;
    const now = Date.now();
    for (const id of state.replicas) {
      if (id !== me) this.followers.set(id, { logEndOffset: -1, lastCaughtUpMs: now, lastFetchLeaderLogEnd: -1, lastFetchMs: now });
    }
    log.onLogEnd = () => this.advance();
    this.advance();
  }

  get isr(): readonly number[] {
    return this.state.isr;
  }

  /** The partition's state changed at the same leader epoch (an ISR change, reassigned replicas). */
  update(state: PartitionState): void {
    this.state = state;
    this.proposing = false;
    const now = Date.now();
    for (const id of state.replicas) {
      if (id !== this.me && !this.followers.has(id)) this.followers.set(id, { logEndOffset: -1, lastCaughtUpMs: now, lastFetchLeaderLogEnd: -1, lastFetchMs: now });
    }
    for (const id of this.followers.keys()) if (!state.replicas.includes(id)) this.followers.delete(id);
    this.advance();
  }

  /**
   * A follower fetched at `fetchOffset`: it has everything below it. Throws
   * NOT_LEADER_OR_FOLLOWER for a broker that is not a replica of the partition.
   */
  followerFetched(replicaId: number, fetchOffset: number): void {
    const f = this.followers.get(replicaId);
    if (!f) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${replicaId} is not a replica of ${this.log.key}`);
    const now = Date.now();
    const leaderEnd = this.log.logEndOffset;
    f.logEndOffset = Math.min(fetchOffset, leaderEnd);
    if (fetchOffset >= leaderEnd) f.lastCaughtUpMs = now;
    else if (fetchOffset >= f.lastFetchLeaderLogEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.lastFetchLeaderLogEnd = leaderEnd;
    f.lastFetchMs = now;
    this.advance();
    // A follower out of the ISR that now has everything committed (and this epoch's start) joins it again.
    if (!this.state.isr.includes(replicaId) && f.logEndOffset >= this.log.highWatermark && f.logEndOffset >= this.epochStartOffset) {
      this.propose([...this.state.isr, replicaId]);
    }
  }

  /** ISR members behind the log end that have not caught up for `lagMs` leave it (never the leader; Kafka's isCaughtUp). */
  checkLag(lagMs: number): void {
    const now = Date.now();
    const end = this.log.logEndOffset;
    const lagging = this.state.isr.filter((id) => {
      const f = this.followers.get(id);
      return id !== this.me && (!f || (f.logEndOffset !== end && now - f.lastCaughtUpMs > lagMs));
    });
    if (lagging.length > 0) this.propose(this.state.isr.filter((id) => !lagging.includes(id)));
  }

  private propose(isr: number[]): void {
    if (this.proposing) return;
    this.proposing = true;
    this.alter(isr, this.state).catch(() => {
      // Refused or lost (a newer state, another leader): the next state or check decides again.
      this.proposing = false;
    });
  }

  /** The high watermark moves to the smallest log end over the ISR; producers waiting for it are answered. */
  private advance(): void {
    let hw = this.log.logEndOffset;
    for (const id of this.state.isr) {
      if (id === this.me) continue;
      const f = this.followers.get(id);
      hw = Math.min(hw, f ? f.logEndOffset : -1);
    }
    if (hw > this.log.highWatermark) this.log.setHighWatermark(hw);
    if (this.waiters.length === 0) return;
    const committed = this.log.highWatermark;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset <= committed) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.waiters = still;
  }

  /**
   * acks=all: resolves once every ISR member has the records below `endOffset`; rejects
   * with REQUEST_TIMED_OUT after `timeoutMs`, NOT_LEADER_OR_FOLLOWER when this leadership ends.
   */
  awaitCommitted(endOffset: number, timeoutMs: number): Promise<void> {
    if (this.log.highWatermark >= endOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        offset: endOffset, resolve, reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${this.log.key}: not replicated to the ISR ${JSON.stringify(this.state.isr)} within ${timeoutMs} ms`));
        }, Math.max(0, timeoutMs)),
      };
      this.waiters.push(waiter);
    });
  }

  /** This broker no longer leads the partition: waiting producers are told so. */
  close(): void {
    if (this.log.onLogEnd) this.log.onLogEnd = null;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.log.key}: this broker is no longer its leader`));
    }
    this.waiters = [];
  }
}
