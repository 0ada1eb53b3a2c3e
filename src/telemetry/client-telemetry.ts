// KIP-714 client telemetry, the broker's side: the subscription every client gets, the client
// instances that ask for it and push, and each instance's latest metric values (shown on
// /metrics). Kafka serves the two APIs only with a ClientTelemetry plugin and subscriptions
// set up with kafka-client-metrics.sh; Strom has one default subscription (strom.telemetry.*)
// and keeps what clients push itself.
//
// Kafka's rules (ClientMetricsManager, ClientMetricsInstance): the broker names a client that
// asks with the zero id (a random UUID); a subscription id is a hash of the requested metrics,
// the push interval and the instance id, so it changes when the subscription does and stays
// the same across broker restarts; a GetTelemetrySubscriptions or a PushTelemetry sooner than
// the push interval after the last one (a tenth of it spared) is throttled
// (THROTTLING_QUOTA_EXCEEDED), but for the
// first push after a subscription and a terminating push; a push naming another subscription
// gets UNKNOWN_SUBSCRIPTION_ID (the client asks again at once, and may: a failed push does not
// throttle its next GetTelemetrySubscriptions); nothing is accepted after a terminating push.
//
// Limits: strom.telemetry.max.clients instances (a new client beyond them is given an empty
// subscription, so it pushes nothing, until one leaves), strom.telemetry.client.max.series
// series per client (more are dropped and counted), and instances that neither ask nor push for
// strom.telemetry.client.expiry.ms are forgotten, their series with them.
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/runtime.js';
import type { BrokerConfig } from '../config/config.js';
import { decodeMetricsData, decompressMetrics, OtlpError, TELEMETRY_CODECS, type MetricSample } from './otlp.js';

export interface TelemetrySettings {
  /** Requested metric name prefixes ("*": all). */
  metrics: string[];
  pushIntervalMs: number;
  /** Largest (compressed) push accepted: Kafka's telemetry.max.bytes. */
  maxBytes: number;
  maxUncompressedBytes: number;
  maxClients: number;
  maxSeriesPerClient: number;
  expiryMs: number;
}

/** Kafka keeps a client instance for this many push intervals, and at least EXPIRY_MIN_MS (ClientMetricsManager). */
const EXPIRY_PUSH_INTERVALS = 3;
const EXPIRY_MIN_MS = 60_000;

/** The settings now (the metrics and the push interval may change at runtime). */
export function telemetrySettings(config: BrokerConfig): TelemetrySettings {
  const pushIntervalMs = config.int('strom.telemetry.push.interval.ms');
  return {
    metrics: config.list('strom.telemetry.metrics'),
    pushIntervalMs,
    maxBytes: config.int('telemetry.max.bytes'),
    maxUncompressedBytes: config.int('strom.telemetry.max.uncompressed.bytes'),
    maxClients: config.int('strom.telemetry.max.clients'),
    maxSeriesPerClient: config.int('strom.telemetry.client.max.series'),
    expiryMs: config.int('strom.telemetry.client.expiry.ms') ?? Math.max(EXPIRY_PUSH_INTERVALS * pushIntervalMs, EXPIRY_MIN_MS),
  };
}

/** Who a client is, from its connection: client.id, and the software it named in ApiVersions v3+. */
export interface ClientIdentity {
  clientId: string | null;
  softwareName: string | null;
  softwareVersion: string | null;
  /** host:port */
  address: string;
}

interface Subscription {
  errorCode: number;
  clientInstanceId: string;
  subscriptionId: number;
  acceptedCompressionTypes: number[];
  pushIntervalMs: number;
  telemetryMaxBytes: number;
  deltaTemporality: boolean;
  requestedMetrics: string[];
}

interface PushRequest {
  clientInstanceId: string;
  subscriptionId: number;
  terminating: boolean;
  compressionType: number;
  metrics: Uint8Array;
}

interface Series {
  name: string;
  kind: 'counter' | 'gauge';
  attributes: [string, string][];
  value: number;
}

export interface ClientInstance {
  readonly id: string;
  identity: ClientIdentity;
  /** Resource attributes of its last push. */
  resource: Record<string, string>;
  /** When it last asked for its subscription and last pushed (-Infinity: never). */
  lastGetMs: number;
  lastPushMs: number;
  /** It was given its subscription since its last push: the next push may come early (Kafka's lastGet > lastPush). */
  subscribedSincePush: boolean;
  lastSeenMs: number;
  /** The error of its last request (a failed push lets the next GetTelemetrySubscriptions through). */
  lastError: number;
  terminating: boolean;
  readonly series: Map<string, Series>;
}

