// Partition reassignments (KIP-455) as state changes, the way Kafka's controller makes them:
// a reassignment to `target` makes the replicas the target followed by the current replicas
// it drops (adding: target minus current, removing: current minus target); the new replicas
// fetch from the leader and join the ISR as they catch up (the leader's AlterPartition); once
// every adding replica is in the ISR the reassignment completes: the replicas become the
// target, removed replicas leave the ISR, and a leader that was removed hands over to the
// first target replica in the ISR. A cancellation reverts to the replicas before it (minus
// those being added). Pure functions of a partition state: controller.ts writes what they return.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { OngoingReassignment, TopicPartition } from '../broker/cluster-view.js';
import type { MetadataImage } from './image.js';
import { NO_LEADER, type PartitionState } from './model.js';

/** Whether the partition is being reassigned. */
export function reassigning(state: PartitionState): boolean {
  return (state.addingReplicas?.length ?? 0) > 0 || (state.removingReplicas?.length ?? 0) > 0;
}

/** The state without its reassignment fields (none in progress). */
function settled(state: PartitionState): PartitionState {
  const { addingReplicas: _adding, removingReplicas: _removing, ...rest } = state;
  return rest;
}

/**
 * The state once a reassignment to `target` starts (or replaces the one in progress: it is
 * reckoned from the replicas now, which hold both the old target and what it was removing).
 * Completed at once when nothing needs to catch up (only removals, or the same replicas).
 * The partition epoch is the caller's to bump.
 */
export function startReassignment(state: PartitionState, target: readonly number[], live: ReadonlySet<number>): PartitionState {
  const adding = target.filter((id) => !state.replicas.includes(id));
  const removing = state.replicas.filter((id) => !target.includes(id));
  const base = settled(state);
  if (adding.length === 0 && removing.length === 0) return { ...base, replicas: [...target] };
  const next: PartitionState = { ...base, replicas: [...target, ...removing], addingReplicas: adding, removingReplicas: removing };
  return completeReassignment(next, live) ?? next;
}

/**
 * The state that completes the partition's reassignment, or null while it cannot: while a
 * replica being added is not in the ISR, or when the ISR would be left empty.
 */
export function completeReassignment(state: PartitionState, live: ReadonlySet<number>): PartitionState | null {
  if (!reassigning(state)) return null;
  const adding = state.addingReplicas ?? [];
  const removing = state.removingReplicas ?? [];
  if (!adding.every((id) => state.isr.includes(id))) return null;
  const isr = state.isr.filter((id) => !removing.includes(id));
  if (isr.length === 0) return null;
  const replicas = state.replicas.filter((id) => !removing.includes(id));
  return withLeaderFrom({ ...settled(state), replicas, isr }, state.leader, live);
}

/**
 * The state once the reassignment in progress is cancelled: the replicas being added go (from
 * the replicas and the ISR), those being removed stay. NO_REASSIGNMENT_IN_PROGRESS when there
 * is none; INVALID_REPLICA_ASSIGNMENT when only added replicas are in the ISR and unclean
 * leader election is off (reverting would then need one), as Kafka refuses it.
 */
export function cancelReassignment(state: PartitionState, live: ReadonlySet<number>, uncleanAllowed: boolean, what: string): PartitionState {
  if (!reassigning(state)) throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `No ongoing reassignment for ${what}.`);
  const adding = state.addingReplicas ?? [];
  const replicas = state.replicas.filter((id) => !adding.includes(id));
  let isr = state.isr.filter((id) => !adding.includes(id));
  if (isr.length === 0) {
    if (!uncleanAllowed) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unable to revert partition assignment for ${what} because it would require an unclean leader election.`);
    isr = replicas.filter((id) => live.has(id)).slice(0, 1);
  }
  return withLeaderFrom({ ...settled(state), replicas, isr }, state.leader, live);
}

/** `state` led by `leader` if it is still in the ISR, else by the first live replica of the ISR (a new leader epoch). */
function withLeaderFrom(state: PartitionState, leader: number, live: ReadonlySet<number>): PartitionState {
  if (leader !== NO_LEADER && state.isr.includes(leader)) return { ...state, leader };
  const next = state.replicas.find((id) => state.isr.includes(id) && live.has(id)) ?? NO_LEADER;
  if (next === leader) return { ...state, leader };
  return { ...state, leader: next, leaderEpoch: state.leaderEpoch + 1 };
}

/** The reassignments in progress of `partitions` (null: every partition), as the image has them: any broker can tell. */
export function ongoingReassignments(image: MetadataImage, partitions: TopicPartition[] | null): OngoingReassignment[] {
  const wanted = partitions ?? [...image.topics].flatMap(([topic, record]) => record.replicas.map((_, partition) => ({ topic, partition })));
  const out: OngoingReassignment[] = [];
  for (const { topic, partition } of wanted) {
    const record = image.topics.get(topic);
    const state = record && image.partition(record.id, partition);
    if (state && reassigning(state)) out.push({ topic, partition, replicas: state.replicas, adding: state.addingReplicas ?? [], removing: state.removingReplicas ?? [] });
  }
  return out;
}
