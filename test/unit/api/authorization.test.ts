// What the handlers ask of the authorizer, and what they answer when refused, for the paths
// the client tests do not reach (test/integration/acls.test.ts drives the common ones with
// real clients): Kafka's error codes and response shapes per API and version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce } from '../../../src/api/produce.js';
import { fetch } from '../../../src/api/fetch.js';
import { initProducerId } from '../../../src/api/init-producer-id.js';
import { offsetFetch } from '../../../src/api/offset-fetch.js';
import { offsetCommit } from '../../../src/api/offset-commit.js';
import { createTopics } from '../../../src/api/create-topics.js';
import { deleteTopics } from '../../../src/api/delete-topics.js';
import { describeConfigs } from '../../../src/api/describe-configs.js';
import { listGroups } from '../../../src/api/list-groups.js';
import { findCoordinator } from '../../../src/api/find-coordinator.js';
import { createAcls } from '../../../src/api/create-acls.js';
import { describeAcls } from '../../../src/api/describe-acls.js';
import { deleteAcls } from '../../../src/api/delete-acls.js';
import { alterClientQuotas } from '../../../src/api/alter-client-quotas.js';
import { describeClientQuotas } from '../../../src/api/describe-client-quotas.js';
import { addPartitionsToTxn } from '../../../src/api/add-partitions-to-txn.js';
import { addOffsetsToTxn } from '../../../src/api/add-offsets-to-txn.js';
import { endTxn } from '../../../src/api/end-txn.js';
import { writeTxnMarkers } from '../../../src/api/write-txn-markers.js';
import { txnOffsetCommit } from '../../../src/api/txn-offset-commit.js';
import { listTransactions } from '../../../src/api/list-transactions.js';
import { describeTransactions } from '../../../src/api/describe-transactions.js';
import { electLeaders } from '../../../src/api/elect-leaders.js';
import { alterPartitionReassignments } from '../../../src/api/alter-partition-reassignments.js';
import { listPartitionReassignments } from '../../../src/api/list-partition-reassignments.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { buildBatch } from '../../../src/core/index.js';
import { defaultFetchRequest } from '../../../src/protocol/generated/fetch.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType, type AclBinding } from '../../../src/security/acl.js';
import { user } from '../../../src/security/principal.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
let open: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:admin' });
  open = await startHandlerBroker();
  await hb.topic('secured', 1, { 0: [{ value: 'r0' }] });
  await hb.topic('other', 1);
});
afterAll(stopHandlerBrokers);

const alice = { principal: user('alice') };
const admin = { principal: user('admin') };
const acl = (resourceType: number, name: string, operation: number, permission: number = AclPermission.ALLOW, patternType: number = PatternType.LITERAL): AclBinding => ({
  pattern: { resourceType, name, patternType }, entry: { principal: 'User:alice', host: '*', operation, permission },
});
const grant = (...bindings: AclBinding[]) => hb.broker.context.authorizer!.store.add(bindings);

