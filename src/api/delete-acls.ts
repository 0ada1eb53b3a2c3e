// DeleteAcls (key 31), versions 0-3: removes the ACL bindings each filter matches (acl.ts) and
// lists them per filter (a binding two filters match is listed by both). Versions as
// DescribeAcls'. A filter with an UNKNOWN element is INVALID_REQUEST, the others are applied.
// Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED); without an authorizer,
// SECURITY_DISABLED.
import { DeleteAclsApi, type DeleteAclsRequest, type DeleteAclsResponse } from '../protocol/generated/delete-acls.js';
import { ErrorCode } from '../protocol/errors.js';
import { bindingKey, describeEntry, describePattern, filterError, filterMatches, type AclBinding } from '../security/acl.js';
import { defineHandler, storeChange } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';
import { shownAt } from './describe-acls.js';

export const deleteAcls = defineHandler(DeleteAclsApi, { min: 0, max: 3 }, async (request: DeleteAclsRequest, ctx): Promise<DeleteAclsResponse> => {
  const fail = (errorCode: number, errorMessage: string): DeleteAclsResponse => ({
    throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
  });
  if (!clusterAuthorized(ctx, AclOperation.ALTER)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  const authorizer = ctx.broker.authorizer;
  if (!authorizer) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
  const bindings = authorizer.bindings();
  const deleted = new Map<string, AclBinding>();
  const filterResults = request.filters.map((f): DeleteAclsResponse.DeleteAclsFilterResult => {
    const filter = {
      resourceType: f.resourceTypeFilter, name: f.resourceNameFilter, patternType: f.patternTypeFilter,
      principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType,
    };
    const invalid = filterError(filter);
    if (invalid) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid, matchingAcls: [] };
    const matching = bindings.filter((b) => filterMatches(filter, b) && shownAt(ctx.apiVersion, b.pattern));
    for (const b of matching) deleted.set(bindingKey(b), b);
    return {
      errorCode: ErrorCode.NONE, errorMessage: null,
      matchingAcls: matching.map(({ pattern: p, entry: e }) => ({
        errorCode: ErrorCode.NONE, errorMessage: null, resourceType: p.resourceType, resourceName: p.name, patternType: p.patternType,
        principal: e.principal, host: e.host, operation: e.operation, permissionType: e.permission,
      })),
    };
  });
  if (deleted.size > 0) {
    const errorMessage = await storeChange(ctx, 'DeleteAcls', 'The removal of the ACLs', () => authorizer.store.remove([...deleted.values()]));
    if (errorMessage !== null) {
      return { throttleTimeMs: 0, filterResults: filterResults.map((r) => (r.errorCode === ErrorCode.NONE ? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage, matchingAcls: [] } : r)) };
    }
    for (const b of deleted.values()) ctx.broker.logger.info(`ACL removed by ${ctx.principal} from ${ctx.clientAddress}: ${describePattern(b.pattern)} ${describeEntry(b.entry)}`);
  }
  return { throttleTimeMs: 0, filterResults };
});
