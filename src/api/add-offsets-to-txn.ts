// AddOffsetsToTxn (key 25), versions 0-4: before a transactional producer commits a consumer
// group's offsets in its transaction (TxnOffsetCommit), it adds the group's partition of
// __consumer_offsets to the transaction, so that the transaction's marker reaches it and
// makes those offsets count (or drops them). v2 adds PRODUCER_FENCED (older versions get
// INVALID_PRODUCER_EPOCH); v3 is flexible; v4 adds TRANSACTION_ABORTABLE (KIP-890).
// Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and READ on the
// group (GROUP_AUTHORIZATION_FAILED), as Kafka's KafkaApis.
import { AddOffsetsToTxnApi, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse } from '../protocol/generated/add-offsets-to-txn.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { topicPartition } from '../txn/records.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

const FIRST_FENCED_VERSION = 2;

export const addOffsetsToTxn = defineHandler(AddOffsetsToTxnApi, { min: 0, max: 4 }, async (request: AddOffsetsToTxnRequest, ctx): Promise<AddOffsetsToTxnResponse> => {
  const { groups, txn } = ctx.broker;
  if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  try {
    await groups.ensureReady(); // the group's partition must exist to be added
  } catch (e) {
    if (e instanceof KafkaError) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    throw e;
  }
  const partition = topicPartition(OFFSETS_TOPIC, groups.store.topic.partitionFor(request.groupId));
  let errorCode = await txn.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [partition]);
  if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_FENCED_VERSION) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode };
});
