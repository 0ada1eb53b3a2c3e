// ElectLeaders (key 43), versions 0-2 (Kafka 3.9's). v0 elects preferred leaders only; v1
// adds the election type (KIP-460: 0 preferred, 1 unclean) and a top-level error code; v2 is
// flexible. Null partitions mean every partition, and then only the partitions that needed an
// election are answered, as Kafka's controller does. The controller alone elects: another
// broker answers NOT_CONTROLLER (top level from v1, per partition in v0), which Kafka's admin
// client retries at the controller Metadata names. The request's timeout is not waited on:
// an election is one etcd write, done before the response. A broker alone has nothing to
// elect: ELECTION_NOT_NEEDED for each partition it has. Needs ALTER on the cluster
// (CLUSTER_AUTHORIZATION_FAILED: at the top level from v1, and for each partition named).
import { ElectLeadersApi, type ElectLeadersRequest, type ElectLeadersResponse } from '../protocol/generated/elect-leaders.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ELECTION_PREFERRED, ELECTION_UNCLEAN, type ElectionType, type PartitionResult, type TopicPartition } from '../broker/cluster-view.js';
import { defineHandler } from './handler.js';
import { byTopic } from './by-topic.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const electLeaders = defineHandler(ElectLeadersApi, { min: 0, max: 2 }, async (request: ElectLeadersRequest, ctx): Promise<ElectLeadersResponse> => {
  const named = request.topicPartitions === null ? null : distinct(request.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))));
  const everyNamed = (code: number, message: string): ElectLeadersResponse => respond(ErrorCode.NONE, (named ?? []).map((tp) => ({ ...tp, errorCode: code, errorMessage: message })));
  if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
    const refused = everyNamed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    return ctx.apiVersion >= 1 ? { ...refused, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } : refused;
  }
  const type = request.electionType;
  if (type !== ELECTION_PREFERRED && type !== ELECTION_UNCLEAN) {
    const message = `Unknown election type ${type}`;
    return ctx.apiVersion >= 1 ? respond(ErrorCode.INVALID_REQUEST, []) : everyNamed(ErrorCode.INVALID_REQUEST, message);
  }
  try {
    return respond(ErrorCode.NONE, await ctx.broker.cluster.electLeaders(type as ElectionType, named));
  } catch (e) {
    if (!(e instanceof KafkaError) || e.code !== ErrorCode.NOT_CONTROLLER) throw e;
    return ctx.apiVersion >= 1 ? respond(ErrorCode.NOT_CONTROLLER, []) : everyNamed(ErrorCode.NOT_CONTROLLER, e.reason);
  }
});

function respond(errorCode: number, results: PartitionResult[]): ElectLeadersResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: [...byTopic(results)].map(([topic, list]) => ({
      topic,
      partitionResult: list.map((r) => ({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    })),
  };
}

/** A partition named twice is elected (and answered) once. */
function distinct(partitions: TopicPartition[]): TopicPartition[] {
  const seen = new Set<string>();
  return partitions.filter((tp) => {
    const key = `${tp.topic}\0${tp.partition}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