describe('Produce', () => {
  it('without WRITE: TOPIC_AUTHORIZATION_FAILED, nothing appended', async () => {
    const records = Buffer.from(buildBatch(hb.broker.core, [{ value: 'x' }]));
    const r = await hb.call(produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'secured', partitionData: [{ index: 0, records }] }] }, alice);
    expect(r.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(hb.broker.logs.partition('secured', 0)!.logEndOffset).toBe(1);
  });

  it('transactional records without WRITE on the transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition', async () => {
    await grant(acl(ResourceType.TOPIC, 'other', Op.WRITE));
    const records = Buffer.from(buildBatch(hb.broker.core, [{ value: 'x' }], { transactional: true, producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    const r = await hb.call(produce, 9, { transactionalId: 'tx', acks: 1, timeoutMs: 1000, topicData: [{ name: 'other', partitionData: [{ index: 0, records }] }] }, alice);
    expect(r.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
});

describe('Fetch', () => {
  it('a refused partition is TOPIC_AUTHORIZATION_FAILED and tells nothing of its log', async () => {
    const request = {
      ...defaultFetchRequest(), replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
      topics: [{ topic: 'secured', topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
    };
    const r = await hb.call(fetch, 12, request, alice);
    expect(r.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, highWatermark: -1, logStartOffset: -1 });
    const replica = await hb.call(fetch, 12, { ...request, replicaId: 2 }, alice);
    expect(replica.responses[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });
});

describe('InitProducerId', () => {
  const init = (fields = {}) => hb.call(initProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...fields }, alice);

  it('an idempotent producer needs WRITE on some topic (or IDEMPOTENT_WRITE): CLUSTER_AUTHORIZATION_FAILED for bob', async () => {
    await grant(acl(ResourceType.TOPIC, 'other', Op.WRITE));
    expect((await init()).errorCode).toBe(ErrorCode.NONE);
    const bob = await hb.call(initProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }, { principal: user('bob') });
    expect(bob.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('a transactional id needs WRITE on it', async () => {
    expect((await init({ transactionalId: 'alice-tx' })).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    await grant(acl(ResourceType.TRANSACTIONAL_ID, 'alice-', Op.WRITE, AclPermission.ALLOW, PatternType.PREFIXED));
    expect((await init({ transactionalId: 'alice-tx' })).errorCode).toBe(ErrorCode.NONE);
  });
});

describe('groups', () => {
  it('OffsetFetch refused for the group: per partition in v1, top-level in v2+; all partitions leave out hidden topics', async () => {
    const v1 = await hb.call(offsetFetch, 1, { groupId: 'g1', topics: [{ name: 'secured', partitionIndexes: [0] }], requireStable: false, groups: [] }, alice);
    expect(v1.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, committedOffset: -1 });
    const v5 = await hb.call(offsetFetch, 5, { groupId: 'g1', topics: null, requireStable: false, groups: [] }, alice);
    expect([v5.errorCode, v5.topics]).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, []]);
    // admin commits to both topics; alice, allowed the group and one topic, sees that one.
    await hb.call(offsetCommit, 2, { groupId: 'g1', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      topics: ['secured', 'other'].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] })) }, admin);
    await grant(acl(ResourceType.GROUP, 'g1', Op.DESCRIBE));
    const all = await hb.call(offsetFetch, 5, { groupId: 'g1', topics: null, requireStable: false, groups: [] }, alice);
    expect(all.topics.map((t: { name: string }) => t.name)).toEqual(['other']);
    const named = await hb.call(offsetFetch, 5, { groupId: 'g1', topics: [{ name: 'secured', partitionIndexes: [0] }], requireStable: false, groups: [] }, alice);
    expect(named.topics[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('FindCoordinator and ListGroups', async () => {
    const found = await hb.call(findCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] }, alice);
    expect(found.coordinators.map((c: { errorCode: number }) => c.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
    const listed = await hb.call(listGroups, 4, { statesFilter: [], typesFilter: [] }, alice);
    expect(listed.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['g1']);
  });
});

describe('topic administration', () => {
  it('CreateTopics needs CREATE; without DESCRIBE_CONFIGS the created topic\'s configs are not told', async () => {
    const create = (name: string) => hb.call(createTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, alice);
    expect((await create('made-by-alice')).topics[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
    await grant(acl(ResourceType.TOPIC, 'made-by-alice', Op.CREATE));
    expect((await create('made-by-alice')).topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, configs: [], numPartitions: -1 });
  });

  it('DeleteTopics by id needs DESCRIBE too: refused without telling the name', async () => {
    const topicId = hb.broker.logs.topic('secured')!.topicId;
    await grant(acl(ResourceType.TOPIC, 'secured', Op.DESCRIBE, AclPermission.DENY));
    const r = await hb.call(deleteTopics, 6, { topics: [{ name: null, topicId }], topicNames: [], timeoutMs: 1000 }, alice);
    expect(r.responses[0]).toMatchObject({ name: null, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
  });

  it('DescribeConfigs of the broker needs DESCRIBE_CONFIGS on the cluster', async () => {
    const r = await hb.call(describeConfigs, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }, alice);
    expect(r.results[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
});

describe('ACL APIs', () => {
  const creation = (over = {}) => ({ resourceType: ResourceType.TOPIC, resourceName: 't', resourcePatternType: PatternType.LITERAL, principal: 'User:carol', host: '*', operation: Op.READ, permissionType: AclPermission.ALLOW, ...over });

  it('refuse bad bindings one by one with Kafka\'s messages, store the others', async () => {
    const r = await hb.call(createAcls, 3, { creations: [creation(), creation({ resourceType: ResourceType.CLUSTER, resourceName: 'x' }), creation({ principal: 'carol' }), creation({ resourcePatternType: PatternType.MATCH })] }, admin);
    expect(r.results).toEqual([
      { errorCode: ErrorCode.NONE, errorMessage: null },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The only valid name for the CLUSTER resource is kafka-cluster' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Could not parse principal from `carol` (no colon is present separating the principal type from the principal name)' },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid patternType MATCH' },
    ]);
    const described = await hb.call(describeAcls, 3, { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: 'User:carol', hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY }, admin);
    expect(described.resources).toEqual([{ resourceType: ResourceType.TOPIC, resourceName: 't', patternType: PatternType.LITERAL, acls: [{ principal: 'User:carol', host: '*', operation: Op.READ, permissionType: AclPermission.ALLOW }] }]);
    const deleted = await hb.call(deleteAcls, 3, { filters: [{ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: 't', patternTypeFilter: PatternType.MATCH, principalFilter: 'User:carol', hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY }] }, admin);
    expect(deleted.filterResults[0].matchingAcls.map((m: { principal: string }) => m.principal)).toEqual(['User:carol']);
  });

  it('v0 shows LITERAL patterns only; an UNKNOWN filter element is INVALID_REQUEST', async () => {
    await grant(acl(ResourceType.TOPIC, 'v0-', Op.READ, AclPermission.ALLOW, PatternType.PREFIXED));
    const v0 = await hb.call(describeAcls, 0, { resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: null, patternTypeFilter: PatternType.LITERAL, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY }, admin);
    expect(v0.resources.some((r: { patternType: number }) => r.patternType !== PatternType.LITERAL)).toBe(false);
    const bad = await hb.call(describeAcls, 1, { resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.UNKNOWN, permissionType: AclPermission.ANY }, admin);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('without an authorizer: SECURITY_DISABLED', async () => {
    const r = await open.call(describeAcls, 1, { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY });
    expect([r.errorCode, r.errorMessage]).toEqual([ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker']);
    const c = await open.call(createAcls, 1, { creations: [creation()] });
    expect(c.results[0].errorCode).toBe(ErrorCode.SECURITY_DISABLED);
  });
});

describe('client quota APIs', () => {
  it('AlterClientQuotas needs ALTER_CONFIGS, DescribeClientQuotas DESCRIBE_CONFIGS on the cluster', async () => {
    const entry = { entity: [{ entityType: 'client-id', entityName: 'app' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] };
    const refused = await hb.call(alterClientQuotas, 1, { entries: [entry], validateOnly: false }, alice);
    expect(refused.entries[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await hb.call(describeClientQuotas, 1, { components: [], strict: false }, alice)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await hb.call(alterClientQuotas, 1, { entries: [entry], validateOnly: true }, admin)).entries[0].errorCode).toBe(ErrorCode.NONE);
    expect((await hb.call(describeClientQuotas, 1, { components: [], strict: false }, admin)).entries).toEqual([]);
    await hb.call(alterClientQuotas, 1, { entries: [entry], validateOnly: false }, admin);
    const described = await hb.call(describeClientQuotas, 1, { components: [{ entityType: 'client-id', matchType: 0, match: 'app' }], strict: true }, admin);
    expect(described.entries).toEqual([{ entity: [{ entityType: 'client-id', entityName: 'app' }], values: [{ key: 'producer_byte_rate', value: 1024 }] }]);
  });
});

describe('transactions', () => {
  const txn = { transactionalId: 'bob-tx', producerId: 1, producerEpoch: 0 };
  const bob = { principal: user('bob') };

  it('EndTxn, AddOffsetsToTxn and TxnOffsetCommit need WRITE on the transactional id', async () => {
    expect((await hb.call(endTxn, 3, { ...txn, committed: true }, bob)).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await hb.call(addOffsetsToTxn, 3, { ...txn, groupId: 'g' }, bob)).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const committed = await hb.call(txnOffsetCommit, 3, { ...txn, groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'other', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] }, bob);
    expect(committed.topics[0].partitions[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('AddOffsetsToTxn needs READ on the group too', async () => {
    await hb.broker.context.authorizer!.store.add([{ pattern: { resourceType: ResourceType.TRANSACTIONAL_ID, name: 'bob-tx', patternType: PatternType.LITERAL }, entry: { principal: 'User:bob', host: '*', operation: Op.WRITE, permission: AclPermission.ALLOW } }]);
    expect((await hb.call(addOffsetsToTxn, 3, { ...txn, groupId: 'g' }, bob)).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  it('AddPartitionsToTxn v3: a topic without WRITE is TOPIC_AUTHORIZATION_FAILED, the others not attempted; v4 (brokers) needs CLUSTER_ACTION', async () => {
    await hb.broker.context.authorizer!.store.add([{ pattern: { resourceType: ResourceType.TOPIC, name: 'other', patternType: PatternType.LITERAL }, entry: { principal: 'User:bob', host: '*', operation: Op.WRITE, permission: AclPermission.ALLOW } }]);
    const v3 = await hb.call(addPartitionsToTxn, 3, { v3AndBelowTransactionalId: 'bob-tx', v3AndBelowProducerId: 1, v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 'other', partitions: [0] }, { name: 'secured', partitions: [0] }], transactions: [] }, bob);
    expect(v3.resultsByTopicV3AndBelow.map((t: { resultsByPartition: { partitionErrorCode: number }[] }) => t.resultsByPartition[0].partitionErrorCode))
      .toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
    const v4 = await hb.call(addPartitionsToTxn, 4, { transactions: [{ ...txn, verifyOnly: true, topics: [{ name: 'other', partitions: [0] }] }], v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [] }, bob);
    expect(v4.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('WriteTxnMarkers needs CLUSTER_ACTION; ListTransactions and DescribeTransactions DESCRIBE on the ids', async () => {
    const markers = await hb.call(writeTxnMarkers, 1, { markers: [{ producerId: 1, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'other', partitionIndexes: [0] }] }] }, bob);
    expect(markers.markers[0].topics[0].partitions[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const listed = await hb.call(listTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 }, { principal: user('carol') });
    expect(listed.transactionStates).toEqual([]);
    const described = await hb.call(describeTransactions, 0, { transactionalIds: ['bob-tx'] }, { principal: user('carol') });
    expect(described.transactionStates[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
});

describe('cluster administration', () => {
  it('ElectLeaders and AlterPartitionReassignments need ALTER, ListPartitionReassignments DESCRIBE on the cluster', async () => {
    const elected = await hb.call(electLeaders, 1, { electionType: 0, topicPartitions: [{ topic: 'other', partitions: [0] }], timeoutMs: 1000 }, alice);
    expect([elected.errorCode, elected.replicaElectionResults[0].partitionResult[0].errorCode]).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const altered = await hb.call(alterPartitionReassignments, 0, { timeoutMs: 1000, topics: [{ name: 'other', partitions: [{ partitionIndex: 0, replicas: [1] }] }] }, alice);
    expect([altered.errorCode, altered.responses[0].partitions[0].errorCode]).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const listed = await hb.call(listPartitionReassignments, 0, { timeoutMs: 1000, topics: null }, alice);
    expect(listed.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await hb.call(listPartitionReassignments, 0, { timeoutMs: 1000, topics: null }, admin)).errorCode).toBe(ErrorCode.NONE);
  });
});
