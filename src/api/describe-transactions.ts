// DescribeTransactions (key 65), version 0 (KIP-664, what `kafka-transactions.sh describe`
// sends): each transactional id's producer id and epoch, state, timeout, start time and the
// partitions of its transaction. An unknown id is TRANSACTIONAL_ID_NOT_FOUND, an empty one
// INVALID_REQUEST. Needs DESCRIBE on each transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
// its partitions are listed of the topics the principal may DESCRIBE, as Kafka's KafkaApis.
import { DescribeTransactionsApi, type DescribeTransactionsRequest, type DescribeTransactionsResponse } from '../protocol/generated/describe-transactions.js';
import { splitTopicPartition } from '../txn/records.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const describeTransactions = defineHandler(DescribeTransactionsApi, { min: 0, max: 0 }, (request: DescribeTransactionsRequest, ctx): DescribeTransactionsResponse => ({
  throttleTimeMs: 0,
  transactionStates: request.transactionalIds.map((id) => {
    if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
    }
    const d = ctx.broker.txn.describe(id);
    const topics = new Map<string, number[]>();
    for (const tp of d.partitions) {
      const { topic, partition } = splitTopicPartition(tp);
      if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic, true)) continue;
      topics.set(topic, [...(topics.get(topic) ?? []), partition]);
    }
    return {
      errorCode: d.errorCode, transactionalId: id, transactionState: d.state, transactionTimeoutMs: d.txnTimeoutMs,
      transactionStartTimeMs: d.startTimestamp, producerId: d.producerId, producerEpoch: d.producerEpoch,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
    };
  }),
}));
