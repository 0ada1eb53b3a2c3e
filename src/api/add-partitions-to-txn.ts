// AddPartitionsToTxn (key 24), versions 0-5. A transactional producer names each partition
// before its first batch there in a transaction (transactions V1); the coordinator writes
// them to __transaction_state first, so the transaction's markers reach every one. v0-3 come
// from clients: one transaction, answered per partition with one code (a partition that does
// not exist is UNKNOWN_TOPIC_OR_PARTITION and fails the request, the others then
// OPERATION_NOT_ATTEMPTED; internal topics are TOPIC_AUTHORIZATION_FAILED, as Kafka's
// authorizer treats them); v2 adds PRODUCER_FENCED (older versions get
// INVALID_PRODUCER_EPOCH); v3 is flexible. v4 (KIP-890 part 1) is the brokers' form: several
// transactions, each of which may be VerifyOnly, asking whether its partitions are in the
// transaction (TRANSACTION_ABORTABLE for one that is not) without adding them; v5 adds
// TRANSACTION_ABORTABLE to what a client may get.
// Authorization (Kafka's KafkaApis): v0-3 need WRITE on the transactional id (else every
// partition is TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each topic (else its partitions
// are TOPIC_AUTHORIZATION_FAILED and the others OPERATION_NOT_ATTEMPTED); v4+, a broker's,
// CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED for the request).
import { AddPartitionsToTxnApi, type AddPartitionsToTxnRequest, type AddPartitionsToTxnResponse } from '../protocol/generated/add-partitions-to-txn.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicPartition, splitTopicPartition } from '../txn/records.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

type Transaction = AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction;
type TopicResult = AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult;

const FIRST_BATCHED_VERSION = 4;
const FIRST_FENCED_VERSION = 2;

export const addPartitionsToTxn = defineHandler(AddPartitionsToTxnApi, { min: 0, max: 5 }, async (request: AddPartitionsToTxnRequest, ctx): Promise<AddPartitionsToTxnResponse> => {
  if (ctx.apiVersion < FIRST_BATCHED_VERSION) {
    const txn: Transaction = {
      transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId, producerEpoch: request.v3AndBelowProducerEpoch,
      verifyOnly: false, topics: request.v3AndBelowTopics,
    };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: await handleTransaction(txn, ctx) };
  }
  if (!clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
  const resultsByTransaction = await Promise.all(request.transactions.map(async (txn) => ({ transactionalId: txn.transactionalId, topicResults: await handleTransaction(txn, ctx) })));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] };
});

async function handleTransaction(txn: Transaction, ctx: RequestContext): Promise<TopicResult[]> {
  const { cluster, txn: coordinator } = ctx.broker;
  const partitions = txn.topics.flatMap((t) => t.partitions.map((p) => topicPartition(t.name, p)));
  const client = ctx.apiVersion < FIRST_BATCHED_VERSION;
  if (client && !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn.transactionalId)) {
    return txn.topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED })) }));
  }
  const writable = new Map<string, boolean>();
  const mayWrite = (topic: string) => {
    let ok = writable.get(topic);
    if (ok === undefined) writable.set(topic, (ok = authorized(ctx, AclOperation.WRITE, ResourceType.TOPIC, topic)));
    return ok;
  };
  const refused = new Map<string, number>();
  for (const tp of partitions) {
    const { topic, partition } = splitTopicPartition(tp);
    // The partition may be led by, and held on, other brokers of the cluster.
    if (client && (cluster.topic(topic)?.internal || !mayWrite(topic))) refused.set(tp, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    else if (!cluster.topic(topic)?.partition(partition)) refused.set(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  let codes: Map<string, number>;
  if (refused.size > 0) {
    codes = new Map(partitions.map((tp) => [tp, refused.get(tp) ?? ErrorCode.OPERATION_NOT_ATTEMPTED]));
  } else if (txn.verifyOnly) {
    codes = coordinator.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
  } else {
    let code = await coordinator.addPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
    if (code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_FENCED_VERSION) code = ErrorCode.INVALID_PRODUCER_EPOCH;
    codes = new Map(partitions.map((tp) => [tp, code]));
  }
  return txn.topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codes.get(topicPartition(t.name, p))! })),
  }));
}
