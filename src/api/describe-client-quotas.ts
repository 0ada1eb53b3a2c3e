// DescribeClientQuotas (key 48), versions 0-1 (KIP-546; v1 is flexible): the quota entities a
// filter matches, with their values. Filter components name an entity type and match EXACT
// (a name), DEFAULT (the <default> entity) or ANY (any entity of the type); strict leaves out
// entities with types the filter does not name. A bad filter is INVALID_REQUEST (or
// UNSUPPORTED_VERSION for an unknown entity type) for the request, as Kafka's
// ClientQuotasImage answers. Needs DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED).
import { DescribeClientQuotasApi, type DescribeClientQuotasRequest, type DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas.js';
import { ErrorCode } from '../protocol/errors.js';
import { entityFromKey, filterMatches, isQuotaError, parseFilter } from '../quota/entities.js';
import { defineHandler } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const describeClientQuotas = defineHandler(DescribeClientQuotasApi, { min: 0, max: 1 }, (request: DescribeClientQuotasRequest, ctx): DescribeClientQuotasResponse => {
  const fail = (errorCode: number, errorMessage: string): DescribeClientQuotasResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, entries: null });
  if (!clusterAuthorized(ctx, AclOperation.DESCRIBE_CONFIGS)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  const filter = parseFilter(request.components, request.strict);
  if (isQuotaError(filter)) return fail(filter.errorCode, filter.errorMessage);
  const entries: DescribeClientQuotasResponse.EntryData[] = [];
  for (const [key, values] of ctx.broker.quotas.store.entries()) {
    const entity = entityFromKey(key);
    if (!filterMatches(filter, entity)) continue;
    entries.push({
      entity: Object.entries(entity).map(([entityType, entityName]) => ({ entityType, entityName })),
      values: Object.entries(values).map(([k, value]) => ({ key: k, value })),
    });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
});
