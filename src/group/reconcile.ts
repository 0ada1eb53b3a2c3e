// One reconciliation step of a consumer group member toward its target assignment (KIP-848,
// Kafka's CurrentAssignmentBuilder). A member first gives up what its target no longer
// holds (it stays in its epoch, UNREVOKED_PARTITIONS, until a heartbeat shows those
// partitions gone), then moves to the target epoch and receives the target's partitions
// that no other member still owns; those others owns are added on a later heartbeat, once
// released (UNRELEASED_PARTITIONS). A partition is thus never owned by two members at once.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { addPartition, ownsAnyOf, type Assignment } from './assignment.js';
import { MemberState, type ConsumerMember } from './consumer-group.js';

interface ReconcileInput {
  targetEpoch: number;
  target: Assignment;
  /** The member owning a partition now, if any (the member itself included). */
  ownerOf(topicId: string, partition: number): string | undefined;
  /** What the member says it owns (null: not sent in this heartbeat). */
  owned: Assignment | null;
}

/** The member's next state, or the member itself when nothing changes. Never mutates `member`. */
export function reconcile(member: ConsumerMember, input: ReconcileInput): ConsumerMember {
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== input.targetEpoch ? next(member, member.memberEpoch, input) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      // Still holding partitions it must give up: wait. Once they are gone, the member moves
      // past its epoch and is reconciled toward the latest target.
      if (ownsAnyOf(input.owned, member.pendingRevocation)) return member;
      return next(member, member.memberEpoch + 1, input);
    case MemberState.UNRELEASED_PARTITIONS:
      return next(member, member.memberEpoch, input);
    default:
      // A state this broker does not know (a newer one's record): start the member over.
      if (input.owned === null || input.owned.size > 0) throw new KafkaError(ErrorCode.FENCED_MEMBER_EPOCH, 'The member is in an unknown state; it must give up its partitions and rejoin.');
      return next(member, input.targetEpoch, input);
  }
}

function next(member: ConsumerMember, memberEpoch: number, input: ReconcileInput): ConsumerMember {
  const assigned: Assignment = new Map();
  const revoking: Assignment = new Map();
  const adding: Assignment = new Map();
  let unreleased = false;
  const topicIds = new Set([...input.target.keys(), ...member.assigned.keys()]);
  for (const topicId of topicIds) {
    const target = input.target.get(topicId) ?? new Set<number>();
    const current = member.assigned.get(topicId) ?? new Set<number>();
    for (const p of current) {
      if (target.has(p)) addPartition(assigned, topicId, p);
      else addPartition(revoking, topicId, p);
    }
    for (const p of target) {
      if (current.has(p)) continue;
      const owner = input.ownerOf(topicId, p);
      if (owner !== undefined && owner !== member.memberId) unreleased = true;
      else addPartition(adding, topicId, p);
    }
  }
  const updated = member.clone();
  // As Kafka: the previous epoch is the one the member had before this step (a member whose
  // response was lost may heartbeat with it once).
  const moveTo = (epoch: number) => {
    updated.previousMemberEpoch = member.memberEpoch;
    updated.memberEpoch = epoch;
  };
  if (revoking.size > 0 && ownsAnyOf(input.owned, revoking)) {
    // Revoke first, in the current epoch.
    updated.state = MemberState.UNREVOKED_PARTITIONS;
    moveTo(memberEpoch);
    updated.assigned = assigned;
    updated.pendingRevocation = revoking;
    return updated;
  }
  for (const [topicId, partitions] of adding) for (const p of partitions) addPartition(assigned, topicId, p);
  updated.state = unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
  moveTo(input.targetEpoch);
  updated.assigned = assigned;
  updated.pendingRevocation = new Map();
  return updated;
}
