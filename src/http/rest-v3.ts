// Confluent REST Proxy API v3, read paths (and topic creation, which the console uses):
// clusters, brokers, topics, partitions, consumer groups and their lag. Lag comes from
// group/lag.ts's groupLag, the one definition of consumer lag in Strom.
// ACLs (access.ts): a topic needs DESCRIBE (lists leave out the others), creating one CREATE
// on the cluster or the topic, a consumer group DESCRIBE (lists: all with DESCRIBE on the
// cluster, else those the principal may describe), as the Kafka requests behind them ask.
import type { BrokerContext } from '../broker/context.js';
import { groupLag } from '../group/lag.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { HttpError, Router, intParam, json, objectBody, type HttpRequest } from './router.js';
import { topicOrThrow } from './rest-v2.js';
import { RestErrorCode } from './error-codes.js';
import { mayAccess, mayAccessCluster, requireAccess } from './access.js';
import { AclOperation, ResourceType } from '../security/acl.js';

const list = (kind: string, self: string, data: unknown[]) => ({ kind: `${kind}List`, metadata: { self, next: null }, data });

export function routesV3(router: Router, broker: () => BrokerContext): void {
  const base = (req: HttpRequest) => `http://${req.host || 'localhost'}/v3/clusters/${broker().cluster.clusterId}`;
  const cluster = (req: HttpRequest) => {
    if (req.params.cluster !== broker().cluster.clusterId) throw new HttpError(404, RestErrorCode.CLUSTER_NOT_FOUND, `Cluster ${req.params.cluster} not found.`);
    return base(req);
  };
  const clusterJson = (req: HttpRequest) => {
    const { cluster } = broker();
    const self = base(req);
    return {
      kind: 'KafkaCluster', metadata: { self, resource_name: `crn:///kafka=${cluster.clusterId}` }, cluster_id: cluster.clusterId,
      controller: { related: `${self}/brokers/${cluster.controllerId()}` }, acls: { related: `${self}/acls` }, brokers: { related: `${self}/brokers` },
      broker_configs: { related: `${self}/broker-configs` }, consumer_groups: { related: `${self}/consumer-groups` }, topics: { related: `${self}/topics` },
      partition_reassignments: { related: `${self}/topics/-/partitions/-/reassignment` },
    };
  };
  const topicJson = (req: HttpRequest, name: string) => {
    const b = broker();
    requireAccess(b, req, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const t = topicOrThrow(b, name);
    const self = `${base(req)}/topics/${encodeURIComponent(name)}`;
    // Strom's additions, for the console: sizes and offsets without one request per partition
    // (in a cluster, of the replicas this broker holds; null for the others).
    const logs = Array.from({ length: t.partitionCount }, (_, p) => b.logs.partition(name, p));
    return {
      kind: 'KafkaTopic', metadata: { self, resource_name: `crn:///kafka=${b.cluster.clusterId}/topic=${name}` }, cluster_id: b.cluster.clusterId, topic_name: name,
      is_internal: t.internal, replication_factor: t.partition(0)?.replicas.length ?? 0, partitions_count: t.partitionCount,
      partitions: { related: `${self}/partitions` }, configs: { related: `${self}/configs` }, partition_reassignments: { related: `${self}/partitions/-/reassignment` },
      size_bytes: logs.reduce((n, p) => n + (p?.sizeBytes ?? 0), 0),
      log_end_offsets: logs.map((p) => p?.logEndOffset ?? null), log_start_offsets: logs.map((p) => p?.logStartOffset ?? null),
    };
  };
  const partitionJson = (req: HttpRequest, topic: string, p: number) => {
    const b = broker();
    requireAccess(b, req, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
    const view = topicOrThrow(b, topic).partition(p);
    if (!view) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, 'Partition not found.');
    const log = b.logs.partition(topic, p);
    const self = `${base(req)}/topics/${encodeURIComponent(topic)}/partitions/${p}`;
    return {
      kind: 'KafkaPartition', metadata: { self, resource_name: `crn:///kafka=${b.cluster.clusterId}/topic=${topic}/partition=${p}` }, cluster_id: b.cluster.clusterId,
      topic_name: topic, partition_id: p, leader: { related: `${self}/replicas/${view.leader}` }, replicas: { related: `${self}/replicas` },
      reassignment: { related: `${self}/reassignment` },
      log_start_offset: log?.logStartOffset ?? null, log_end_offset: log?.logEndOffset ?? null, size_bytes: log?.sizeBytes ?? null,
    };
  };
  const groupJson = (req: HttpRequest, groupId: string) => {
    const b = broker();
    requireAccess(b, req, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    const group = b.groups.group(groupId);
    if (!group || group.is('Dead')) throw new HttpError(404, RestErrorCode.CONSUMER_NOT_FOUND, `Consumer group ${groupId} not found.`);
    const self = `${base(req)}/consumer-groups/${encodeURIComponent(groupId)}`;
    return {
      kind: 'KafkaConsumerGroup', metadata: { self, resource_name: `crn:///kafka=${b.cluster.clusterId}/consumer-group=${groupId}` }, cluster_id: b.cluster.clusterId,
      consumer_group_id: groupId, is_simple: group.protocolType !== 'consumer', partition_assignor: group.protocolName ?? '', state: String(group.state).toUpperCase(),
      coordinator: { related: `${base(req)}/brokers/${b.nodeId}` }, consumers: { related: `${self}/consumers` }, lag_summary: { related: `${self}/lag-summary` },
    };
  };
  const lagOf = (req: HttpRequest, groupId: string) => {
    const b = broker();
    requireAccess(b, req, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    const lag = groupLag(b.groups, b.logs, b.cluster, groupId);
    if (!lag) throw new HttpError(404, RestErrorCode.CONSUMER_NOT_FOUND, `Consumer group ${groupId} not found.`);
    return lag;
  };

  router.on('GET', '/v3/clusters', (req) => json(list('KafkaCluster', `http://${req.host}/v3/clusters`, [clusterJson(req)])));
  router.on('GET', '/v3/clusters/:cluster', (req) => (cluster(req), json(clusterJson(req))));
  router.on('GET', '/v3/clusters/:cluster/brokers', (req) => {
    const self = cluster(req);
    const view = broker().cluster;
    return json(list('KafkaBroker', `${self}/brokers`, view.brokers().map((b) => ({
      kind: 'KafkaBroker', metadata: { self: `${self}/brokers/${b.nodeId}` }, cluster_id: view.clusterId, broker_id: b.nodeId, host: b.host, port: b.port, rack: b.rack,
    }))));
  });
  router.on('GET', '/v3/clusters/:cluster/topics', (req) => {
    const self = cluster(req);
    const b = broker();
    const names = [...b.cluster.topicNames()].filter((t) => mayAccess(b, req, AclOperation.DESCRIBE, ResourceType.TOPIC, t)).sort();
    return json(list('KafkaTopic', `${self}/topics`, names.map((t) => topicJson(req, t))));
  });
  router.on('POST', '/v3/clusters/:cluster/topics', async (req) => {
    cluster(req);
    const body = objectBody(req);
    const name = body.topic_name;
    if (typeof name !== 'string') throw new HttpError(400, RestErrorCode.INVALID_REQUEST, 'topic_name is required');
    if (!mayAccessCluster(broker(), req, AclOperation.CREATE)) requireAccess(broker(), req, AclOperation.CREATE, ResourceType.TOPIC, name);
    const partitions = body.partitions_count === undefined ? broker().config.int('num.partitions') : Number(body.partitions_count);
    const configs: Record<string, string> = {};
    for (const c of Array.isArray(body.configs) ? body.configs as { name: string; value: string }[] : []) configs[String(c.name)] = String(c.value);
    try {
      await broker().cluster.createTopic({ name, partitions, replicationFactor: body.replication_factor === undefined ? broker().config.int('default.replication.factor') : Number(body.replication_factor), configs });
    } catch (e) {
      if (e instanceof KafkaError) throw new HttpError(e.code === ErrorCode.TOPIC_ALREADY_EXISTS ? 409 : 400, RestErrorCode.INVALID_REQUEST, e.message);
      throw e;
    }
    return json(topicJson(req, name), 201);
  });
  router.on('GET', '/v3/clusters/:cluster/topics/:topic', (req) => (cluster(req), json(topicJson(req, req.params.topic))));
  router.on('GET', '/v3/clusters/:cluster/topics/:topic/partitions', (req) => {
    const self = cluster(req);
    requireAccess(broker(), req, AclOperation.DESCRIBE, ResourceType.TOPIC, req.params.topic);
    const t = topicOrThrow(broker(), req.params.topic);
    return json(list('KafkaPartition', `${self}/topics/${encodeURIComponent(t.name)}/partitions`, Array.from({ length: t.partitionCount }, (_, p) => partitionJson(req, t.name, p))));
  });
  router.on('GET', '/v3/clusters/:cluster/topics/:topic/partitions/:partition', (req) => (cluster(req), json(partitionJson(req, req.params.topic, intParam(req.params.partition, 'partition')))));
  router.on('GET', '/v3/clusters/:cluster/consumer-groups', (req) => {
    const self = cluster(req);
    const b = broker();
    const all = mayAccessCluster(b, req, AclOperation.DESCRIBE);
    const ids = b.groups.listGroups([]).map((g) => g.groupId).filter((g) => all || mayAccess(b, req, AclOperation.DESCRIBE, ResourceType.GROUP, g)).sort();
    return json(list('KafkaConsumerGroup', `${self}/consumer-groups`, ids.map((g) => groupJson(req, g))));
  });
  router.on('GET', '/v3/clusters/:cluster/consumer-groups/:group', (req) => (cluster(req), json(groupJson(req, req.params.group))));
  router.on('GET', '/v3/clusters/:cluster/consumer-groups/:group/lags', (req) => {
    const self = `${cluster(req)}/consumer-groups/${encodeURIComponent(req.params.group)}`;
    const lag = lagOf(req, req.params.group);
    const b = broker();
    return json(list('KafkaConsumerLag', `${self}/lags`, lag.partitions.map((p) => ({
      kind: 'KafkaConsumerLag', metadata: { self: `${self}/lags/${encodeURIComponent(p.topic)}/partitions/${p.partition}` }, cluster_id: b.cluster.clusterId,
      consumer_group_id: lag.groupId, topic_name: p.topic, partition_id: p.partition, current_offset: p.committedOffset, log_end_offset: p.logEndOffset,
      lag: p.lag, consumer_id: p.memberId ?? '', instance_id: null, client_id: p.clientId ?? '',
    }))));
  });
  router.on('GET', '/v3/clusters/:cluster/consumer-groups/:group/lag-summary', (req) => {
    const self = `${cluster(req)}/consumer-groups/${encodeURIComponent(req.params.group)}`;
    const lag = lagOf(req, req.params.group);
    const max = lag.partitions.reduce<typeof lag.partitions[number] | null>((m, p) => (p.lag !== null && (m === null || (m.lag ?? -1) < p.lag) ? p : m), null);
    return json({
      kind: 'KafkaConsumerGroupLagSummary', metadata: { self: `${self}/lag-summary` }, cluster_id: broker().cluster.clusterId, consumer_group_id: lag.groupId,
      max_lag_consumer_id: max?.memberId ?? '', max_lag_client_id: max?.clientId ?? '', max_lag_topic_name: max?.topic ?? '', max_lag_partition_id: max?.partition ?? 0,
      max_lag: max?.lag ?? 0, total_lag: lag.totalLag,
    });
  });
}
