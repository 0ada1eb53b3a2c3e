// What an API handler is: the generated codec of its API, the versions Strom serves (and
// advertises: ApiVersions is derived from the handler table), and one function from a
// decoded request to a response.
import type { Reader, Writer } from '../protocol/codec.js';
import type { BrokerConfig, Listener } from '../config/config.js';
import type { LogManager } from '../log/log-manager.js';
import type { Core, MemoryBudget, RegionPool } from '../core/index.js';
import type { GroupCoordinator } from '../group/coordinator.js';

export interface ApiSpec<Req, Res> {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
  readRequest(r: Reader, v: number): Req;
  writeRequest(w: Writer, v: number, m: Req): void;
  readResponse(r: Reader, v: number): Res;
  writeResponse(w: Writer, v: number, m: Res): void;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

/** The broker's services, as handlers see them. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  readonly core: Core;
  readonly regions: RegionPool;
  /** Core memory for requests and responses in flight, broker-wide (strom.request.memory.max.bytes). */
  readonly memory: MemoryBudget;
  readonly logger: Logger;
  readonly nodeId: number;
  readonly clusterId: string;
  /** What Metadata advertises (ports resolved after listening). */
  readonly advertised: Listener[];
  /** A fresh producer id (InitProducerId). */
  nextProducerId(): number;
  /** Per-topic traffic counters (the HTTP gateway's /metrics), when something listens. */
  readonly traffic?: TrafficListener;
}

/** Bytes and records in and out per topic, as the produce and fetch paths see them. */
export interface TrafficListener {
  produced(topic: string, bytes: number, records: number): void;
  fetched(topic: string, bytes: number): void;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly clientAddress: string;
  /** The client's IP address alone (what Kafka reports as a group member's host). */
  readonly clientHost: string;
  readonly broker: BrokerContext;
  /** Bytes this connection's responses may hold in memory until written (strom.connection.max.unsent.bytes). */
  readonly memory: MemoryBudget;
  /** Runs `release` once the response is on the wire (or the request is dropped). */
  onDone(release: () => void): void;
  /** Closes the client's connection (Produce with acks=0 answers errors this way). */
  closeConnection(reason: string): void;
}

export interface Handler<Req = any, Res = any> {
  readonly api: ApiSpec<Req, Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The response, or null for none (Produce with acks=0). */
  handle(request: Req, ctx: RequestContext): Promise<Res | null> | Res | null;
}

export function defineHandler<Req, Res>(
  api: ApiSpec<Req, Res>,
  versions: { min: number; max: number },
  handle: (request: Req, ctx: RequestContext) => Promise<Res | null> | Res | null,
): Handler<Req, Res> {
  if (versions.min < api.minVersion || versions.max > api.maxVersion) {
    throw new Error(`${api.name}: versions ${versions.min}-${versions.max} outside the spec's ${api.minVersion}-${api.maxVersion}`);
  }
  return { api, minVersion: versions.min, maxVersion: versions.max, handle };
}
