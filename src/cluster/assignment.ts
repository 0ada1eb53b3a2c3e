// Where a new topic's (or new partitions') replicas go, as Kafka's controller places them
// (its replica placement without racks, and the rack-aware one of KIP-36): leaders spread
// evenly over the live brokers from a random start, followers on the next brokers with a
// shift that changes once per round so pairs of brokers do not always share partitions; with
// racks, brokers are ordered alternating racks and a partition's replicas cover as many racks
// as there are replicas (or racks).

interface PlacementBroker {
  id: number;
  rack: string | null;
}

export class PlacementError extends Error {
  override name = 'PlacementError';
}

/**
 * Replicas for `partitions` partitions of replication factor `rf`, partition `firstPartition`
 * first (CreatePartitions continues a topic), over `brokers` (live ones). `random` picks the
 * start: leaders of consecutive topics do not pile on one broker.
 */
export function assignReplicas(brokers: PlacementBroker[], partitions: number, rf: number, firstPartition = 0, random: () => number = Math.random): number[][] {
  if (rf < 1) throw new PlacementError('Replication factor must be larger than 0.');
  if (rf > brokers.length) throw new PlacementError(`Replication factor: ${rf} larger than available brokers: ${brokers.length}.`);
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const racked = sorted.filter((b) => b.rack !== null);
  if (racked.length > 0 && racked.length < sorted.length) throw new PlacementError('Not all brokers have rack information (broker.rack): replicas cannot be placed rack-aware.');
  const ordered = racked.length > 0 ? alternateRacks(sorted) : sorted;
  const n = ordered.length;
  const start = Math.floor(random() * n);
  let shift = Math.floor(random() * n);
  const out: number[][] = [];
  for (let i = 0; i < partitions; i++) {
    const p = firstPartition + i;
    if (p > 0 && p % n === 0) shift++;
    const first = (p + start) % n;
    out.push(racked.length > 0 ? rackAware(ordered, first, shift, rf) : plain(ordered, first, shift, rf));
  }
  return out;
}

/** Followers of the leader at `first`: the j-th at a distance of 1 + (shift + j - 1) mod (n - 1). */
function followerIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j - 1) % (n - 1))) % n;
}

function plain(brokers: PlacementBroker[], first: number, shift: number, rf: number): number[] {
  const replicas = [brokers[first].id];
  for (let j = 1; j < rf; j++) replicas.push(brokers[followerIndex(first, shift, j, brokers.length)].id);
  return replicas;
}

/** Replicas in new racks first (while some rack has none), never a broker twice. */
function rackAware(brokers: PlacementBroker[], first: number, shift: number, rf: number): number[] {
  const n = brokers.length;
  const racks = new Set(brokers.map((b) => b.rack)).size;
  const chosen = [brokers[first]];
  const usedRacks = new Set([brokers[first].rack]);
  for (let k = 0; chosen.length < rf && k < n * 2; k++) {
    const candidate = brokers[(first + 1 + ((shift + k) % (n - 1))) % n];
    if (chosen.includes(candidate)) continue;
    if (usedRacks.size < racks && usedRacks.has(candidate.rack)) continue;
    chosen.push(candidate);
    usedRacks.add(candidate.rack);
    if (usedRacks.size === racks) usedRacks.clear(); // every rack has one: start over
  }
  return chosen.map((b) => b.id);
}

/** Brokers by id, interleaved by rack: r1, r2, r3, r1, r2, r3, ... (Kafka's rack alternation). */
function alternateRacks(brokers: PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b);
    byRack.set(b.rack!, list);
  }
  const lists = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const out: PlacementBroker[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]);
  return out;
}
