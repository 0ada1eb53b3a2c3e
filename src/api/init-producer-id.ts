// InitProducerId (key 22), versions 0-5. Default Java producers (3.0+) are idempotent and
// ask for a producer id before their first Produce; librdkafka re-initialises an existing
// id with v3+ (ProducerId/ProducerEpoch set), which bumps the epoch (KIP-360: a producer
// that lost track of its sequences starts the new epoch at sequence 0, which every
// partition accepts). With a transactional id the transaction coordinator answers
// (txn/coordinator.ts): the id's producer id with a new epoch, fencing older producers of
// the id, after aborting a transaction they left open; TransactionTimeoutMs above
// transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT. v3 adds the producer's id and
// epoch to recover with (KIP-360: one of them alone is INVALID_REQUEST); v4 adds
// PRODUCER_FENCED, which older versions get as INVALID_PRODUCER_EPOCH (as Kafka maps it); v5
// adds TRANSACTION_ABORTABLE (KIP-890), which this coordinator does not answer here.
// Authorization (Kafka's KafkaApis): a transactional id needs WRITE on it
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the
// cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED), as from Kafka 3.0 (KIP-679).
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from '../protocol/generated/init-producer-id.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

const MAX_EPOCH = 32767;

export const initProducerId = defineHandler(InitProducerIdApi, { min: 0, max: 5 }, (request: InitProducerIdRequest, ctx): InitProducerIdResponse | Promise<InitProducerIdResponse> => {
  const refused = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  if (request.transactionalId !== null && !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const authorizer = ctx.broker.authorizer;
  if (request.transactionalId === null && authorizer && !clusterAuthorized(ctx, AclOperation.IDEMPOTENT_WRITE, true)
    && !authorizer.authorizeByResourceType(ctx, AclOperation.WRITE, ResourceType.TOPIC)) {
    authorizer.logDenied(ctx, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, 'kafka-cluster', 'InitProducerId');
    return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
  if (request.transactionalId !== null) return initTransactional(request, ctx);
  if (request.producerId >= 0 && request.producerEpoch >= 0 && request.producerEpoch < MAX_EPOCH - 1) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: request.producerId, producerEpoch: request.producerEpoch + 1 };
  }
  try {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.nextProducerId(), producerEpoch: 0 };
  } catch (e) {
    // In a cluster: the next block of ids is still on its way from etcd (retriable).
    if (e instanceof KafkaError) return { throttleTimeMs: 0, errorCode: e.code, producerId: -1, producerEpoch: -1 };
    throw e;
  }
});

async function initTransactional(request: InitProducerIdRequest, ctx: RequestContext): Promise<InitProducerIdResponse> {
  const { producerId, producerEpoch } = request;
  if ((producerId === -1) !== (producerEpoch === -1)) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
  const expected = producerId === -1 ? null : { producerId, producerEpoch };
  const result = await ctx.broker.txn.initProducerId(request.transactionalId!, request.transactionTimeoutMs, expected);
  const errorCode = result.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 4 ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode;
  return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
}
