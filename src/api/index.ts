// The handler table: one handler per API key Strom serves. ApiVersions is derived from it,
// so a client is told exactly what is implemented.
import type { Handler } from './handler.js';
import { apiVersionsHandler } from './api-versions.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { createPartitions } from './create-partitions.js';
import { describeConfigs } from './describe-configs.js';
import { alterConfigs } from './alter-configs.js';
import { incrementalAlterConfigs } from './incremental-alter-configs.js';
import { deleteRecords } from './delete-records.js';
import { describeCluster } from './describe-cluster.js';
import { initProducerId } from './init-producer-id.js';
import { findCoordinator } from './find-coordinator.js';
import { joinGroup } from './join-group.js';
import { syncGroup } from './sync-group.js';
import { heartbeat } from './heartbeat.js';
import { leaveGroup } from './leave-group.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { listGroups } from './list-groups.js';
import { describeGroups } from './describe-groups.js';
import { deleteGroups } from './delete-groups.js';
import { offsetDelete } from './offset-delete.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { consumerGroupDescribe } from './consumer-group-describe.js';
import { describeTopicPartitions } from './describe-topic-partitions.js';
import { saslHandshake } from './sasl-handshake.js';
import { saslAuthenticate } from './sasl-authenticate.js';
import { describeUserScramCredentials } from './describe-user-scram-credentials.js';
import { alterUserScramCredentials } from './alter-user-scram-credentials.js';
import { describeProducers } from './describe-producers.js';
import { addPartitionsToTxn } from './add-partitions-to-txn.js';
import { addOffsetsToTxn } from './add-offsets-to-txn.js';
import { endTxn } from './end-txn.js';
import { writeTxnMarkers } from './write-txn-markers.js';
import { txnOffsetCommit } from './txn-offset-commit.js';
import { describeTransactions } from './describe-transactions.js';
import { listTransactions } from './list-transactions.js';
import { getTelemetrySubscriptions } from './get-telemetry-subscriptions.js';
import { pushTelemetry } from './push-telemetry.js';
import { electLeaders } from './elect-leaders.js';
import { alterPartitionReassignments } from './alter-partition-reassignments.js';
import { listPartitionReassignments } from './list-partition-reassignments.js';
import { createAcls } from './create-acls.js';
import { describeAcls } from './describe-acls.js';
import { deleteAcls } from './delete-acls.js';
import { describeClientQuotas } from './describe-client-quotas.js';
import { alterClientQuotas } from './alter-client-quotas.js';

export const HANDLERS: readonly Handler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersionsHandler(() => HANDLERS),
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  describeConfigs,
  alterConfigs,
  createPartitions,
  incrementalAlterConfigs,
  describeCluster,
  findCoordinator,
  joinGroup,
  syncGroup,
  heartbeat,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  listGroups,
  describeGroups,
  deleteGroups,
  offsetDelete,
  offsetForLeaderEpoch,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
  describeTopicPartitions,
  saslHandshake,
  saslAuthenticate,
  describeUserScramCredentials,
  alterUserScramCredentials,
  describeProducers,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  writeTxnMarkers,
  txnOffsetCommit,
  describeTransactions,
  listTransactions,
  getTelemetrySubscriptions,
  pushTelemetry,
  electLeaders,
  alterPartitionReassignments,
  listPartitionReassignments,
  createAcls,
  describeAcls,
  deleteAcls,
  describeClientQuotas,
  alterClientQuotas,
].sort((a, b) => a.api.key - b.api.key);

export const HANDLER_BY_KEY: ReadonlyMap<number, Handler> = new Map(HANDLERS.map((h) => [h.api.key, h]));
