// InitProducerId (key 22), versions 0-5. Default Java producers (3.0+) are idempotent and
// ask for a producer id before their first Produce; librdkafka re-initialises an existing
// id with v3+ (ProducerId/ProducerEpoch set), which bumps the epoch (KIP-360: a producer
// that lost track of its sequences starts the new epoch at sequence 0, which every
// partition accepts). Transactional ids need the transaction coordinator, which Strom does
// not have yet: those get COORDINATOR_NOT_AVAILABLE.
// Authorization (Kafka's KafkaApis): a transactional id needs WRITE on it
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the
// cluster or WRITE on some topic (CLUSTER_AUTHORIZATION_FAILED), as from Kafka 3.0 (KIP-679).
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from '../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

const MAX_EPOCH = 32767;

export const initProducerId = defineHandler(InitProducerIdApi, { min: 0, max: 5 }, (request: InitProducerIdRequest, ctx): InitProducerIdResponse => {
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
  if (request.transactionalId !== null) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
  }
  if (request.producerId >= 0 && request.producerEpoch >= 0 && request.producerEpoch < MAX_EPOCH - 1) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: request.producerId, producerEpoch: request.producerEpoch + 1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.nextProducerId(), producerEpoch: 0 };
});
