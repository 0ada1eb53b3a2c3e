// The ACLs on the HTTP gateway: a REST request, a WebSocket tail and the console's actions
// (which are REST and WebSocket requests) are checked as the Kafka request doing the same
// would be, for the request's principal (HTTP Basic's user, else User:ANONYMOUS) from its
// address: reading records needs READ on the topic (and on the consumer instance's group),
// producing WRITE, describing DESCRIBE, creating a topic CREATE on the cluster or the topic.
// A refusal is 403 with Strom's NOT_AUTHORIZED code; lists leave out what the principal may
// not describe, as Metadata does. Without an authorizer every check passes.
import type { BrokerContext } from '../broker/context.js';
import { CLUSTER_NAME, ResourceType, resourceTypeName } from '../security/acl.js';
import { HttpError, type HttpRequest } from './router.js';
import { RestErrorCode } from './error-codes.js';

/** Who sent a request, as the authorizer sees a requester. */
type Requester = Pick<HttpRequest, 'principal' | 'clientHost'>;

/** Whether the request may perform `operation` on the resource; `quiet` does not log a refusal (filtering). */
export function mayAccess(broker: BrokerContext, req: Requester, operation: number, resourceType: number, name: string, quiet = true): boolean {
  const authorizer = broker.authorizer;
  if (!authorizer || authorizer.authorize(req, operation, resourceType, name)) return true;
  if (!quiet) authorizer.logDenied(req, operation, resourceType, name, 'an HTTP request');
  return false;
}

/** Throws 403 unless the request may perform `operation` on the resource. */
export function requireAccess(broker: BrokerContext, req: Requester, operation: number, resourceType: number, name: string): void {
  if (mayAccess(broker, req, operation, resourceType, name, false)) return;
  const what = resourceType === ResourceType.TOPIC ? 'topics' : resourceType === ResourceType.GROUP ? 'group' : resourceTypeName(resourceType).toLowerCase();
  throw new HttpError(403, RestErrorCode.NOT_AUTHORIZED, `Not authorized to access ${what}: [${name}]`);
}

/** Whether the request may perform `operation` on the cluster. */
export function mayAccessCluster(broker: BrokerContext, req: Requester, operation: number): boolean {
  return mayAccess(broker, req, operation, ResourceType.CLUSTER, CLUSTER_NAME);
}
