// ListPartitionReassignments (key 46), version 0 (Kafka 3.9's only; flexible): the
// reassignments in progress (KIP-455) of the partitions named, or of all when topics is null;
// partitions that do not exist or are not moving are left out, as Kafka answers. Every
// broker answers from its metadata image (a Kafka broker forwards it to the controller;
// the image here is what the controller wrote, seen through etcd's watch). Needs DESCRIBE on
// the cluster (CLUSTER_AUTHORIZATION_FAILED).
import {
  ListPartitionReassignmentsApi, type ListPartitionReassignmentsRequest, type ListPartitionReassignmentsResponse,
} from '../protocol/generated/list-partition-reassignments.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { byTopic } from './by-topic.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const listPartitionReassignments = defineHandler(ListPartitionReassignmentsApi, { min: 0, max: 0 }, (request: ListPartitionReassignmentsRequest, ctx): ListPartitionReassignmentsResponse => {
  if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', topics: [] };
  const named = request.topics === null ? null : request.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  const ongoing = ctx.broker.cluster.listPartitionReassignments(named);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: [...byTopic(ongoing)].map(([name, list]) => ({
      name,
      partitions: list.map((r) => ({ partitionIndex: r.partition, replicas: [...r.replicas], addingReplicas: [...r.adding], removingReplicas: [...r.removing] })),
    })),
  };
});
