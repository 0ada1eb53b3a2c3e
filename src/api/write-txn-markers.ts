// WriteTxnMarkers (key 27), versions 0-1: writes COMMIT or ABORT markers for producers to
// partitions this broker leads, each through its leader log and once its ISR has it. A
// transaction coordinator of the cluster sends it for the partitions other brokers lead (its
// own get theirs in process), and so does the admin client's abortTransaction
// (`kafka-transactions.sh abort`, `strom transactions abort`), to end a hanging transaction a
// coordinator no longer knows. Each partition answers as the append of its marker does:
// NOT_LEADER_OR_FOLLOWER (another broker leads it: the coordinator asks that one),
// UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH (older than the producer's epoch
// there), TRANSACTION_COORDINATOR_FENCED (older coordinator epoch than its last marker's),
// NOT_ENOUGH_REPLICAS_AFTER_APPEND / REQUEST_TIMED_OUT (the ISR did not follow). A marker on
// __consumer_offsets settles the offsets committed in the transaction, as one from the
// coordinator does. v1 is flexible. Needs CLUSTER_ACTION on the cluster
// (CLUSTER_AUTHORIZATION_FAILED for every partition), as Kafka's KafkaApis.
import { WriteTxnMarkersApi, type WriteTxnMarkersRequest, type WriteTxnMarkersResponse } from '../protocol/generated/write-txn-markers.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const writeTxnMarkers = defineHandler(WriteTxnMarkersApi, { min: 0, max: 1 }, async (request: WriteTxnMarkersRequest, ctx): Promise<WriteTxnMarkersResponse> => {
  if (!clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION)) {
    return { markers: request.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) })) })) };
  }
  return { markers: await Promise.all(request.markers.map(async (m) => {
    const marker = { producerId: m.producerId, producerEpoch: m.producerEpoch, commit: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch };
    return {
      producerId: m.producerId,
      topics: await Promise.all(m.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async (p) => ({ partitionIndex: p, errorCode: await ctx.broker.txn.markers.writeLocal(t.name, p, marker) }))),
      }))),
    };
  })) };
});
