// What the client reports besides a Kafka error code in a response (a KafkaError, see
// src/protocol/errors.ts): a broker it cannot reach (address and reason, for the one line the
// tools print) and a request that timed out.

/** Node's socket error codes in words a user recognises. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
};

/** The broker at `address` could not be reached (or the connection broke). */
export class BrokerUnreachableError extends Error {
  override name = 'BrokerUnreachableError';
  constructor(readonly address: string, readonly code: string, detail?: string) {
    super(`cannot reach the broker at ${address}: ${REASONS[code] ?? detail ?? code}${REASONS[code] ? ` (${code})` : ''}`);
  }
}

/** The broker refused the client's credentials (or the client the broker's SCRAM proof). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(readonly address: string, mechanism: string, reason: string) {
    super(`authentication (${mechanism}) to the broker at ${address} failed: ${reason}`);
  }
}

/** A request got no answer in time. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  constructor(readonly address: string, api: string, timeoutMs: number) {
    super(`${api} request to ${address} got no response within ${timeoutMs} ms`);
  }
}
