// What an API handler is: the generated codec of its API, the versions Strom serves (and
// advertises: ApiVersions is derived from the handler table), and one function from a
// decoded request to a response.
import type { Reader, Writer } from '../protocol/codec.js';
import type { MemoryBudget } from '../core/index.js';
import type { BrokerContext } from '../broker/context.js';
import type { SecurityProtocol } from '../config/listeners.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { SaslAuthenticator } from '../security/sasl.js';

interface ApiSpec<Req, Res> {
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

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly clientAddress: string;
  /** The client's IP address alone (what Kafka reports as a group member's host). */
  readonly clientHost: string;
  /** The client software its connection named in ApiVersions v3+ (KIP-511), if it did. */
  readonly clientSoftwareName?: string | null;
  readonly clientSoftwareVersion?: string | null;
  readonly broker: BrokerContext;
  /** Bytes this connection's responses may hold in memory until written (strom.connection.max.unsent.bytes). */
  readonly memory: MemoryBudget;
  /** Runs `release` once the response is on the wire (or the request is dropped). */
  onDone(release: () => void): void;
  /** Closes the client's connection (Produce with acks=0 answers errors this way). */
  closeConnection(reason: string): void;
  /**
   * This request's response is the connection's last: nothing after it is handled, it is sent
   * no sooner than `delayMs` from now, then the connection closes (a failed authentication).
   */
  closeAfterResponse(reason: string, delayMs?: number): void;
  /** The listener the request came in on (listeners, listener.security.protocol.map). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /**
   * Who sent it (Kafka's KafkaPrincipal): User:<name> authenticated by SASL or by a client
   * certificate, else User:ANONYMOUS. What authorization (ACLs, quotas) decides on.
   */
  readonly principal: KafkaPrincipal;
  /** The connection's SASL state on SASL_PLAINTEXT and SASL_SSL listeners, else null. */
  readonly sasl: SaslAuthenticator | null;
}

export interface Handler<Req = any, Res = any> {
  readonly api: ApiSpec<Req, Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Whether the broker serves it now (default: always). A handler that is not is neither
   * advertised by ApiVersions nor answered: its requests close the connection, as unknown ones do.
   */
  readonly enabled?: (broker: BrokerContext) => boolean;
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

/**
 * Runs `store`, a change the broker keeps (ACLs, client quotas). Null once it is stored; if it
 * cannot be (a full or failing disk, etcd unreachable: the store has taken it back), the
 * failure is logged and its message returned, for the request's entries to be answered
 * UNKNOWN_SERVER_ERROR with, the connection kept.
 */
export async function storeChange(ctx: RequestContext, apiName: string, what: string, store: () => Promise<void>): Promise<string | null> {
  try {
    await store();
    return null;
  } catch (e) {
    const errorMessage = `${what} could not be stored: ${(e as Error).message}`;
    ctx.broker.logger.warn(`${apiName} from ${ctx.clientAddress}: ${errorMessage}`);
    return errorMessage;
  }
}
