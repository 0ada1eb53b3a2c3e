// Fetch sessions (KIP-227): a consumer or follower that fetches many partitions creates a
// session with a full Fetch, then sends incremental ones naming only the partitions whose
// fetch position changed (and those it forgets), and is answered only with the partitions
// that changed: new records, a new high watermark, last stable offset or log start offset,
// or an error. The broker keeps each session's partitions, in the order it serves them (a
// partition that returned records moves to the end, so none is starved by the response
// size), and the values it last sent.
//
// The cache holds max.incremental.fetch.session.cache.slots sessions. When it is full, a new
// session takes the place of the least recently used one idle for longer than
// strom.fetch.session.eviction.ms, else of the smallest one if it is smaller than the new
// one (Kafka's FetchSessionCache); otherwise the client is told no session (id 0) and keeps
// sending full fetches, as Kafka does.
import { randomInt } from 'node:crypto';

/** Kafka's session epochs: 0 opens a session, -1 closes it (or asks for none), then 1, 2, ... */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

/** What a Fetch asks of one partition. */
export interface FetchPosition {
  /** The topic's name, and its id (named by id from Fetch v13). */
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
}

/** One partition of a session: what the client asked, and what it was last told. */
export interface SessionPartition extends FetchPosition {
  /** Last sent; -1 before the first response. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  epoch = 1;
  lastUsedMs: number;
  /** In serving order: a partition that returned records is moved to the end. */
  readonly partitions = new Map<string, SessionPartition>();

  constructor(readonly id: number, readonly usesTopicIds: boolean, nowMs: number) {
    this.lastUsedMs = nowMs;
  }

  static key(topicOrId: string, partition: number): string {
    return `${topicOrId}\0${partition}`;
  }

  /** The next epoch after a request was served (epochs wrap to 1, never 0 or -1). */
  advance(nowMs: number): void {
    this.epoch = this.epoch >= 0x7fffffff ? 1 : this.epoch + 1;
    this.lastUsedMs = nowMs;
  }

  /** Moves a partition to the end of the serving order (it returned records this time). */
  requeue(key: string): void {
    const p = this.partitions.get(key);
    if (!p) return;
    this.partitions.delete(key);
    this.partitions.set(key, p);
  }
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  /** Sessions created, and evicted to make room, since the start. */
  created = 0;
  evicted = 0;

  constructor(readonly maxSlots: number, readonly evictionMs: number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Partitions held by every session (what the cache costs). */
  get partitions(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.partitions.size;
    return n;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /**
   * A new session for `partitions` partitions, or null when there is no room (the client then
   * fetches without a session). May evict a stale or a smaller session.
   */
  create(usesTopicIds: boolean, partitions: number, nowMs: number): FetchSession | null {
    if (this.maxSlots <= 0) return null;
    if (this.sessions.size >= this.maxSlots && !this.evictFor(partitions, nowMs)) return null;
    let id: number;
    do id = randomInt(1, 0x7fffffff); while (this.sessions.has(id));
    const session = new FetchSession(id, usesTopicIds, nowMs);
    this.sessions.set(id, session);
    this.created++;
    return session;
  }

  private evictFor(partitions: number, nowMs: number): boolean {
    let stale: FetchSession | null = null;
    let smallest: FetchSession | null = null;
    for (const s of this.sessions.values()) {
      if (nowMs - s.lastUsedMs > this.evictionMs && (!stale || s.lastUsedMs < stale.lastUsedMs)) stale = s;
      if (!smallest || s.partitions.size < smallest.partitions.size) smallest = s;
    }
    const victim = stale ?? (smallest && smallest.partitions.size < partitions ? smallest : null);
    if (!victim) return false;
    this.sessions.delete(victim.id);
    this.evicted++;
    return true;
  }
}
