// /metrics: the broker in Prometheus text format (prom-client, a registry of its own).
// Counters are pushed by the produce/fetch paths (BrokerContext.traffic) and by the Kafka
// listener's request hook; gauges of logs, groups and queues are read at scrape time; the
// metrics clients push (KIP-714) come from the telemetry store (client-metrics.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerContext, TrafficListener } from '../broker/context.js';
import { groupLag } from '../group/lag.js';
import { registerClientMetrics } from './client-metrics.js';

interface GatewaySources {
  broker: () => BrokerContext;
  kafkaConnections: () => number;
  /** Kafka connections not being read now, by reason (server.ts). */
  pausedConnections: () => Record<string, number>;
  httpConnections: () => number;
  webSockets: () => number;
  appendQueueDepth: () => number;
  wsBuffered: () => { max: number; peak: number; paused: number };
}

export class BrokerMetrics implements TrafficListener {
  readonly registry = new Registry();
  private readonly bytesIn: Counter<'topic'>;
  private readonly recordsIn: Counter<'topic'>;
  private readonly bytesOut: Counter<'topic'>;
  private readonly requests: Counter<'api'>;
  private readonly latency: Histogram<'api'>;
  readonly httpRequests: Counter<'method' | 'status'>;
  /** Kafka connections closed because handling their bytes threw (each is logged with its client and request). */
  readonly connectionFailures: Counter;
  /** Kafka authentications (SASL, TLS client certificates), by listener, mechanism, kind and result. */
  readonly kafkaAuthentications: Counter<'listener' | 'mechanism' | 'kind' | 'result'>;
  /** HTTP Basic authentications of the gateway, by result (success, failure, missing). */
  readonly httpAuthentications: Counter<'result'>;
  /** Running totals for the console's throughput chart. */
  readonly totals = { bytesIn: 0, recordsIn: 0, bytesOut: 0 };

