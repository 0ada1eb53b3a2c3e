// FindCoordinator (key 10), versions 0-6. The range includes 0: librdkafka 2.0.2 never starts
// a consumer group (nor lz4) unless it does: its feature checks want old versions in range. v1
// adds the key type (0 group, 1 transaction) and an error message; v4 batches keys (KIP-699);
// v5 may answer TRANSACTION_ABORTABLE (KIP-890; never here); v6 adds key type 2, share
// groups (KIP-932), which Strom does not serve: INVALID_REQUEST for that key. A group's
// coordinator is the leader of its partition of __consumer_offsets, a transactional id's the
// leader of its partition of __transaction_state (this broker, when alone); the first lookup
// creates the topic, as Kafka does.
// Authorization (Kafka's KafkaApis): a group key needs DESCRIBE on the group
// (GROUP_AUTHORIZATION_FAILED), a transactional id DESCRIBE on it
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), before anything else is looked at.
import { FindCoordinatorApi, type FindCoordinatorRequest, type FindCoordinatorResponse } from '../protocol/generated/find-coordinator.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler, type RequestContext } from './handler.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/state-topic.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

type Coordinator = FindCoordinatorResponse.Coordinator;

export const findCoordinator = defineHandler(FindCoordinatorApi, { min: 0, max: 6 }, async (request: FindCoordinatorRequest, ctx): Promise<FindCoordinatorResponse> => {
  const keys = ctx.apiVersion >= 4 ? request.coordinatorKeys : [request.key];
  const coordinators = await Promise.all(keys.map((key) => lookup(ctx, key, request.keyType)));
  if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
  const [c] = coordinators;
  return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: ctx.apiVersion >= 1 ? c.errorMessage : null, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] };
});

async function lookup(ctx: RequestContext, key: string, keyType: number): Promise<Coordinator> {
  const { broker } = ctx;
  const fail = (errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType === GROUP && !authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
  if (keyType === TRANSACTION && !authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
  if (keyType === SHARE) return fail(ErrorCode.INVALID_REQUEST, 'share groups are not supported by this broker');
  if (keyType !== GROUP && keyType !== TRANSACTION) return fail(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  const group = keyType === GROUP;
  const topic = group ? OFFSETS_TOPIC : TRANSACTION_STATE_TOPIC;
  try {
    await (group ? broker.groups.ensureReady() : broker.txn.ensureReady());
  } catch (e) {
    if (e instanceof KafkaError) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${topic} is not available: ${e.message}`);
    throw e;
  }
  const partition = group ? broker.groups.store.topic.partitionFor(key) : broker.txn.topic.partitionFor(key);
  const leader = broker.cluster.topic(topic)?.partition(partition)?.leader ?? -1;
  // The coordinator's address on the listener the request came in on.
  const endpoint = broker.cluster.brokers(ctx.listenerName).find((b) => b.nodeId === leader);
  if (!endpoint) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, `the coordinator of ${group ? 'group' : 'transactional id'} ${key} is not available: its partition of ${topic} has no leader`);
  return { key, nodeId: endpoint.nodeId, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}
