// What handlers ask of the authorizer, as Kafka's AuthHelper: whether the request's principal,
// from its address, may perform an operation on a resource (always, when no authorizer is
// configured: authorizer.class.name empty), and the KIP-430 authorized-operations bitfields
// (every operation the resource type has, without an authorizer, as Kafka reports them).
// A refused check is logged by the authorizer; filtering (Metadata's topic list, ListGroups)
// asks quietly, as Kafka's does (logIfDenied = false).
import { AclOperation, CLUSTER_NAME, ResourceType, SUPPORTED_OPERATIONS } from '../security/acl.js';
import type { RequestContext } from './handler.js';

export { AclOperation, ResourceType, CLUSTER_NAME };

/** The "not requested" value of the authorized-operations fields. */
export const NO_OPERATIONS = -2147483648;

const ALL_OPERATIONS = new Map([...SUPPORTED_OPERATIONS].map(([type, ops]) => [type, ops.reduce((bits, op) => bits | (1 << op), 0)]));

/** Whether the request may perform `operation` on the resource; a refusal is logged unless `quiet`. */
export function authorized(ctx: RequestContext, operation: number, resourceType: number, name: string, quiet = false): boolean {
  const authorizer = ctx.broker.authorizer;
  if (!authorizer) return true;
  if (authorizer.authorize(ctx, operation, resourceType, name)) return true;
  if (!quiet) authorizer.logDenied(ctx, operation, resourceType, name, requestName(ctx));
  return false;
}

/** Whether the request may perform `operation` on the cluster. */
export function clusterAuthorized(ctx: RequestContext, operation: number, quiet = false): boolean {
  return authorized(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME, quiet);
}

/** The operations the request's principal may perform on the resource (KIP-430). */
export function authorizedOperations(ctx: RequestContext, resourceType: number, name: string): number {
  const authorizer = ctx.broker.authorizer;
  if (!authorizer) return ALL_OPERATIONS.get(resourceType) ?? 0;
  return authorizer.authorizedOperations(ctx, resourceType, name);
}

/** The names among `names` the request may perform `operation` on (each name asked once). */
export function authorizedNames(ctx: RequestContext, operation: number, resourceType: number, names: Iterable<string>, quiet = false): Set<string> {
  const allowed = new Set<string>();
  const asked = new Set<string>();
  for (const name of names) {
    if (asked.has(name)) continue;
    asked.add(name);
    if (authorized(ctx, operation, resourceType, name, quiet)) allowed.add(name);
  }
  return allowed;
}

function requestName(ctx: RequestContext): string {
  return `API key ${ctx.apiKey} v${ctx.apiVersion} from ${ctx.clientAddress}${ctx.clientId ? ` (client ${ctx.clientId})` : ''}`;
}
