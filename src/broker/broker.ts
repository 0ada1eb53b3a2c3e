// A Strom broker: one shared core memory, the append workers, the logs, and the Kafka
// listeners, started and stopped in order.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { Core, LARGEST_MAXIMUM_BYTES, MemoryBudget, RegionPool } from '../core/index.js';
import { AppendPool } from '../storage/append-pool.js';
import { LogManager, type StartStats } from '../log/log-manager.js';
import { KafkaServer } from '../server/server.js';
import { HANDLER_BY_KEY } from '../api/index.js';
import { initCompression } from '../compression/codecs.js';
import { ConfigError, type BrokerConfig } from '../config/config.js';
import type { KafkaListener } from '../config/listeners.js';
import type { BrokerContext } from '../broker/context.js';
import type { Logger } from '../base/logger.js';
import { ProducerIds } from './producer-ids.js';
import { LocalCluster, type ClusterView } from './cluster-view.js';
import { ClusterNode } from '../cluster/node.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { TransactionCoordinator } from '../txn/coordinator.js';
import { TxnStateTopic } from '../txn/state-topic.js';
import { MarkerWriter } from '../txn/markers.js';
import { TxnTimers } from '../txn/timeouts.js';
import { HttpGateway } from '../http/gateway.js';
import { FileScramCredentialStore } from '../security/credentials.js';
import { listenerSecurity, type ListenerSecurity } from '../security/listener-security.js';
import { listenerTls } from '../security/tls-options.js';
import { PasswordVerifier } from '../security/passwords.js';
import type { AuthenticationEvent } from '../security/sasl.js';
import { parsePlainUsers } from '../security/jaas.js';
import { ClientTelemetry, telemetrySettings } from '../telemetry/client-telemetry.js';
import { AclAuthorizer, authorizerEnabled, parseSuperUsers } from '../security/authorizer.js';
import { FileAclStore } from '../security/acl-store.js';
import { ClientQuotas } from '../quota/client-quotas.js';
import { FileQuotaStore } from '../quota/quota-store.js';
import { ConnectionQuotas, parsePerIpOverrides } from '../server/connection-quotas.js';

export const STROM_VERSION = '0.1.0';

/**
 * Core memory the broker starts with; it grows on demand up to the largest a memory may be
 * (reserved as address space, not RSS; what requests and indexes hold of it is bounded by
 * strom.request.memory.max.bytes and strom.index.cache.max.bytes).
 */
const CORE_INITIAL_BYTES = 16 << 20;

