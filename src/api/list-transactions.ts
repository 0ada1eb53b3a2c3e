// ListTransactions (key 66), versions 0-1 (KIP-664, `kafka-transactions.sh list`): the
// transactional ids this coordinator holds with their producer ids and states, filtered by
// state names (unknown names are answered back in UnknownStateFilters) and producer ids; v1
// (KIP-994) adds DurationFilter: only transactions running longer than it (-1: all). Only the
// transactional ids the principal may DESCRIBE are listed, as Kafka's KafkaApis.
import { ListTransactionsApi, type ListTransactionsRequest, type ListTransactionsResponse } from '../protocol/generated/list-transactions.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const listTransactions = defineHandler(ListTransactionsApi, { min: 0, max: 1 }, (request: ListTransactionsRequest, ctx): ListTransactionsResponse => {
  const durationMs = ctx.apiVersion >= 1 ? request.durationFilter : -1;
  const { transactions, unknownStates } = ctx.broker.txn.list(request.stateFilters, request.producerIdFilters, durationMs, Date.now());
  return {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: unknownStates,
    transactionStates: transactions.filter((t) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId, true)).map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
  };
});
