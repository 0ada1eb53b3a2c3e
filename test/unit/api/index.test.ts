// src/api/index.ts: the handler table, from which ApiVersions and docs/COMPATIBILITY.md derive.
import { describe, expect, it } from 'vitest';
import { HANDLERS, HANDLER_BY_KEY } from '../../../src/api/index.js';
import { ALL_APIS } from '../../../src/protocol/generated/index.js';

describe('handler table', () => {
  it('has one handler per API key, sorted by key, each within its spec', () => {
    const keys = HANDLERS.map((h) => h.api.key);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(new Set(keys).size).toBe(keys.length);
    for (const h of HANDLERS) {
      const spec = ALL_APIS.find((a) => a.key === h.api.key)!;
      expect(h.api).toBe(spec);
      expect(h.minVersion).toBeGreaterThanOrEqual(spec.minVersion);
      expect(h.maxVersion).toBeLessThanOrEqual(spec.maxVersion);
      expect(h.minVersion).toBeLessThanOrEqual(h.maxVersion);
    }
  });

  it('serves the APIs of a single broker with classic and KIP-848 consumer groups, client telemetry, idempotent producers and transactions, SASL and SCRAM credentials, ACLs and client quotas, and the cluster\'s leader elections and reassignments', () => {
    expect(HANDLERS.map((h) => h.api.name)).toEqual([
      'Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'FindCoordinator', 'JoinGroup', 'Heartbeat',
      'LeaveGroup', 'SyncGroup', 'DescribeGroups', 'ListGroups', 'SaslHandshake', 'ApiVersions', 'CreateTopics', 'DeleteTopics', 'DeleteRecords',
      'InitProducerId', 'OffsetForLeaderEpoch',
      'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn', 'WriteTxnMarkers', 'TxnOffsetCommit', 'DescribeAcls', 'CreateAcls', 'DeleteAcls', 'DescribeConfigs', 'AlterConfigs', 'SaslAuthenticate', 'CreatePartitions', 'DeleteGroups',
      'ElectLeaders', 'IncrementalAlterConfigs', 'AlterPartitionReassignments', 'ListPartitionReassignments', 'OffsetDelete',
      'DescribeClientQuotas', 'AlterClientQuotas', 'DescribeUserScramCredentials', 'AlterUserScramCredentials', 'DescribeCluster', 'DescribeProducers', 'DescribeTransactions', 'ListTransactions', 'ConsumerGroupHeartbeat', 'ConsumerGroupDescribe', 'GetTelemetrySubscriptions', 'PushTelemetry', 'DescribeTopicPartitions',
    ]);
  });

  it('is indexed by key', () => {
    expect(HANDLER_BY_KEY.size).toBe(HANDLERS.length);
    for (const h of HANDLERS) expect(HANDLER_BY_KEY.get(h.api.key)).toBe(h);
    expect(HANDLER_BY_KEY.get(24)?.api.name).toBe('AddPartitionsToTxn');
    expect(HANDLER_BY_KEY.get(57)).toBeUndefined(); // UpdateFeatures: not served
  });
});
