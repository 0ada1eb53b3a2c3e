// EndTxn (key 26), versions 0-4: a transactional producer commits or aborts its transaction.
// The coordinator writes the decision, then the COMMIT or ABORT markers to every partition of
// the transaction, then its completion (txn/coordinator.ts); the answer comes once the
// markers are written. v2 adds PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH,
// as Kafka maps it); v3 is flexible; v4 adds TRANSACTION_ABORTABLE (KIP-890). v5 (Kafka 4's
// transactions V2, an epoch bump at every end) is not served: see docs/COMPATIBILITY.md.
// Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import { EndTxnApi, type EndTxnRequest, type EndTxnResponse } from '../protocol/generated/end-txn.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

const FIRST_FENCED_VERSION = 2;

export const endTxn = defineHandler(EndTxnApi, { min: 0, max: 4 }, async (request: EndTxnRequest, ctx): Promise<EndTxnResponse> => {
  if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  let errorCode = await ctx.broker.txn.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
  if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < FIRST_FENCED_VERSION) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode };
});
