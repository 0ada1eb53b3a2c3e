// TxnOffsetCommit (key 28), versions 0-4: a transactional producer commits a consumer group's
// offsets inside its transaction (consume-transform-produce). They are written to
// __consumer_offsets at once, as the producer's transactional batch, and become the group's
// offsets only when the transaction commits (group/txn-offsets.ts); an abort drops them.
// Before the producer's first such batch on the group's partition the coordinator confirms
// that AddOffsetsToTxn put the partition in the transaction (KIP-890 part 1). v2 adds the
// committed leader epoch; v3 (KIP-447) the member id, generation and group.instance.id, which
// are checked as an OffsetCommit's (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID) so that a zombie that lost its partitions cannot commit; earlier
// versions commit without a member. v4 adds TRANSACTION_ABORTABLE (KIP-890), which older
// versions get as INVALID_TXN_STATE.
// Authorization (Kafka's KafkaApis): WRITE on the transactional id
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition), READ on the group
// (GROUP_AUTHORIZATION_FAILED for every partition), READ on each topic
// (TOPIC_AUTHORIZATION_FAILED for its partitions, the others committed).
import { TxnOffsetCommitApi, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../protocol/generated/txn-offset-commit.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, ResourceType, authorized, authorizedNames } from './authorize.js';

const FIRST_MEMBER_VERSION = 3;
const FIRST_ABORTABLE_VERSION = 4;

export const txnOffsetCommit = defineHandler(TxnOffsetCommitApi, { min: 0, max: 4 }, async (request: TxnOffsetCommitRequest, ctx): Promise<TxnOffsetCommitResponse> => {
  const { cluster, groups } = ctx.broker;
  const all = (code: number): TxnOffsetCommitResponse => ({
    throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
  });
  if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return all(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return all(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
  const offsets = request.topics.filter((t) => readable.has(t.name)).flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata,
  })));
  const answer = (codes: number[]): TxnOffsetCommitResponse => {
    let i = 0;
    return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: readable.has(t.name) ? codes[i++] : ErrorCode.TOPIC_AUTHORIZATION_FAILED })) })) };
  };
  const refused = await verify(request, ctx);
  if (refused !== ErrorCode.NONE) return answer(offsets.map(() => refused));
  const member = ctx.apiVersion >= FIRST_MEMBER_VERSION;
  const codes = await groups.commitTransactionalOffsets({
    groupId: request.groupId, producerId: request.producerId, producerEpoch: request.producerEpoch,
    generationId: member ? request.generationId : -1, memberId: member ? request.memberId : '', groupInstanceId: member ? request.groupInstanceId : null,
    offsets,
  }, (topic, partition) => cluster.topic(topic)?.partition(partition) !== undefined);
  return answer(codes);
});

/** KIP-890 part 1: the group's partition of __consumer_offsets must be in the producer's transaction. */
async function verify(request: TxnOffsetCommitRequest, ctx: RequestContext): Promise<number> {
  const { logs, groups, txn } = ctx.broker;
  try {
    await groups.ensureReady();
  } catch (e) {
    if (e instanceof KafkaError) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    throw e;
  }
  const partition = groups.store.topic.partitionFor(request.groupId);
  if (logs.partition(OFFSETS_TOPIC, partition)?.hasOngoingTransaction(request.producerId)) return ErrorCode.NONE;
  const code = await txn.verifier.verify(request.transactionalId, request.producerId, request.producerEpoch, OFFSETS_TOPIC, partition, ctx.apiVersion >= FIRST_ABORTABLE_VERSION);
  // Kafka's maybeConvertOffsetCommitError: a coordinator busy with the transaction is retriable.
  return code === ErrorCode.NOT_ENOUGH_REPLICAS ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code;
}
