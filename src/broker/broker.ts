// A Strom broker: one shared core memory, the append workers, the logs, and the Kafka
// listeners, started and stopped in order.
import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { Core, LARGEST_MAXIMUM_BYTES, MemoryBudget, RegionPool } from '../core/index.js';
import { AppendPool } from '../storage/append-pool.js';
import { LogManager, type StartStats } from '../log/log-manager.js';
import { KafkaServer } from '../server/server.js';
import { HANDLER_BY_KEY } from '../api/index.js';
import { initCompression } from '../compression/codecs.js';
import type { BrokerConfig, Listener } from '../config/config.js';
import type { BrokerContext } from '../broker/context.js';
import type { Logger } from '../base/logger.js';
import { ProducerIds } from './producer-ids.js';
import { LocalCluster, type ClusterView } from './cluster-view.js';
import { ClusterNode } from '../cluster/node.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { HttpGateway } from '../http/gateway.js';
import { ClientTelemetry, telemetrySettings } from '../telemetry/client-telemetry.js';

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
    const compression = initCompression(); // in the background; users of zstd await it
    compression.catch((e) => logger.error(`compression codecs failed to load: ${(e as Error).message}`));
    const core = Core.create({ initialBytes: CORE_INITIAL_BYTES, maximumBytes: LARGEST_MAXIMUM_BYTES });
    const regions = new RegionPool(core.mem);
    const pool = new AppendPool(core, config.int('strom.append.workers') ?? availableParallelism());
    const logs = new LogManager(config, core, regions, pool, logger);
    let advertised: Listener[] = [];
    let node: ClusterNode | null = null;
    try {
      if (config.clustered) node = await ClusterNode.connect(config, logger);
    } catch (e) {
      await pool.stop();
      throw e;
    }
    const cluster: ClusterView = node ?? new LocalCluster(logs, config.nodeId, () => advertised);
    const groups = new GroupCoordinator(config, logs, cluster, core, logger);
    let stats: StartStats;
    try {
      stats = await logs.start(node?.clusterId);
      await node?.start(logs);
      await groups.start();
    } catch (e) {
      groups.stop();
      await node?.stop();
      await logs.shutdown();
      await pool.stop();
      throw e;
    }
    const producerIds = new ProducerIds(logs.dir);
    const context: { -readonly [K in keyof BrokerContext]: BrokerContext[K] } = {
      config, logs, groups, core, regions, memory: new MemoryBudget(config.int('strom.request.memory.max.bytes')),
      fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots'), config.int('strom.fetch.session.eviction.ms')),
      logger, nodeId: config.nodeId, cluster, advertised: [],
      nextProducerId: () => producerIds.allocate(), telemetry: new ClientTelemetry(() => telemetrySettings(config)),
    };
    let server: KafkaServer | null = null;
    let ready = false;
    const httpListeners = config.httpListeners;
    const gateway = httpListeners.length === 0 ? null : new HttpGateway(() => context, {
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
      onRequest: gateway ? (api, seconds) => gateway.metrics.kafkaRequest(api, seconds) : undefined,
      onFailure: gateway ? () => gateway.metrics.connectionFailures.inc() : undefined,
    }, config.int('max.connections'), config.int('socket.listen.backlog.size'));
    server = kafka;
    let bound: Listener[];
    try {
      bound = await kafka.listen(config.listeners);
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
      groups.stop();
      await node?.stop();
      await logs.shutdown();
      await pool.stop();
      throw e;
    }
    ready = true;
    return new Broker(config, logger, core, pool, logs, groups, kafka, context, stats, gateway, node);
  }

  get listeners(): Listener[] {
    return this.server.bound;
  }

  /** Stops accepting, finishes requests in flight, flushes and closes the logs. */
  async stop(): Promise<void> {
    this.gateway?.close();
    // Out of the cluster first: its partitions get other leaders while this broker closes.
    await this.node?.stop();
    await this.server.close();
    this.groups.stop();
    await this.logs.shutdown();
    await this.pool.stop();
  }
}

/** advertised.listeners, else the bound listeners (an empty host becomes this machine's name). */
function advertise(config: BrokerConfig, bound: Listener[]): Listener[] {
  if (config.isExplicit('advertised.listeners')) return config.advertisedListeners;
  return bound.map((l) => ({ ...l, host: l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? hostname() : l.host }));
}