export class Broker {
  private constructor(
    readonly config: BrokerConfig,
    readonly logger: Logger,
    readonly core: Core,
    readonly pool: AppendPool,
    readonly logs: LogManager,
    readonly groups: GroupCoordinator,
    readonly txn: TransactionCoordinator,
    private readonly txnTimers: TxnTimers,
    readonly server: KafkaServer,
    readonly context: BrokerContext,
    readonly stats: StartStats,
    /** The HTTP/WebSocket gateway, null when http.listeners is empty. */
    readonly gateway: HttpGateway | null,
    /** This broker as one of a cluster on etcd, null when it runs alone. */
    readonly node: ClusterNode | null,
  ) {}

  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    for (const warning of config.warnings) logger.warn(warning);
    // Every listener's TLS and SASL settings first: a bad one stops the start before anything opens.
    const security: ListenerSecurity[] = config.listeners.map((l) => listenerSecurity(config, l));
    const perIpOverrides = await resolvePerIpOverrides(config.string('max.connections.per.ip.overrides'));
    const authorizing = authorizerEnabled(config.string('authorizer.class.name'));
    const superUsers = parseSuperUsers(config.string('super.users'));
    const httpListeners = config.httpListeners;
    const httpsTls = httpListeners.some((l) => l.name === 'HTTPS') ? listenerTls(config, 'HTTPS') : null;
    const compression = initCompression(); // in the background; users of zstd await it
    compression.catch((e) => logger.error(`compression codecs failed to load: ${(e as Error).message}`));
    const core = Core.create({ initialBytes: CORE_INITIAL_BYTES, maximumBytes: LARGEST_MAXIMUM_BYTES });
    const regions = new RegionPool(core.mem);
    const pool = new AppendPool(core, config.int('strom.append.workers') ?? availableParallelism());
    const logs = new LogManager(config, core, regions, pool, logger);
    let advertised: KafkaListener[] = [];
    let node: ClusterNode | null = null;
    try {
      if (config.clustered) node = await ClusterNode.connect(config, logger);
    } catch (e) {
      await pool.stop();
      throw e;
    }
    const cluster: ClusterView = node ?? new LocalCluster(logs, config.nodeId, () => advertised);
    const groups = new GroupCoordinator(config, logs, cluster, core, logger);
    // A marker reaching __consumer_offsets settles the offsets committed in its transaction.
    const markers = new MarkerWriter(cluster, config, (topic, partition, producerId, commit) => {
      if (topic === OFFSETS_TOPIC) groups.completeTransaction(producerId, partition, commit);
    });
    let producerIds: ProducerIds | null = null;
    // Alone: blocks saved in the log directory; in a cluster: blocks from one counter in etcd.
    const nextProducerId = () => (node ? node.producerIds.allocate() : producerIds!.allocate());
    const txn = new TransactionCoordinator(config, cluster, new TxnStateTopic(logs, cluster, core, config), markers, nextProducerId, logger);
    const txnTimers = new TxnTimers(txn, config, logger);
    let stats: StartStats;
    try {
      stats = await logs.start(node?.clusterId);
      await node?.start(logs);
      producerIds = new ProducerIds(logs.dir);
      await groups.start();
      // After the groups: transactions a stop left in a Prepare state write their markers, and
      // those on __consumer_offsets settle offsets the group coordinator holds.
      await txn.start();
      txnTimers.start();
    } catch (e) {
      txnTimers.stop();
      txn.stop();
      groups.stop();
      await node?.stop();
      await logs.shutdown();
      await pool.stop();
      throw e;
    }
    // Alone: the log directory's file; in a cluster: etcd, as Kafka keeps them in its metadata.
    const credentials = node?.scramCredentialStore() ?? FileScramCredentialStore.open(logs.dir);
    const authorizer = authorizing
      ? new AclAuthorizer(node?.aclStore() ?? FileAclStore.open(logs.dir), superUsers, config.bool('allow.everyone.if.no.acl.found'), logger)
      : null;
    const quotas = new ClientQuotas(node?.quotaStore() ?? FileQuotaStore.open(logs.dir), {
      samples: config.int('quota.window.num'), windowMs: config.int('quota.window.size.seconds') * 1000,
    });
    const stranded = node ? FileScramCredentialStore.usersIn(logs.dir) : [];
    if (stranded.length > 0) {
      // Left from when this broker ran alone: the cluster's credentials are in etcd only.
      logger.warn(`${stranded.length} SCRAM user(s) in ${logs.dir}'s strom-scram-credentials.json (${stranded.slice(0, 5).join(', ')}${stranded.length > 5 ? ', ...' : ''}) are not used: in a cluster SCRAM credentials live in etcd; create them once through any broker (strom configs --entity-type users --alter --add-config 'SCRAM-SHA-256=[password=...]')`);
    }
    const context: { -readonly [K in keyof BrokerContext]: BrokerContext[K] } = {
      config, logs, groups, core, regions, credentials, authorizer, quotas, memory: new MemoryBudget(config.int('strom.request.memory.max.bytes')),
      fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots'), config.int('strom.fetch.session.eviction.ms')),
      logger, nodeId: config.nodeId, cluster, advertised: [],
      nextProducerId, telemetry: new ClientTelemetry(() => telemetrySettings(config)),
      txn,
      verifyTransaction: (topic, partition, producerId, producerEpoch, _baseSequence, transactionalId, apiVersion) =>
        txn.verifier.verify(transactionalId, producerId, producerEpoch, topic, partition, apiVersion >= 11),
    };
    let server: KafkaServer | null = null;
    let ready = false;
    const failureDelayMs = config.int('connection.failed.authentication.delay.ms');
    const gateway = httpListeners.length === 0 ? null : new HttpGateway(() => context, {
      tls: httpsTls,
      authentication: config.string('http.authentication.method') !== 'BASIC' ? null : {
        realm: config.string('http.authentication.realm'),
        skipPaths: new Set(config.list('http.authentication.skip.paths')),
        verifier: new PasswordVerifier(plainPasswords(security, config), credentials, config.int('http.authentication.cache.max.entries')),
        failureDelayMs,
      },
      allowedOrigins: config.httpAllowedOrigins,
      maxBodyBytes: config.int('http.max.body.bytes'),
      maxConnections: config.int('http.max.connections'),
      maxBufferedBytes: config.int('http.ws.max.buffered.bytes'),
      consumerTimeoutMs: config.int('http.consumer.instance.timeout.ms'),
      consumerMaxBytes: config.int('http.consumer.request.max.bytes'),
      consumerSessionTimeoutMs: config.int('http.consumer.session.timeout.ms'),
      consumerHeartbeatIntervalMs: config.int('http.consumer.heartbeat.interval.ms'),
      kafkaConnections: () => server?.connections.size ?? 0,
      pausedConnections: () => server?.pausedConnections() ?? {},
      appendQueueDepth: () => pool.backlog,
      ready: () => ready,
    });
    if (gateway) context.traffic = gateway.metrics;
    const maxRequestBytes = config.int('socket.request.max.bytes');
    const queuedBytes = config.int('queued.max.request.bytes');
    const kafka = new KafkaServer(HANDLER_BY_KEY, () => context, {
      maxRequestBytes,
      maxInflightRequests: config.int('queued.max.requests'),
      maxInflightBytes: queuedBytes > 0 ? queuedBytes : 2 * maxRequestBytes,
      maxUnsentBytes: config.int('strom.connection.max.unsent.bytes'),
      idleMs: config.int('connections.max.idle.ms'),
      saslMaxReceiveBytes: config.int('sasl.server.max.receive.size'),
      onRequest: gateway ? (api, seconds) => gateway.metrics.kafkaRequest(api, seconds) : undefined,
      onFailure: gateway ? () => gateway.metrics.connectionFailures.inc() : undefined,
    }, new ConnectionQuotas({
      maxConnections: config.int('max.connections'),
      listenerMaxConnections: perListener(config, 'max.connections'),
      maxConnectionsPerIp: config.int('max.connections.per.ip'),
      perIpOverrides,
      maxCreationRate: config.int('max.connection.creation.rate'),
      listenerCreationRate: perListener(config, 'max.connection.creation.rate'),
      window: quotas.window,
      ipCreationRate: (ip) => quotas.connectionRate(ip),
    }, logger), {
      credentials, failureDelayMs, fakeSaltKey: randomBytes(32),
      succeeded: (e) => {
        logger.debug(`${e.reauthentication ? 're-authenticated' : 'authenticated'} ${e.address} on listener ${e.listener} as ${e.principal} (${e.mechanism})`);
        gateway?.metrics.kafkaAuthentications.inc(authLabels(e, 'success'));
      },
      failed: (e) => {
        logger.info(`failed ${e.reauthentication ? 're-authentication' : 'authentication'} of ${e.address} on listener ${e.listener} (${e.mechanism || 'no mechanism'}): ${e.reason}`);
        gateway?.metrics.kafkaAuthentications.inc(authLabels(e, 'failure'));
      },
    }, config.int('socket.listen.backlog.size'));
    server = kafka;
    let bound: KafkaListener[];
    try {
      bound = await kafka.listen(security);
      if (gateway) {
        await gateway.listen(httpListeners);
        logger.info(`HTTP gateway backend: ${gateway.backendDetail}`);
        if (gateway.backend !== 'native') logger.warn('HTTP gateway runs on the uWebSockets.js JavaScript fallback (its native binary did not load): slower, and without the WebSocket live tail');
      }
      context.advertised = advertised = advertise(config, bound);
      await node?.register(advertised);
    } catch (e) {
      gateway?.close();
      await kafka.close();
      txnTimers.stop();
      txn.stop();
      groups.stop();
      await node?.stop();
      await logs.shutdown();
      await pool.stop();
      throw e;
    }
    ready = true;
    return new Broker(config, logger, core, pool, logs, groups, txn, txnTimers, kafka, context, stats, gateway, node);
  }

  get listeners(): KafkaListener[] {
    return this.server.bound;
  }

  /** Stops accepting, finishes requests in flight, flushes and closes the logs. */
  async stop(): Promise<void> {
    this.gateway?.close();
    // Out of the cluster first: its partitions get other leaders while this broker closes.
    await this.node?.stop();
    await this.server.close();
    this.txnTimers.stop();
    this.txn.stop();
    this.groups.stop();
    await this.logs.shutdown();
    await this.pool.stop();
  }
}