/** What the broker counts about telemetry (on /metrics). */
interface TelemetryStats {
  /** Pushes by outcome: ok or the error's name. */
  pushes: Map<string, number>;
  /** Series a client pushed beyond strom.telemetry.client.max.series. */
  seriesDropped: number;
  /** New clients given an empty subscription because strom.telemetry.max.clients were known. */
  clientsRefused: number;
  /** Instances forgotten after strom.telemetry.client.expiry.ms without a request. */
  clientsExpired: number;
}

/**
 * A request may come this share of the push interval early and still count as on time. Kafka
 * allows none, but a client schedules its next push an interval after the last response, so an
 * event loop busy when the last push arrived (stamping it late) makes the next look early, and
 * the client then loses a push and asks for its subscription again.
 */
const ON_TIME_SHARE = 0.9;

// Uuid.RESERVED: the zero id and the metadata topic's id name no client.
const METADATA_TOPIC_ID = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).toString('base64url');

export class ClientTelemetry {
  /** Known instances, least recently seen first (touching one moves it to the end). */
  private readonly instances = new Map<string, ClientInstance>();
  readonly stats: TelemetryStats = { pushes: new Map(), seriesDropped: 0, clientsRefused: 0, clientsExpired: 0 };

  constructor(private readonly settings: () => TelemetrySettings, private readonly now: () => number = Date.now) {}

  /** GetTelemetrySubscriptions: the subscription of the client (named now if it came with the zero id). */
  subscribe(clientInstanceId: string, identity: ClientIdentity): Subscription {
    const s = this.settings();
    const now = this.now();
    this.expire(now, s);
    const id = clientInstanceId === ZERO_UUID ? randomBytes(16).toString('base64url') : clientInstanceId;
    const instance = this.instance(id, identity, now, s);
    const answer = (errorCode: number, metrics: string[]): Subscription => ({
      errorCode, clientInstanceId: id, subscriptionId: subscriptionId(metrics, s.pushIntervalMs, id), acceptedCompressionTypes: TELEMETRY_CODECS,
      pushIntervalMs: s.pushIntervalMs, telemetryMaxBytes: s.maxBytes, deltaTemporality: false, requestedMetrics: metrics,
    });
    // Full: nothing to push for now; the client asks again after the push interval.
    if (!instance) return answer(ErrorCode.NONE, []);
    const sinceLast = now - Math.max(instance.lastGetMs, instance.lastPushMs);
    if (sinceLast < s.pushIntervalMs * ON_TIME_SHARE && instance.lastError !== ErrorCode.UNKNOWN_SUBSCRIPTION_ID && instance.lastError !== ErrorCode.UNSUPPORTED_COMPRESSION_TYPE) {
      instance.lastError = ErrorCode.THROTTLING_QUOTA_EXCEEDED;
      return answer(ErrorCode.THROTTLING_QUOTA_EXCEEDED, []);
    }
    instance.lastGetMs = now;
    instance.subscribedSincePush = true;
    instance.lastError = ErrorCode.NONE;
    return answer(ErrorCode.NONE, requestedMetrics(s.metrics));
  }

  /** PushTelemetry: validates the push as Kafka does, then keeps the client's latest values. */
  async push(request: PushRequest, identity: ClientIdentity): Promise<number> {
    const code = await this.pushInner(request, identity);
    const outcome = code === ErrorCode.NONE ? 'ok' : errorLabel(code);
    this.stats.pushes.set(outcome, (this.stats.pushes.get(outcome) ?? 0) + 1);
    return code;
  }

