// Offsets committed inside transactions (TxnOffsetCommit), pending until the transaction
// ends (Kafka's GroupMetadata pendingTransactionalOffsetCommits): they are written to
// __consumer_offsets at once, as a transactional batch of the producer, but a group's
// committed offsets change only when the COMMIT marker for that producer reaches the
// group's partition of __consumer_offsets; an ABORT marker drops them. Until then OffsetFetch
// answers the previous offset, or UNSTABLE_OFFSET_COMMIT to a consumer that requires stable
// offsets (KIP-447). A plain commit made after a transactional one of the same partition wins
// over it, as Kafka compares their positions in the log.
import type { CommittedOffset } from './group.js';

export interface PendingOffset extends CommittedOffset {
  topic: string;
  partition: number;
}

/** A producer's pending offsets in one group: "topic:partition" -> offset. */
type Pending = Map<string, PendingOffset>;

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

export class TxnOffsets {
  /** group id -> producer id -> its pending offsets. */
  private readonly byGroup = new Map<string, Map<number, Pending>>();
  /** producer id -> the groups it has pending offsets in. */
  private readonly groupsOf = new Map<number, Set<string>>();

  /** Records offsets a producer committed in its transaction (written to the log already). */
  add(groupId: string, producerId: number, offsets: PendingOffset[]): void {
    let producers = this.byGroup.get(groupId);
    if (!producers) this.byGroup.set(groupId, (producers = new Map()));
    let pending = producers.get(producerId);
    if (!pending) producers.set(producerId, (pending = new Map()));
    for (const o of offsets) pending.set(keyOf(o.topic, o.partition), o);
    let groups = this.groupsOf.get(producerId);
    if (!groups) this.groupsOf.set(producerId, (groups = new Set()));
    groups.add(groupId);
  }

  /** A transactional tombstone (never written by Strom; Kafka's loader handles it). */
  remove(groupId: string, producerId: number, topic: string, partition: number): void {
    this.byGroup.get(groupId)?.get(producerId)?.delete(keyOf(topic, partition));
  }

  /** A plain commit of these partitions came after the pending ones: those no longer apply on COMMIT. */
  supersede(groupId: string, partitions: { topic: string; partition: number }[]): void {
    const producers = this.byGroup.get(groupId);
    if (!producers) return;
    for (const pending of producers.values()) for (const p of partitions) pending.delete(keyOf(p.topic, p.partition));
  }

  /** Whether some producer has an offset of this partition pending in the group (OffsetFetch's require_stable). */
  isPending(groupId: string, topic: string, partition: number): boolean {
    const producers = this.byGroup.get(groupId);
    if (!producers) return false;
    const key = keyOf(topic, partition);
    for (const pending of producers.values()) if (pending.has(key)) return true;
    return false;
  }

  /** Whether the group has anything pending (it is kept, even without offsets, until it ends). */
  hasPending(groupId: string): boolean {
    return this.byGroup.has(groupId);
  }

  /**
   * The transaction of `producerId` ended on a partition of __consumer_offsets: takes its
   * pending offsets in the groups `inPartition` accepts, and returns them by group (to apply
   * on COMMIT; on ABORT the caller drops them).
   */
  complete(producerId: number, inPartition: (groupId: string) => boolean): Map<string, PendingOffset[]> {
    const done = new Map<string, PendingOffset[]>();
    const groups = this.groupsOf.get(producerId);
    if (!groups) return done;
    for (const groupId of [...groups]) {
      if (!inPartition(groupId)) continue;
      const producers = this.byGroup.get(groupId);
      const pending = producers?.get(producerId);
      groups.delete(groupId);
      if (!producers || !pending) continue;
      producers.delete(producerId);
      if (producers.size === 0) this.byGroup.delete(groupId);
      done.set(groupId, [...pending.values()]);
    }
    if (groups.size === 0) this.groupsOf.delete(producerId);
    return done;
  }

  /** The group was deleted: its pending offsets go with it (a later marker finds nothing). */
  dropGroup(groupId: string): void {
    const producers = this.byGroup.get(groupId);
    if (!producers) return;
    for (const producerId of producers.keys()) {
      const groups = this.groupsOf.get(producerId);
      groups?.delete(groupId);
      if (groups?.size === 0) this.groupsOf.delete(producerId);
    }
    this.byGroup.delete(groupId);
  }
}
