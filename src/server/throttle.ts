// How a throttled client is told and held (KIP-219): the response carries throttle_time_ms
// and the connection is not read for that long. A client of an API version from before
// KIP-219 does not hold back by itself: its response is held back for the throttle time too,
// as Kafka's broker did before (the first version that leaves it to the client, per API, from
// Kafka's AbstractResponse.shouldClientThrottle implementations). APIs not listed had
// throttle_time_ms from their first version on and leave it to the client always.
import { ProduceApi } from '../protocol/generated/produce.js';
import { FetchApi } from '../protocol/generated/fetch.js';
import { ListOffsetsApi } from '../protocol/generated/list-offsets.js';
import { MetadataApi } from '../protocol/generated/metadata.js';
import { OffsetCommitApi } from '../protocol/generated/offset-commit.js';
import { OffsetFetchApi } from '../protocol/generated/offset-fetch.js';
import { FindCoordinatorApi } from '../protocol/generated/find-coordinator.js';
import { JoinGroupApi } from '../protocol/generated/join-group.js';
import { HeartbeatApi } from '../protocol/generated/heartbeat.js';
import { LeaveGroupApi } from '../protocol/generated/leave-group.js';
import { SyncGroupApi } from '../protocol/generated/sync-group.js';
import { DescribeGroupsApi } from '../protocol/generated/describe-groups.js';
import { ListGroupsApi } from '../protocol/generated/list-groups.js';
import { ApiVersionsApi } from '../protocol/generated/api-versions.js';
import { CreateTopicsApi } from '../protocol/generated/create-topics.js';
import { DeleteTopicsApi } from '../protocol/generated/delete-topics.js';
import { DeleteRecordsApi } from '../protocol/generated/delete-records.js';
import { InitProducerIdApi } from '../protocol/generated/init-producer-id.js';
import { OffsetForLeaderEpochApi } from '../protocol/generated/offset-for-leader-epoch.js';
import { DescribeAclsApi } from '../protocol/generated/describe-acls.js';
import { CreateAclsApi } from '../protocol/generated/create-acls.js';
import { DeleteAclsApi } from '../protocol/generated/delete-acls.js';
import { DescribeConfigsApi } from '../protocol/generated/describe-configs.js';
import { AlterConfigsApi } from '../protocol/generated/alter-configs.js';
import { CreatePartitionsApi } from '../protocol/generated/create-partitions.js';
import { DeleteGroupsApi } from '../protocol/generated/delete-groups.js';
import { SaslHandshakeApi } from '../protocol/generated/sasl-handshake.js';
import { SaslAuthenticateApi } from '../protocol/generated/sasl-authenticate.js';

const FIRST_CLIENT_THROTTLED_VERSION: ReadonlyMap<number, number> = new Map([
  [ProduceApi.key, 6], [FetchApi.key, 8], [ListOffsetsApi.key, 3], [MetadataApi.key, 6], [OffsetCommitApi.key, 4],
  [OffsetFetchApi.key, 4], [FindCoordinatorApi.key, 2], [JoinGroupApi.key, 3], [HeartbeatApi.key, 2], [LeaveGroupApi.key, 2],
  [SyncGroupApi.key, 2], [DescribeGroupsApi.key, 2], [ListGroupsApi.key, 2], [ApiVersionsApi.key, 2], [CreateTopicsApi.key, 3],
  [DeleteTopicsApi.key, 2], [DeleteRecordsApi.key, 1], [InitProducerIdApi.key, 1], [OffsetForLeaderEpochApi.key, 3],
  [DescribeAclsApi.key, 1], [CreateAclsApi.key, 1], [DeleteAclsApi.key, 1], [DescribeConfigsApi.key, 2], [AlterConfigsApi.key, 1],
  [CreatePartitionsApi.key, 1], [DeleteGroupsApi.key, 1],
]);

/** Whether a client of this API version holds back by itself when told a throttle time (KIP-219). */
export function clientThrottles(apiKey: number, apiVersion: number): boolean {
  return apiVersion >= (FIRST_CLIENT_THROTTLED_VERSION.get(apiKey) ?? 0);
}

/**
 * Requests the request-time quota does not count, as Kafka exempts them: what a client must
 * be able to send to connect and authenticate at all.
 */
export const REQUEST_QUOTA_EXEMPT: ReadonlySet<number> = new Set([ApiVersionsApi.key, SaslHandshakeApi.key, SaslAuthenticateApi.key]);

/** Request-time quota units: percent of one thread per second, from nanoseconds (Kafka's nanosToPercentage). */
export function nanosToPercent(nanos: number): number {
  return (nanos * 100) / 1e9;
}