/**
 * Each listener's address as clients are told it: its advertised.listeners entry, else the
 * bound address (an empty host becomes this machine's name).
 */
function advertise(config: BrokerConfig, bound: KafkaListener[]): KafkaListener[] {
  const advertised = config.isExplicit('advertised.listeners') ? config.advertisedListeners : [];
  return bound.map((l) => {
    const named = advertised.find((a) => a.name === l.name);
    if (named) return { ...l, host: named.host, port: named.port };
    return { ...l, host: l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? hostname() : l.host };
  });
}

/** A per-listener limit set with listener.name.<l>.<key>, by listener name. */
function perListener(config: BrokerConfig, key: 'max.connections' | 'max.connection.creation.rate'): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of config.listeners) if (config.isListenerSpecific(l.name, key)) out.set(l.name, config.listenerValue(l.name, key) as number);
  return out;
}

/** max.connections.per.ip.overrides by IP address, host names resolved to every address they have. */
async function resolvePerIpOverrides(text: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const { host, count } of parsePerIpOverrides(text)) {
    if (isIP(host)) {
      out.set(host, count);
      continue;
    }
    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true });
    } catch (e) {
      throw new ConfigError(`max.connections.per.ip.overrides: ${host} cannot be resolved: ${(e as Error).message}`);
    }
    for (const { address } of addresses) out.set(address, count);
  }
  return out;
}

function authLabels(e: AuthenticationEvent, result: 'success' | 'failure') {
  return { listener: e.listener, mechanism: e.mechanism || 'none', kind: e.reauthentication ? 'reauthentication' : 'authentication', result };
}

/**
 * The PLAIN users the HTTP gateway's Basic authentication accepts: strom.sasl.plain.users and
 * every SASL listener's (a user may have a password per listener: each is accepted).
 */
function plainPasswords(security: ListenerSecurity[], config: BrokerConfig): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>();
  const add = (map: ReadonlyMap<string, string>) => {
    for (const [name, password] of map) {
      if (!users.has(name)) users.set(name, new Set());
      users.get(name)!.add(password);
    }
  };
  add(parsePlainUsers(config.raw('strom.sasl.plain.users')));
  for (const ls of security) if (ls.sasl) add(ls.sasl.plainUsers);
  return users;
}