  constructor(sources: GatewaySources, backend: { backend: string; version: string }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'strom_' });
    this.bytesIn = new Counter({ name: 'strom_topic_bytes_in_total', help: 'Record batch bytes appended, per topic (Kafka and REST produce).', labelNames: ['topic'], registers });
    this.recordsIn = new Counter({ name: 'strom_topic_records_in_total', help: 'Records appended, per topic.', labelNames: ['topic'], registers });
    this.bytesOut = new Counter({ name: 'strom_topic_bytes_out_total', help: 'Record batch bytes served by Fetch, the REST proxy and live tails, per topic.', labelNames: ['topic'], registers });
    this.requests = new Counter({ name: 'strom_kafka_requests_total', help: 'Kafka requests answered, per API.', labelNames: ['api'], registers });
    this.latency = new Histogram({
      name: 'strom_kafka_request_duration_seconds', help: 'Time from a Kafka request decoded to its response written, per API.', labelNames: ['api'], registers,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    });
    this.connectionFailures = new Counter({
      name: 'strom_kafka_connection_failures_total', help: 'Kafka connections closed because handling their requests threw (logged with the client address and the request).', registers,
    });
    this.kafkaAuthentications = new Counter({
      name: 'strom_kafka_authentications_total', help: 'Kafka authentications by listener, mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, or SSL for client certificates and TLS handshakes), kind (authentication or reauthentication, KIP-368) and result (success, failure); each failure is also logged.',
      labelNames: ['listener', 'mechanism', 'kind', 'result'], registers,
    });
    this.httpAuthentications = new Counter({
      name: 'strom_http_authentications_total', help: 'HTTP Basic authentications of the gateway (http.authentication.method=BASIC) by result: success, failure (wrong credentials), missing (no credentials: 401).',
      labelNames: ['result'], registers,
    });
    new Gauge({
      name: 'strom_kafka_connections_paused', help: 'Kafka connections the broker is not reading now, by the limit that stops it: requests or request_bytes in flight (queued.max.requests, queued.max.request.bytes), unsent responses (strom.connection.max.unsent.bytes), spent request memory (strom.request.memory.max.bytes), a client quota\'s throttle (throttle).',
      labelNames: ['reason'], registers,
      collect() {
        for (const [reason, count] of Object.entries(sources.pausedConnections())) this.set({ reason }, count);
      },
    });
    new Gauge({
      name: 'strom_request_memory_bytes', help: 'Core memory held by requests and responses in flight (strom.request.memory.max.bytes): in use now, the peak, and the limit.', labelNames: ['stat'], registers,
      collect() {
        const memory = sources.broker().memory;
        this.set({ stat: 'used' }, memory.used);
        this.set({ stat: 'peak' }, memory.peak);
        this.set({ stat: 'limit' }, memory.limitBytes);
      },
    });
    this.httpRequests = new Counter({ name: 'strom_http_requests_total', help: 'HTTP gateway requests, per method and status.', labelNames: ['method', 'status'], registers });
    new Gauge({ name: 'strom_http_backend_info', help: 'The uWebSockets.js backend the gateway runs on (native or fallback).', labelNames: ['backend', 'version'], registers })
      .set({ backend: backend.backend, version: backend.version }, 1);
    const b = sources.broker;
    const partitionGauge = (name: string, help: string, value: (p: { logEndOffset: number; logStartOffset: number; sizeBytes: number }) => number) =>
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers,
        collect() {
          this.reset();
          for (const t of b().logs.topics.values()) for (const p of t.partitions.values()) this.set({ topic: t.name, partition: String(p.partition) }, value(p));
        },
      });
    partitionGauge('strom_partition_log_end_offset', 'Log end offset (high watermark) per partition.', (p) => p.logEndOffset);
    partitionGauge('strom_partition_log_start_offset', 'Log start offset per partition.', (p) => p.logStartOffset);
    partitionGauge('strom_partition_size_bytes', 'Bytes of segment files per partition.', (p) => p.sizeBytes);
    new Gauge({
      name: 'strom_consumer_group_lag', help: 'Committed offset behind the log end offset, per group and partition (group/lag.ts).', labelNames: ['group', 'topic', 'partition'], registers,
      collect() {
        this.reset();
        const broker = b();
        for (const g of broker.groups.listGroups([])) {
          for (const p of groupLag(broker.groups, broker.logs, broker.cluster, g.groupId)?.partitions ?? []) if (p.lag !== null) this.set({ group: g.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
        }
      },
    });
    new Gauge({
      name: 'strom_open_connections', help: 'Open connections per listener kind.', labelNames: ['listener'], registers,
      collect() {
        this.set({ listener: 'kafka' }, sources.kafkaConnections());
        this.set({ listener: 'http' }, sources.httpConnections());
        this.set({ listener: 'websocket' }, sources.webSockets());
      },
    });
    new Gauge({
      name: 'strom_index_cache_bytes', help: 'Core memory held by the indexes of inactive segments (loaded on demand): now, the most since start, and the bound (strom.index.cache.max.bytes).', labelNames: ['stat'], registers,
      collect() {
        const cache = b().logs.indexCache;
        this.set({ stat: 'current' }, cache.bytes);
        this.set({ stat: 'peak' }, cache.peakBytes);
        this.set({ stat: 'max' }, cache.maxBytes);
      },
    });
    new Gauge({ name: 'strom_index_cache_files', help: 'Index files (.index, .timeindex) of inactive segments in core memory.', registers, collect() { this.set(b().logs.indexCache.files); } });
    new Counter({
      name: 'strom_index_cache_lookups_total', help: 'Lookups in inactive segments\' indexes, by whether the index was in memory (hit) or had to be loaded (miss).', labelNames: ['result'], registers,
      collect() {
        const cache = b().logs.indexCache;
        this.reset();
        this.inc({ result: 'hit' }, cache.hits);
        this.inc({ result: 'miss' }, cache.misses);
      },
    });
    new Counter({
      name: 'strom_index_cache_evictions_total', help: 'Index files evicted from core memory to keep the index cache within its bound.', registers,
      collect() {
        this.reset();
        this.inc(b().logs.indexCache.evictions);
      },
    });
    new Gauge({
      name: 'strom_index_active_bytes', help: 'Core memory held by the active segments\' indexes (appended to; outside the index cache\'s bound).', registers,
      collect() {
        let bytes = 0;
        for (const t of b().logs.topics.values()) for (const p of t.partitions.values()) bytes += p.activeSegment.index.residentBytes;
        this.set(bytes);
      },
    });
    new Gauge({ name: 'strom_append_queue_depth', help: 'Appends queued for the append workers.', registers, collect() { this.set(sources.appendQueueDepth()); } });
    new Gauge({
      name: 'strom_core_memory_reserved_bytes', help: 'Core (shared WebAssembly) memory reserved so far: it is reused, never given back, so growth under a steady load is a leak.', registers,
      collect() { this.set(b().core.mem.reservedBytes); },
    });
    new Gauge({
      name: 'strom_websocket_buffered_bytes', help: 'Bytes queued unsent on live-tail WebSockets: the largest now, and the largest ever seen.', labelNames: ['stat'], registers,
      collect() {
        const s = sources.wsBuffered();
        this.set({ stat: 'max' }, s.max);
        this.set({ stat: 'peak' }, s.peak);
      },
    });
    new Gauge({ name: 'strom_websocket_tails_paused', help: 'Live tails paused by backpressure now.', registers, collect() { this.set(sources.wsBuffered().paused); } });
    registerClientMetrics(this.registry, () => b().telemetry);
  }

  produced(topic: string, bytes: number, records: number): void {
    this.bytesIn.inc({ topic }, bytes);
    this.recordsIn.inc({ topic }, records);
    this.totals.bytesIn += bytes;
    this.totals.recordsIn += records;
  }

  fetched(topic: string, bytes: number): void {
    this.bytesOut.inc({ topic }, bytes);
    this.totals.bytesOut += bytes;
  }

  kafkaRequest(api: string, seconds: number): void {
    this.requests.inc({ api });
    this.latency.observe({ api }, seconds);
  }
}
