// AlterClientQuotas (key 49), versions 0-1 (KIP-546; v1 is flexible): sets and removes quota
// values of entities (user, client-id, both, or ip; a null name is the <default> entity).
// Each entry is checked as Kafka's ClientQuotaControlManager checks it (a known entity type,
// ip alone, a key of the entity's kind, a positive value, a whole number for byte rates and
// connection rates): INVALID_REQUEST (UNSUPPORTED_VERSION for an unknown entity type) with
// Kafka's message, the others applied together, durably, unless ValidateOnly. New quotas
// apply from the next request. Needs ALTER_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED).
import { AlterClientQuotasApi, type AlterClientQuotasRequest, type AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas.js';
import { ErrorCode } from '../protocol/errors.js';
import { entityKey, isQuotaError, parseEntity, valueError, type QuotaError } from '../quota/entities.js';
import type { QuotaChange } from '../quota/quota-store.js';
import { defineHandler, storeChange } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const alterClientQuotas = defineHandler(AlterClientQuotasApi, { min: 0, max: 1 }, async (request: AlterClientQuotasRequest, ctx): Promise<AlterClientQuotasResponse> => {
  const refused = !clusterAuthorized(ctx, AclOperation.ALTER_CONFIGS);
  const changes: QuotaChange[] = [];
  const entries = request.entries.map((e): AlterClientQuotasResponse.EntryData => {
    const answer = (error: QuotaError | null) => ({ errorCode: error?.errorCode ?? ErrorCode.NONE, errorMessage: error?.errorMessage ?? null, entity: e.entity });
    if (refused) return answer({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' });
    const entity = parseEntity(e.entity);
    if (isQuotaError(entity)) return answer(entity);
    const change: QuotaChange = { entityKey: entityKey(entity), set: {}, remove: [] };
    const seen = new Set<string>();
    for (const op of e.ops) {
      if (seen.has(op.key)) return answer({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate quota key ${op.key} for the entity` });
      seen.add(op.key);
      if (op.remove) {
        const error = valueError(entity, op.key, 1);
        if (error && error.errorMessage.startsWith('Invalid configuration key')) return answer(error);
        change.remove.push(op.key);
        continue;
      }
      const error = valueError(entity, op.key, op.value);
      if (error) return answer(error);
      change.set[op.key] = op.value;
    }
    changes.push(change);
    return answer(null);
  });
  if (!request.validateOnly && changes.length > 0) {
    const errorMessage = await storeChange(ctx, 'AlterClientQuotas', 'The client quotas', () => ctx.broker.quotas.store.alter(changes));
    if (errorMessage !== null) {
      return { throttleTimeMs: 0, entries: entries.map((r) => (r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage } : r)) };
    }
    ctx.broker.logger.info(`client quotas changed by ${ctx.principal} from ${ctx.clientAddress}: ${changes.map((c) => `${c.entityKey} ${JSON.stringify(c.set)}${c.remove.length ? ` removed ${c.remove.join(',')}` : ''}`).join('; ')}`);
  }
  return { throttleTimeMs: 0, entries };
});
