// CreateAcls (key 30), versions 0-3. v1 adds the resource pattern type (KIP-290: LITERAL or
// PREFIXED; v0 is LITERAL), v2 is flexible, v3 adds the USER resource type (KIP-373). Each
// creation is checked as Kafka's AclApis and AclControlManager check it (a known resource
// type, LITERAL or PREFIXED, a known operation, ALLOW or DENY, a name, kafka-cluster for the
// cluster, a Type:name principal): INVALID_REQUEST with Kafka's message, the others stored.
// A binding already stored is no change. Needs ALTER on the cluster
// (CLUSTER_AUTHORIZATION_FAILED); without an authorizer, SECURITY_DISABLED.
import { CreateAclsApi, type CreateAclsRequest, type CreateAclsResponse } from '../protocol/generated/create-acls.js';
import { ErrorCode } from '../protocol/errors.js';
import { ResourceType, bindingError, describeEntry, describePattern, type AclBinding } from '../security/acl.js';
import { defineHandler, storeChange } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

/** The first version that has the USER resource type. */
const FIRST_USER_VERSION = 3;

export const createAcls = defineHandler(CreateAclsApi, { min: 0, max: 3 }, async (request: CreateAclsRequest, ctx): Promise<CreateAclsResponse> => {
  const fail = (errorCode: number, errorMessage: string): CreateAclsResponse => ({
    throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })),
  });
  if (!clusterAuthorized(ctx, AclOperation.ALTER)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  const authorizer = ctx.broker.authorizer;
  if (!authorizer) return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker');
  const results: CreateAclsResponse.AclCreationResult[] = [];
  const valid: AclBinding[] = [];
  for (const c of request.creations) {
    const binding: AclBinding = {
      pattern: { resourceType: c.resourceType, name: c.resourceName, patternType: c.resourcePatternType },
      entry: { principal: c.principal, host: c.host, operation: c.operation, permission: c.permissionType },
    };
    const error = c.resourceType === ResourceType.USER && ctx.apiVersion < FIRST_USER_VERSION
      ? 'The USER resource type needs CreateAcls v3 or later' : bindingError(binding);
    if (error) {
      results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error });
      continue;
    }
    valid.push(binding);
    results.push({ errorCode: ErrorCode.NONE, errorMessage: null });
  }
  if (valid.length > 0) {
    const errorMessage = await storeChange(ctx, 'CreateAcls', 'The ACL', () => authorizer.store.add(valid));
    if (errorMessage !== null) {
      return { throttleTimeMs: 0, results: results.map((r) => (r.errorCode === ErrorCode.NONE ? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage } : r)) };
    }
    for (const b of valid) ctx.broker.logger.info(`ACL added by ${ctx.principal} from ${ctx.clientAddress}: ${describePattern(b.pattern)} ${describeEntry(b.entry)}`);
  }
  return { throttleTimeMs: 0, results };
});
