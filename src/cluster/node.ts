// A broker as one of a cluster on etcd (etcd.connect): the cluster view the handlers ask
// (cluster-view.ts), kept from the metadata image; the broker's membership (registration
// under a lease), its campaign for controller and, while it wins, the controller; and the
// replicas it holds: from every change of the image it works out which partitions this
// broker must hold, creates and deletes their logs, and gives each its role (leader or
// follower, at the partition's leader epoch). Its peer watch (peer-watch.ts) revokes the
// registration of a broker found killed, so the cluster need not wait for that lease to expire.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Etcd3, Namespace } from 'etcd3';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ConfigError, TopicConfig, type BrokerConfig } from '../config/config.js';
import type { KafkaListener } from '../config/listeners.js';
import { checkNewTopic, type LogManager } from '../log/log-manager.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Logger } from '../base/logger.js';
import {
  checkLeaderEpoch, type BrokerView, type ClusterView, type ElectionType, type NewTopic, type OngoingReassignment, type PartitionResult,
  type PartitionView, type ReassignmentChange, type TopicPartition, type TopicView,
} from '../broker/cluster-view.js';
import { MetadataImage } from './image.js';
import { BrokerRegistry } from './registry.js';
import { ControllerElection } from './election.js';
import { Controller, alterIsr } from './controller.js';
import { ClusterTopics } from './topics.js';
import { interBroker, type InterBroker } from './inter-broker.js';
import { Leadership } from './leader.js';
import { ReplicaFetcher } from './replica-fetcher.js';
import { ClusterProducerIds } from './producer-ids.js';
import { BrokerChannels } from './broker-channels.js';
import { PeerWatch } from './peer-watch.js';
import type { Api } from '../client/connection.js';
import { KEYS, type PartitionState, type TopicRecord } from './model.js';
import { ongoingReassignments } from './reassignment.js';
import { EtcdAclStore } from './acls.js';
import { EtcdQuotaStore } from './quotas.js';
import { EtcdScramCredentialStore } from './scram-credentials.js';

/** How long a start waits for etcd at least (the session timeout when longer). */
const CONNECT_TIMEOUT_MIN_MS = 5000;

/** What this broker is for one of its replicas. */
interface Role {
  leader: number;
  leaderEpoch: number;
  topicId: string;
}

export class ClusterNode implements ClusterView {
  private image!: MetadataImage;
  private topicWriter!: ClusterTopics;
  private logs!: LogManager;
  private registry: BrokerRegistry | null = null;
  private election: ControllerElection | null = null;
  private controller: Controller | null = null;
  private campaign: Promise<void> | null = null;
  private readonly roles = new Map<PartitionLog, Role>();
  /** The partitions this broker leads. */
  private readonly leaderships = new Map<PartitionLog, Leadership>();
  /** One fetcher per leader this broker follows partitions of, and which one each follower uses. */
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly following = new Map<PartitionLog, number>();
  private lagTimer: NodeJS.Timeout | null = null;
  /** The cluster's broker configs applied here, in order of change. */
  private configsApplied: Promise<void> = Promise.resolve();
  private readonly leaderListeners: ((topic: string, partition: number, leading: boolean) => void)[] = [];
  /** Producer ids from the cluster's counter in etcd. */
  readonly producerIds: ClusterProducerIds;
  /** Connections to the other brokers for requests other than replica fetches. */
  private readonly channels: BrokerChannels;
  /** A pass over the replicas running, and whether another is due after it. */
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private stopped = false;
  /** Notices a killed broker before its lease expires (broker.failure.probe.enable). */
  private peerWatch: PeerWatch | null = null;