  private async pushInner(request: PushRequest, identity: ClientIdentity): Promise<number> {
    const id = request.clientInstanceId;
    if (id === ZERO_UUID || id === METADATA_TOPIC_ID) return ErrorCode.INVALID_REQUEST;
    const s = this.settings();
    const now = this.now();
    this.expire(now, s);
    const instance = this.instance(id, identity, now, s);
    // Unknown and no room: the client asks for its subscription again, and gets an empty one.
    if (!instance) return ErrorCode.UNKNOWN_SUBSCRIPTION_ID;
    const fail = (code: number) => {
      instance.lastError = code;
      return code;
    };
    if (instance.terminating) return fail(ErrorCode.INVALID_REQUEST);
    instance.terminating = request.terminating;
    // A push right after a subscription may come early: clients jitter their first push.
    const early = !instance.subscribedSincePush && now - instance.lastPushMs < s.pushIntervalMs * ON_TIME_SHARE;
    if (early && !request.terminating) return fail(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    instance.lastPushMs = now;
    instance.subscribedSincePush = false;
    if (request.subscriptionId !== subscriptionId(requestedMetrics(s.metrics), s.pushIntervalMs, id)) return fail(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    if (request.compressionType !== 0 && !TELEMETRY_CODECS.includes(request.compressionType)) return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    if (request.metrics.length > s.maxBytes) return fail(ErrorCode.TELEMETRY_TOO_LARGE);
    if (request.metrics.length > 0) {
      try {
        const decoded = decodeMetricsData(await decompressMetrics(request.compressionType, request.metrics, s.maxUncompressedBytes));
        instance.resource = decoded.resource;
        this.record(instance, decoded.samples, s);
      } catch (e) {
        if (e instanceof OtlpError) return fail(ErrorCode.INVALID_RECORD);
        throw e;
      }
    }
    instance.lastError = ErrorCode.NONE;
    // A client that says goodbye leaves /metrics now; its instance stays until it expires, to refuse later pushes.
    if (request.terminating) instance.series.clear();
    return ErrorCode.NONE;
  }

  /** Instances with values to show, least recently seen first. */
  clients(): ClientInstance[] {
    this.expire(this.now(), this.settings());
    return [...this.instances.values()].filter((i) => i.series.size > 0);
  }

  get size(): number {
    return this.instances.size;
  }

  /** The instance, touched; a new one if there is room (null if not). */
  private instance(id: string, identity: ClientIdentity, now: number, s: TelemetrySettings): ClientInstance | null {
    let instance = this.instances.get(id);
    if (instance) this.instances.delete(id);
    else {
      if (this.instances.size >= s.maxClients) {
        this.stats.clientsRefused++;
        return null;
      }
      instance = { id, identity, resource: {}, lastGetMs: -Infinity, lastPushMs: -Infinity, subscribedSincePush: false, lastSeenMs: now, lastError: ErrorCode.NONE, terminating: false, series: new Map() };
    }
    instance.identity = identity;
    instance.lastSeenMs = now;
    this.instances.set(id, instance);
    return instance;
  }

  private expire(now: number, s: TelemetrySettings): void {
    for (const [id, instance] of this.instances) {
      if (now - instance.lastSeenMs < s.expiryMs) break; // the rest were seen later
      this.instances.delete(id);
      this.stats.clientsExpired++;
    }
  }

  private record(instance: ClientInstance, samples: MetricSample[], s: TelemetrySettings): void {
    const prefixes = s.metrics;
    const all = prefixes.includes('*');
    for (const sample of samples) {
      // Only what was asked for: the subscription bounds what /metrics shows.
      if (!all && !prefixes.some((p) => sample.name.startsWith(p))) continue;
      const key = `${sample.name}\u0000${sample.attributes.map(([k, v]) => `${k}\u0001${v}`).join('\u0000')}`;
      const series = instance.series.get(key);
      if (series) {
        series.value = sample.delta ? series.value + sample.value : sample.value;
        series.kind = sample.kind;
      } else if (instance.series.size >= s.maxSeriesPerClient) {
        this.stats.seriesDropped++;
      } else {
        instance.series.set(key, { name: sample.name, kind: sample.kind, attributes: sample.attributes, value: sample.value });
      }
    }
  }
}

/** What a client is told to collect: the prefixes, or ["*"] for everything (as Kafka sends it). */
function requestedMetrics(prefixes: string[]): string[] {
  return prefixes.includes('*') ? ['*'] : prefixes;
}

/** Changes with the requested metrics and the push interval; per instance, as Kafka's. */
function subscriptionId(metrics: string[], pushIntervalMs: number, clientInstanceId: string): number {
  return createHash('sha256').update(JSON.stringify([metrics, pushIntervalMs, clientInstanceId])).digest().readInt32BE(0);
}

function errorLabel(code: number): string {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name.toLowerCase();
  return `error_${code}`;
}
