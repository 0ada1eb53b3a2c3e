// DescribeProducers (key 61), version 0 (KIP-664, what `kafka-transactions.sh
// describe-producers` sends): each partition's active producers, from the producer state its
// append worker keeps: id, epoch, last sequence, last timestamp, the coordinator epoch of its
// last marker, and the first offset of its open transaction (-1: none). One broker leads
// every partition it has; an unknown one is UNKNOWN_TOPIC_OR_PARTITION. Needs READ on each
// topic (TOPIC_AUTHORIZATION_FAILED), as Kafka's KafkaApis.
import { DescribeProducersApi, type DescribeProducersRequest, type DescribeProducersResponse } from '../protocol/generated/describe-producers.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorizedNames } from './authorize.js';

type PartitionResponse = DescribeProducersResponse.PartitionResponse;

export const describeProducers = defineHandler(DescribeProducersApi, { min: 0, max: 0 }, async (request: DescribeProducersRequest, ctx): Promise<DescribeProducersResponse> => {
  const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
  return { throttleTimeMs: 0, topics: await Promise.all(request.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(t.partitionIndexes.map(async (partitionIndex): Promise<PartitionResponse> => {
      if (!readable.has(t.name)) return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.', activeProducers: [] };
      try {
        const log = ctx.broker.cluster.leaderLog(t.name, partitionIndex);
        const producers = await log.producers();
        return {
          partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null,
          activeProducers: producers.map((p) => ({
            producerId: p.producerId, producerEpoch: p.epoch, lastSequence: p.lastSequence, lastTimestamp: p.timestamp,
            coordinatorEpoch: p.coordinatorEpoch, currentTxnStartOffset: p.currentTxnFirstOffset,
          })),
        };
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        return { partitionIndex, errorCode: e.code, errorMessage: e.message, activeProducers: [] };
      }
    })),
  }))) };
});
