// DescribeAcls (key 29), versions 0-3: the ACL bindings a filter matches (acl.ts), grouped by
// resource pattern. v0 knows LITERAL patterns only, v1 adds the pattern type filter (ANY,
// MATCH, LITERAL, PREFIXED), v3 the USER resource type (older versions are not shown those).
// A filter with an UNKNOWN element is INVALID_REQUEST. Needs DESCRIBE on the cluster
// (CLUSTER_AUTHORIZATION_FAILED); without an authorizer, SECURITY_DISABLED.
import { DescribeAclsApi, type DescribeAclsRequest, type DescribeAclsResponse } from '../protocol/generated/describe-acls.js';
import { ErrorCode } from '../protocol/errors.js';
import { PatternType, ResourceType, filterError, filterMatches, type AclBindingFilter } from '../security/acl.js';
import { defineHandler } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const describeAcls = defineHandler(DescribeAclsApi, { min: 0, max: 3 }, (request: DescribeAclsRequest, ctx): DescribeAclsResponse => {
  const fail = (errorCode: number, errorMessage: string): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
  if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  const authorizer = ctx.broker.authorizer;
  if (!authorizer) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
  const filter: AclBindingFilter = {
    resourceType: request.resourceTypeFilter, name: request.resourceNameFilter, patternType: request.patternTypeFilter,
    principal: request.principalFilter, host: request.hostFilter, operation: request.operation, permission: request.permissionType,
  };
  const invalid = filterError(filter);
  if (invalid) return fail(ErrorCode.INVALID_REQUEST, invalid);
  const resources = new Map<string, DescribeAclsResponse.DescribeAclsResource>();
  for (const b of authorizer.bindings()) {
    if (!filterMatches(filter, b) || !shownAt(ctx.apiVersion, b.pattern)) continue;
    const key = JSON.stringify([b.pattern.resourceType, b.pattern.patternType, b.pattern.name]);
    let resource = resources.get(key);
    if (!resource) resources.set(key, (resource = { resourceType: b.pattern.resourceType, resourceName: b.pattern.name, patternType: b.pattern.patternType, acls: [] }));
    resource.acls.push({ principal: b.entry.principal, host: b.entry.host, operation: b.entry.operation, permissionType: b.entry.permission });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...resources.values()] };
});

/** Whether a version can carry the pattern: v0 LITERAL ones only, USER resources from v3. */
export function shownAt(version: number, pattern: { resourceType: number; patternType: number }): boolean {
  if (version === 0 && pattern.patternType !== PatternType.LITERAL) return false;
  return version >= 3 || pattern.resourceType !== ResourceType.USER;
}
