// The checks of an offset commit before it is written (Kafka's GroupMetadataManager and
// ClassicGroup.validateOffsetCommit): whether the member may commit for the group now, and
// which of its partitions are accepted. The group coordinator applies them; they depend only
// on the group and the request.
import { ErrorCode } from '../protocol/errors.js';
import type { Group } from './group.js';
import type { OffsetToCommit } from './store.js';

export interface CommitRequest {
  groupId: string;
  /** The generation (classic) or member epoch (KIP-848). */
  generationId: number;
  /** OffsetCommit's version: a consumer-protocol member must commit with v9+. */
  apiVersion?: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }[];
}

/** TxnOffsetCommit: a commit inside `producerId`'s transaction (KIP-98; v3+ carry the member, KIP-447). */
export interface TxnCommitRequest extends CommitRequest {
  producerId: number;
  producerEpoch: number;
}

/** OffsetCommit: Kafka's ClassicGroup.validateOffsetCommit, or the consumer group's rule. */
export function commitError(group: Group, req: CommitRequest): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (group.consumer) return group.consumer.validateOffsetCommit(req.memberId, req.generationId, req.apiVersion ?? 9);
  if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  // Only a current member of the current generation learns that the assignment is still
  // being decided.
  if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/**
 * TxnOffsetCommit: Kafka's validateOffsetCommit with isTransactional (classic), or the
 * consumer group's rule. A commit without a member (generation -1, as before KIP-447) is
 * accepted even while the group has members.
 */
export function txnCommitError(group: Group, req: CommitRequest): number {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // The version rule of consumer-protocol members (OffsetCommit v9+) is not a transactional commit's.
  if (group.consumer) return group.consumer.validateOffsetCommit(req.memberId, req.generationId, 9);
  if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
  if (req.generationId < 0 && req.memberId === '' && req.groupInstanceId === null) return ErrorCode.NONE;
  if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

/**
 * Per partition, in request order: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_METADATA_TOO_LARGE
 * (over offset.metadata.max.bytes), or accepted, stamped now.
 */
export function checkOffsets(req: CommitRequest, partitionExists: (topic: string, partition: number) => boolean, maxMetadataBytes: number): { codes: number[]; accepted: OffsetToCommit[] } {
  const now = Date.now();
  const codes: number[] = [];
  const accepted: OffsetToCommit[] = [];
  for (const o of req.offsets) {
    const metadata = o.metadata ?? '';
    if (!partitionExists(o.topic, o.partition)) codes.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    else if (Buffer.byteLength(metadata) > maxMetadataBytes) codes.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    else {
      codes.push(ErrorCode.NONE);
      accepted.push({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata, commitTimestamp: now });
    }
  }
  return { codes, accepted };
}