  private constructor(
    private readonly client: Etcd3,
    private readonly ns: Namespace,
    readonly clusterId: string,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
    private readonly interBroker: InterBroker,
  ) {
    this.producerIds = new ClusterProducerIds(ns, (e) => logger.warn(`claiming producer ids: ${e.message}`));
    this.channels = new BrokerChannels(config.nodeId, (id) => this.interBrokerEndpoint(id), interBroker.security, config.int('request.timeout.ms'));
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  /**
   * Connects to etcd and reads (or, the first broker of a new cluster, writes) the cluster id.
   * An etcd that cannot be reached within 5 s (or broker.session.timeout.ms) fails the start with the
   * endpoints named.
   */
  static async connect(config: BrokerConfig, logger: Logger): Promise<ClusterNode> {
    // A listener and security brokers cannot reach each other with stops the start first.
    const inter = interBroker(config);
    const hosts = config.list('etcd.connect').map((h) => h.trim()).filter((h) => h !== '');
    // Loaded only in cluster mode: etcd3 and its gRPC protocol files take 0.15-0.7 s to load,
    // which a lone broker's every start paid.
    const { Etcd3 } = createRequire(import.meta.url)('etcd3') as typeof import('etcd3');
    const connectTimeoutMs = Math.max(config.int('broker.session.timeout.ms'), CONNECT_TIMEOUT_MIN_MS);
    const client = new Etcd3({ hosts, dialTimeout: connectTimeoutMs });
    const ns = client.namespace(config.string('etcd.prefix'));
    try {
      const clusterId = await withTimeout(connectTimeoutMs, 'no answer', async () => {
        const proposed = randomBytes(16).toString('base64url');
        await ns.if(KEYS.clusterId, 'Version', '==', 0).then(ns.put(KEYS.clusterId).value(proposed)).commit();
        return (await ns.get(KEYS.clusterId).string())!;
      });
      logger.info(`cluster ${clusterId} in etcd at ${hosts.join(',')} (prefix ${config.string('etcd.prefix')})`);
      return new ClusterNode(client, ns, clusterId, config, logger, inter);
    } catch (e) {
      client.close();
      const reason = (e as Error).message.replace(/\. Resolution note:.*$/s, '');
      throw new ConfigError(`cannot join the cluster: etcd at ${hosts.join(',')} (etcd.connect) cannot be reached: ${reason}`);
    }
  }

  /** Reads the cluster's metadata and brings this broker's replicas in line with it. */
  async start(logs: LogManager): Promise<void> {
    this.logs = logs;
    this.image = await MetadataImage.load(this.ns);
    this.topicWriter = new ClusterTopics(this.ns, this.image);
    await this.producerIds.start();
    this.image.onChange((change) => {
      if (change.kind === 'topic' || change.kind === 'partition') void this.sync();
      if (change.kind === 'brokerConfig' && (change.id === 'default' || change.id === this.nodeId)) void this.applyBrokerConfigs();
    });
    await this.sync();
    await this.applyBrokerConfigs();
    if (this.config.bool('broker.failure.probe.enable')) {
      this.peerWatch = new PeerWatch(this.ns, this.image, this.nodeId, (id) => this.interBrokerEndpoint(id), this.logger);
      this.peerWatch.start();
    }
    // Kafka checks for lagging followers every half replica.lag.time.max.ms.
    const lagMs = this.config.int('replica.lag.time.max.ms');
    this.lagTimer = setInterval(() => {
      for (const leadership of this.leaderships.values()) leadership.checkLag(lagMs);
    }, Math.max(100, Math.floor(lagMs / 2)));
    this.lagTimer.unref();
  }

  /** The cluster's ACLs, in etcd (after start()). */
  aclStore(): EtcdAclStore {
    return new EtcdAclStore(this.ns, this.image);
  }

  /** The cluster's client quotas, in etcd (after start()). */
  quotaStore(): EtcdQuotaStore {
    return new EtcdQuotaStore(this.ns, this.image);
  }

  /** The cluster's SCRAM credentials, in etcd (after start()). */
  scramCredentialStore(): EtcdScramCredentialStore {
    return new EtcdScramCredentialStore(this.ns, this.image);
  }

  /** Joins the cluster as a live broker at its advertised listeners, and campaigns for controller. */
  async register(advertised: KafkaListener[]): Promise<void> {
    const registration = {
      id: this.nodeId, rack: this.config.string('broker.rack'), incarnation: randomUUID(),
      endpoints: advertised.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
    };
    const timeout = this.config.int('broker.session.timeout.ms');
    const onLost = (reason: string) => {
      if (this.stopped) return;
      this.logger.error(`broker ${this.nodeId} dropped out of the cluster: ${reason}; registering again`);
      void this.rejoin(registration, timeout);
    };
    const registry = await BrokerRegistry.register(this.ns, registration, timeout, onLost);
    if (this.stopped) {
      // Stopped while registering (a SIGTERM right after start): leave at once.
      await registry.deregister();
      return;
    }
    this.registry = registry;
    this.startCampaign();
  }

  private async rejoin(registration: Parameters<typeof BrokerRegistry.register>[1], timeout: number): Promise<void> {
    await this.election?.stop();
    this.controller?.stop();
    this.election = null;
    this.controller = null;
    await this.campaign;
    while (!this.stopped) {
      try {
        this.registry = await BrokerRegistry.register(this.ns, registration, timeout, (reason) => {
          if (!this.stopped) {
            this.logger.error(`broker ${this.nodeId} dropped out of the cluster: ${reason}; registering again`);
            void this.rejoin(registration, timeout);
          }
        });
        if (this.stopped) {
          await this.registry.deregister();
          return;
        }
        this.startCampaign();
        this.logger.info(`broker ${this.nodeId} is back in the cluster`);
        return;
      } catch (e) {
        this.logger.warn(`registering broker ${this.nodeId} again failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private startCampaign(): void {
    let controller: Controller | null = null;
    const election = new ControllerElection(this.ns, this.registry!.lease, this.nodeId,
      (record) => {
        this.logger.info(`broker ${this.nodeId} is the controller (epoch ${record.epoch})`);
        controller!.start();
        void controller!.schedule();
      },
      () => {
        this.logger.info(`broker ${this.nodeId} is no longer the controller`);
        controller!.stop();
      },
      (e) => this.logger.warn(`controller campaign: ${e.message}`));
    controller = new Controller(this.ns, this.image, election, {
      uncleanLeaderElection: (topic) => {
        const override = this.image.topics.get(topic)?.configs['unclean.leader.election.enable'];
        return override !== undefined ? override === 'true' : this.config.bool('unclean.leader.election.enable');
      },
    }, this.logger);
    this.election = election;
    this.controller = controller;
    this.campaign = election.run().catch((e) => this.logger.warn(`controller campaign stopped: ${(e as Error).message}`));
  }

  /** Leaves the cluster (its partitions get other leaders at once) and closes the etcd client. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.peerWatch?.stop();
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.channels.close();
    await Promise.all([...this.fetchers.values()].map((f) => f.stop()));
    for (const leadership of this.leaderships.values()) leadership.close();
    this.controller?.stop();
    await this.election?.stop();
    await this.registry?.deregister();
    await this.campaign;
    await this.syncing;
    await this.image?.close();
    this.client.close();
  }

  // ---- the replicas this broker holds -----------------------------------------------------

  /** Runs a pass over the replicas now, or once more after the one running. */
  private sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        try {
          await this.syncOnce();
        } catch (e) {
          this.logger.error(`applying the cluster's metadata failed (tried again at the next change): ${(e as Error).message}`);
        }
      } while (this.syncAgain && !this.stopped);
      this.syncing = null;
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const me = this.nodeId;
    // Topics and replicas no longer this broker's go: deleted, re-created under a new id, moved.
    for (const topic of [...this.logs.topics.values()]) {
      const record = this.image.topics.get(topic.name);
      if (!record || record.id !== topic.topicId) {
        for (const log of topic.partitions.values()) this.forget(log);
        await this.logs.dropTopic(topic.name);
        this.logger.info(`deleted the replicas of topic ${topic.name} (${topic.topicId}): ${record ? `the topic is now ${record.id}` : 'the topic was deleted'}`);
        continue;
      }
      for (const log of [...topic.partitions.values()]) {
        if (!this.replicasOf(record, log.partition).includes(me)) {
          this.forget(log);
          await this.logs.dropReplica(topic.name, log.partition);
          this.logger.info(`deleted the replica of ${log.key}: moved to other brokers`);
        }
      }
      if (!sameConfigs(topic.overrides, record.configs)) await this.logs.setTopicConfigs(topic.name, record.configs);
    }
    for (const [name, record] of this.image.topics) {
      for (let p = 0; p < record.replicas.length; p++) {
        if (!this.replicasOf(record, p).includes(me)) continue;
        const log = await this.logs.hostReplica(name, record.id, p, record.configs);
        const state = this.image.partition(record.id, p);
        if (state) this.applyRole(log, record.id, state);
      }
    }
  }

  /**
   * Gives a replica the role its state says: leader at its epoch (its followers tracked, its
   * epoch recorded where its log ends now), or follower of the leader (fetching from it),
   * or neither while the partition has no leader.
   */
  private applyRole(log: PartitionLog, topicId: string, state: PartitionState): void {
    const me = this.nodeId;
    this.roles.set(log, { leader: state.leader, leaderEpoch: state.leaderEpoch, topicId });
    const leadership = this.leaderships.get(log);
    if (state.leader === me) {
      this.unfollow(log);
      if (leadership && leadership.state.leaderEpoch === state.leaderEpoch) {
        leadership.update(state);
        return;
      }
      leadership?.close();
      log.leaderEpoch = state.leaderEpoch;
      log.epochs?.assign(state.leaderEpoch, log.logEndOffset);
      this.leaderships.set(log, new Leadership(log, me, state, async (isr, at) => {
        await alterIsr(this.ns, this.image, topicId, log.partition, me, at.leaderEpoch, at.partitionEpoch, isr);
        this.logger.info(`${log.key}: ISR ${JSON.stringify(at.isr)} -> ${JSON.stringify(isr)}`);
      }));
      this.logger.info(`${log.key}: leader at epoch ${state.leaderEpoch} from offset ${log.logEndOffset}, ISR ${JSON.stringify(state.isr)}`);
      if (!leadership) this.leaderChanged(log, true);
      return;
    }
    if (leadership) {
      leadership.close();
      this.leaderships.delete(log);
      this.leaderChanged(log, false);
    }
    log.leaderEpoch = state.leaderEpoch;
    if (state.leader < 0 || !state.replicas.includes(me)) {
      this.unfollow(log);
      return;
    }
    const current = this.following.get(log);
    if (current !== undefined && current !== state.leader) this.unfollow(log);
    let fetcher = this.fetchers.get(state.leader);
    if (!fetcher) this.fetchers.set(state.leader, (fetcher = this.newFetcher(state.leader)));
    fetcher.add(log, state.leaderEpoch);
    this.following.set(log, state.leader);
  }

  private unfollow(log: PartitionLog): void {
    const leader = this.following.get(log);
    if (leader === undefined) return;
    this.following.delete(log);
    const fetcher = this.fetchers.get(leader);
    fetcher?.remove(log);
    if (fetcher && fetcher.size === 0) {
      this.fetchers.delete(leader);
      void fetcher.stop();
    }
  }

  /** A replica this broker no longer holds. */
  private forget(log: PartitionLog): void {
    this.unfollow(log);
    const leadership = this.leaderships.get(log);
    if (leadership) {
      leadership.close();
      this.leaderships.delete(log);
      this.leaderChanged(log, false);
    }
    this.roles.delete(log);
  }

  private leaderChanged(log: PartitionLog, leading: boolean): void {
    for (const listener of this.leaderListeners) {
      try {
        listener(log.topic, log.partition, leading);
      } catch (e) {
        this.logger.error(`${log.key}: a leadership listener failed: ${(e as Error).message}`);
      }
    }
  }

  leads(topic: string, partition: number): boolean {
    const log = this.logs.partition(topic, partition);
    return log !== undefined && this.leaderships.has(log);
  }

  onLeaderChange(listener: (topic: string, partition: number, leading: boolean) => void): void {
    this.leaderListeners.push(listener);
  }

  private newFetcher(leaderId: number): ReplicaFetcher {
    const c = this.config;
    return new ReplicaFetcher(leaderId, {
      me: this.nodeId, waitMaxMs: c.int('replica.fetch.wait.max.ms'), minBytes: c.int('replica.fetch.min.bytes'),
      maxBytes: c.int('replica.fetch.max.bytes'), responseMaxBytes: c.int('replica.fetch.response.max.bytes'),
      backoffMs: c.int('replica.fetch.backoff.ms'), socketTimeoutMs: c.int('replica.socket.timeout.ms'),
      // The leader's inter-broker listener, with this broker's TLS and SASL for it.
      endpoint: (id) => this.interBrokerEndpoint(id),
      security: this.interBroker.security,
      truncate: (log, offset) => this.logs.truncateTo(log, offset),
      logger: this.logger,
    });
  }

  /** A live broker's endpoint on the inter-broker listener (null: not alive, or no such listener). */
  private interBrokerEndpoint(id: number): { host: string; port: number } | null {
    const endpoint = this.image.brokers.get(id)?.endpoints.find((e) => e.name === this.interBroker.listener);
    return endpoint ? { host: endpoint.host, port: endpoint.port } : null;
  }

  sendToBroker<Req, Res>(brokerId: number, api: Api<Req, Res>, version: number, request: Req): Promise<Res> {
    return this.channels.send(brokerId, api, version, request);
  }

  /** The partition's replicas: its state's (reassignments change them), else the topic's assignment. */
  private replicasOf(record: TopicRecord, partition: number): number[] {
    return this.image.partition(record.id, partition)?.replicas ?? record.replicas[partition] ?? [];
  }

  // ---- the cluster view ---------------------------------------------------------------------

  controllerId(): number {
    return this.image.controller?.id ?? -1;
  }

  brokers(listener?: string): BrokerView[] {
    const views: BrokerView[] = [];
    for (const b of [...this.image.brokers.values()].sort((x, y) => x.id - y.id)) {
      const endpoint = listener === undefined ? b.endpoints[0] : b.endpoints.find((e) => e.name === listener);
      if (endpoint) views.push({ nodeId: b.id, host: endpoint.host, port: endpoint.port, rack: b.rack });
    }
    return views;
  }

  topicNames(): Iterable<string> {
    return this.image.topics.keys();
  }

  topic(name: string): TopicView | undefined {
    const record = this.image.topics.get(name);
    return record && this.view(name, record);
  }

  topicById(topicId: string): TopicView | undefined {
    const name = this.image.topicNames.get(topicId);
    return name === undefined ? undefined : this.topic(name);
  }

  private view(name: string, record: TopicRecord): TopicView {
    return {
      name, topicId: record.id, internal: name.startsWith('__'), partitionCount: record.replicas.length, configs: record.configs,
      partition: (index): PartitionView | undefined => {
        const state = this.image.partition(record.id, index);
        if (!state) return undefined;
        return {
          partition: index, leader: state.leader, leaderEpoch: state.leaderEpoch, replicas: state.replicas, isr: state.isr,
          offline: state.replicas.filter((id) => !this.image.brokers.has(id)),
        };
      },
    };
  }

  async createTopic(spec: NewTopic): Promise<string> {
    const partitions = spec.assignment?.length ?? spec.partitions;
    checkNewTopic(spec.name, partitions, spec.configs, this.image.topics.keys());
    let replicationFactor = spec.replicationFactor;
    const live = this.image.brokers.size;
    if (spec.internal && !spec.assignment && replicationFactor > live && live > 0) {
      this.logger.warn(`creating ${spec.name} with replication factor ${live}, not ${replicationFactor}: only ${live} broker(s) are alive`);
      replicationFactor = live;
    }
    const { record, revision } = await this.topicWriter.create(spec.name, partitions, replicationFactor, spec.configs, spec.assignment, spec.validateOnly);
    if (spec.validateOnly) return '';
    await this.image.caughtUp(revision);
    return record.id;
  }

  async createPartitions(name: string, total: number, assignment: number[][] | null, validateOnly: boolean): Promise<void> {
    await this.image.caughtUp(await this.topicWriter.createPartitions(name, total, assignment, validateOnly));
  }

  async deleteTopic(name: string): Promise<void> {
    if (!this.image.topics.has(name)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (!this.config.bool('delete.topic.enable')) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    await this.image.caughtUp(await this.topicWriter.delete(name));
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    try {
      TopicConfig.validate(configs);
    } catch (e) {
      throw new KafkaError(ErrorCode.INVALID_CONFIG, (e as Error).message);
    }
    await this.image.caughtUp(await this.topicWriter.setConfigs(name, configs));
  }

  async setBrokerConfigs(scope: number | 'default', configs: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(configs)) this.config.validateDynamic(key, value);
    const result = await this.ns.put(KEYS.brokerConfig(scope)).value(JSON.stringify(configs)).exec();
    await this.image.caughtUp(result.header.revision);
    await this.configsApplied;
  }

  /** The cluster's dynamic broker configs for this broker: the cluster-wide defaults, then its own. */
  private applyBrokerConfigs(): Promise<void> {
    const merged = { ...this.image.brokerConfigs.get('default'), ...this.image.brokerConfigs.get(this.nodeId) };
    this.configsApplied = this.configsApplied.then(() => this.logs.setBrokerConfigs(merged)).catch((e) => {
      this.logger.warn(`applying the cluster's broker configs failed: ${(e as Error).message}`);
    });
    return this.configsApplied;
  }

  leaderLog(topic: string, partition: number, currentLeaderEpoch = -1): PartitionLog {
    const log = this.logs.partition(topic, partition);
    const role = log && this.roles.get(log);
    if (!log || !role || role.leader !== this.nodeId) {
      const exists = this.topic(topic)?.partition(partition) !== undefined;
      if (!exists) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic-partition: ${topic}-${partition}`);
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${topic}-${partition}`);
    }
    checkLeaderEpoch(currentLeaderEpoch, role.leaderEpoch, log.key);
    return log;
  }

  private leadershipOf(log: PartitionLog): Leadership {
    const leadership = this.leaderships.get(log);
    if (!leadership) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${log.key}`);
    return leadership;
  }

  checkInSync(log: PartitionLog): void {
    const isr = this.leadershipOf(log).isr;
    const min = log.config.number('min.insync.replicas');
    if (isr.length < min) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${JSON.stringify(isr)} is insufficient to satisfy the min.isr requirement of ${min} for partition ${log.key}`);
    }
  }

  async awaitReplicated(log: PartitionLog, endOffset: number, timeoutMs: number): Promise<void> {
    const leadership = this.leadershipOf(log);
    await leadership.awaitCommitted(endOffset, timeoutMs);
    const min = log.config.number('min.insync.replicas');
    if (leadership.isr.length < min) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, `The size of the current ISR ${JSON.stringify(leadership.isr)} is insufficient to satisfy the min.isr requirement of ${min} for partition ${log.key}`);
    }
  }

  replicaFetched(log: PartitionLog, replicaId: number, fetchOffset: number): void {
    this.leadershipOf(log).followerFetched(replicaId, fetchOffset);
  }

  electLeaders(type: ElectionType, partitions: TopicPartition[] | null): Promise<PartitionResult[]> {
    return this.activeController().electLeaders(type, partitions);
  }

  alterPartitionReassignments(changes: ReassignmentChange[]): Promise<PartitionResult[]> {
    return this.activeController().alterPartitionReassignments(changes);
  }

  listPartitionReassignments(partitions: TopicPartition[] | null): OngoingReassignment[] {
    return ongoingReassignments(this.image, partitions);
  }

  /** The controller, if this broker is it: admin requests that change partition states are its alone (clients retry NOT_CONTROLLER at the controller). */
  private activeController(): Controller {
    if (!this.controller?.active) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `broker ${this.nodeId} is not the controller (the controller is ${this.controllerId()})`);
    return this.controller;
  }
}

function sameConfigs(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

async function withTimeout<T>(ms: number, message: string, task: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([task(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
