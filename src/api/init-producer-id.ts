// InitProducerId (key 22), versions 0-5. Default Java producers (3.0+) are idempotent and
// ask for a producer id before their first Produce; librdkafka re-initialises an existing
// id with v3+ (ProducerId/ProducerEpoch set), which bumps the epoch (KIP-360: a producer
// that lost track of its sequences starts the new epoch at sequence 0, which every
// partition accepts). Transactional ids need the transaction coordinator, which Strom does
// not have yet: those get COORDINATOR_NOT_AVAILABLE.
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from '../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';

const MAX_EPOCH = 32767;

export const initProducerId = defineHandler(InitProducerIdApi, { min: 0, max: 5 }, (request: InitProducerIdRequest, ctx): InitProducerIdResponse => {
  if (request.transactionalId !== null) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
  }
  if (request.producerId >= 0 && request.producerEpoch >= 0 && request.producerEpoch < MAX_EPOCH - 1) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: request.producerId, producerEpoch: request.producerEpoch + 1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.nextProducerId(), producerEpoch: 0 };
});
