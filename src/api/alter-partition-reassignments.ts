// AlterPartitionReassignments (key 45), version 0 (Kafka 3.9's only; flexible). Each
// partition's replicas start a reassignment (KIP-455) to that target, replacing one in
// progress; null replicas cancel it (NO_REASSIGNMENT_IN_PROGRESS when there is none). A
// target must be non-empty, name no broker twice, and only live brokers
// (INVALID_REPLICA_ASSIGNMENT). The controller alone changes partitions: another broker
// answers NOT_CONTROLLER at the top level, which admin clients retry at the controller.
// kafkajs writes request header v1 for this flexible request; its body's leading 0x00 reads
// as header v2's empty tagged fields, so it parses as sent. A broker alone accepts only the
// target it has (itself). Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED at the top
// level and for each partition, as Kafka's error response).
import {
  AlterPartitionReassignmentsApi, type AlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsResponse,
} from '../protocol/generated/alter-partition-reassignments.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PartitionResult } from '../broker/cluster-view.js';
import { defineHandler } from './handler.js';
import { byTopic } from './by-topic.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const alterPartitionReassignments = defineHandler(AlterPartitionReassignmentsApi, { min: 0, max: 0 }, async (request: AlterPartitionReassignmentsRequest, ctx): Promise<AlterPartitionReassignmentsResponse> => {
  const changes = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })));
  if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
    const message = 'Cluster authorization failed.';
    return respond(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message, changes.map((c) => ({ topic: c.topic, partition: c.partition, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message })));
  }
  try {
    return respond(ErrorCode.NONE, null, await ctx.broker.cluster.alterPartitionReassignments(changes));
  } catch (e) {
    if (!(e instanceof KafkaError) || e.code !== ErrorCode.NOT_CONTROLLER) throw e;
    return respond(e.code, e.reason, []);
  }
});

function respond(errorCode: number, errorMessage: string | null, results: PartitionResult[]): AlterPartitionReassignmentsResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    responses: [...byTopic(results)].map(([name, list]) => ({
      name,
      partitions: list.map((r) => ({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    })),
  };
}
