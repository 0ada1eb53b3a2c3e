// DescribeCluster (key 60), versions 0-1. Java's admin client asks this first and falls
// back to Metadata. v1 adds EndpointType (KIP-919): a broker describes brokers (1) only.
// Anyone may ask; the cluster's authorized operations, when asked for, are 0 without DESCRIBE
// on the cluster (Kafka's KafkaApis).
import { DescribeClusterApi, type DescribeClusterRequest, type DescribeClusterResponse } from '../protocol/generated/describe-cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, CLUSTER_NAME, NO_OPERATIONS, ResourceType, authorizedOperations, clusterAuthorized } from './authorize.js';

export const describeCluster = defineHandler(DescribeClusterApi, { min: 0, max: 1 }, (request: DescribeClusterRequest, ctx): DescribeClusterResponse => {
  const { broker } = ctx;
  const brokersWanted = request.endpointType === 1;
  return {
    throttleTimeMs: 0,
    errorCode: brokersWanted ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
    errorMessage: brokersWanted ? null : `Endpoint type ${request.endpointType} is not served by a broker`,
    endpointType: request.endpointType,
    clusterId: broker.cluster.clusterId,
    controllerId: broker.cluster.controllerId(),
    brokers: brokersWanted ? broker.cluster.brokers(ctx.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })) : [],
    clusterAuthorizedOperations: !request.includeClusterAuthorizedOperations ? NO_OPERATIONS
      : clusterAuthorized(ctx, AclOperation.DESCRIBE) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0,
  };
});
