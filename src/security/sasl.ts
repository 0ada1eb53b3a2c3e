// SASL on one connection of a SASL_PLAINTEXT or SASL_SSL listener (KIP-43, KIP-152, KIP-368),
// as Kafka's SaslServerAuthenticator runs it:
// - Before authentication only ApiVersions and SaslHandshake may come; once a mechanism is
//   chosen, only SaslAuthenticate (SaslHandshake v1+) or raw SASL tokens, framed by a length
//   alone (SaslHandshake v0: kafka-python). Anything else closes the connection.
// - A failed authentication (a wrong password, an unknown user, a mechanism not enabled) is
//   answered SASL_AUTHENTICATION_FAILED (UNSUPPORTED_SASL_MECHANISM for the mechanism) with a
//   message that does not say whether the user exists, after connection.failed.authentication.delay.ms,
//   and the connection closes; a raw-token client gets no answer, only the close.
// - With connections.max.reauth.ms the session lasts that long (SaslAuthenticate v1+ says so);
//   the client re-authenticates on the same connection with the same mechanism and principal
//   (SaslHandshake then SaslAuthenticate), or its next request after expiry closes it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { API_VERSIONS_KEY } from '../protocol/headers.js';
import { SaslHandshakeApi } from '../protocol/generated/sasl-handshake.js';
import { SaslAuthenticateApi } from '../protocol/generated/sasl-authenticate.js';
import { ANONYMOUS, user, type KafkaPrincipal } from './principal.js';
import { ScramError, ScramServer, scramMechanism } from './scram.js';
import type { ScramCredentialStore } from './credentials.js';

const SASL_HANDSHAKE_KEY = SaslHandshakeApi.key;
const SASL_AUTHENTICATE_KEY = SaslAuthenticateApi.key;

/** A listener's SASL settings. */
export interface SaslSettings {
  listener: string;
  /** sasl.enabled.mechanisms (per listener). */
  mechanisms: readonly string[];
  /** PLAIN users: the listener's JAAS user_<name> options, else strom.sasl.plain.users. */
  plainUsers: ReadonlyMap<string, string>;
  /** connections.max.reauth.ms (per listener); 0: sessions do not expire. */
  reauthMs: number;
}

/** What an authentication attempt tells the broker (logs, metrics). */
export interface AuthenticationEvent {
  listener: string;
  mechanism: string;
  address: string;
  reauthentication: boolean;
  principal?: KafkaPrincipal;
  /** Why it failed (for the log; may name the user). */
  reason?: string;
}

export interface SaslServices {
  credentials: ScramCredentialStore;
  /** connection.failed.authentication.delay.ms */
  failureDelayMs: number;
  /** Salts made up for unknown SCRAM users are derived from it (stable while the broker runs). */
  fakeSaltKey: Buffer;
  succeeded(event: AuthenticationEvent): void;
  failed(event: AuthenticationEvent): void;
  now(): number;
}

interface HandshakeResult {
  errorCode: number;
  mechanisms: string[];
  /** Close the connection once this is answered (after delayMs). */
  close: string | null;
  delayMs: number;
}

interface AuthenticateResult {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
  close: string | null;
  delayMs: number;
}

/** A failed exchange; `message` is what the client is told. */
class SaslFailure extends Error {
  constructor(message: string, readonly detail = message) {
    super(message);
  }
}

interface MechanismServer {
  evaluate(token: Buffer): Buffer;
  readonly complete: boolean;
  readonly username: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, checked as Kafka's PlainSaslServer does. */
class PlainServer implements MechanismServer {
  complete = false;
  username = '';

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  evaluate(token: Buffer): Buffer {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslFailure('', `Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, username, password] = parts;
    this.username = username;
    if (username === '') throw new SaslFailure('Authentication failed: username not specified');
    if (password === '') throw new SaslFailure('Authentication failed: password not specified', `no password for user ${JSON.stringify(username)}`);
    const expected = this.users.get(username);
    // Compared as hashes, in constant time, whether or not the user exists.
    const ok = timingSafeEqual(sha256(password), sha256(expected ?? `\u0000${password}`)) && expected !== undefined;
    if (!ok) throw new SaslFailure('Authentication failed: Invalid username or password', expected === undefined ? `unknown user ${JSON.stringify(username)}` : `a wrong password for user ${JSON.stringify(username)}`);
    if (authzid !== '' && authzid !== username) throw new SaslFailure('Authentication failed: Client requested an authorization id that is different from username');
    this.complete = true;
    return Buffer.alloc(0);
  }
}

type State = 'handshake' | 'authenticate' | 'complete' | 'failed';

export class SaslAuthenticator {
  private state: State = 'handshake';
  private mechanism = '';
  private server: MechanismServer | null = null;
  /** The first authentication succeeded: requests other than SASL's may come. */
  private authenticatedOnce = false;
  private reauthenticating = false;
  /** A re-authentication asked for another mechanism: its SaslAuthenticate fails with this. */
  private badMechanism: string | null = null;
  private expiresAtMs: number | null = null;
  principal: KafkaPrincipal = ANONYMOUS;
  /** After a SaslHandshake v0, the client's next frames are SASL tokens without Kafka headers. */
  rawTokens = false;

  constructor(private readonly settings: SaslSettings, private readonly services: SaslServices, private readonly address: string) {}

  get authenticated(): boolean {
    return this.authenticatedOnce;
  }

  /** The next frame is a raw SASL token (a SaslHandshake v0 chose the mechanism). */
  get expectsRawToken(): boolean {
    return this.rawTokens && this.state === 'authenticate';
  }

  /** Why a request of `apiKey` may not be handled now (the connection closes), or null. */
  refusal(apiKey: number, apiName: string): string | null {
    if (this.state === 'failed') return 'SASL authentication failed';
    if (!this.authenticatedOnce) {
      if (this.state === 'handshake') return apiKey === API_VERSIONS_KEY || apiKey === SASL_HANDSHAKE_KEY ? null : `Unexpected Kafka request of type ${apiName} during SASL handshake`;
      return apiKey === SASL_AUTHENTICATE_KEY ? null : `Unexpected Kafka request of type ${apiName} during SASL authentication`;
    }
    const expired = this.expiresAtMs !== null && this.services.now() > this.expiresAtMs;
    if (expired && apiKey !== SASL_HANDSHAKE_KEY && !(this.reauthenticating && apiKey === SASL_AUTHENTICATE_KEY)) {
      return `its SASL session expired (connections.max.reauth.ms ${this.settings.reauthMs}) and it did not re-authenticate`;
    }
    return null;
  }

  handshake(mechanism: string, version: number): HandshakeResult {
    const mechanisms = [...this.settings.mechanisms];
    if (this.state === 'complete' && version >= 1) {
      // KIP-368: a re-authentication begins. Another mechanism fails at its SaslAuthenticate.
      this.reauthenticating = true;
      this.badMechanism = mechanism === this.mechanism ? null : `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.mechanism}'`;
      if (this.badMechanism === null) this.server = this.newServer(mechanism);
      this.state = 'authenticate';
      return { errorCode: ErrorCode.NONE, mechanisms, close: null, delayMs: 0 };
    }
    if (this.state !== 'handshake') {
      // After authentication without re-authentication (v0), or twice in a row: Kafka's answer.
      const close = this.state === 'authenticate' ? 'a second SaslHandshake during SASL authentication' : null;
      if (close) {
        this.state = 'failed';
        this.services.failed(this.event(this.mechanism, close));
      }
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms, close, delayMs: 0 };
    }
    if (!this.settings.mechanisms.includes(mechanism)) {
      this.state = 'failed';
      this.services.failed(this.event(mechanism, `mechanism ${mechanism} is not enabled (sasl.enabled.mechanisms: ${mechanisms.join(', ')})`));
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms, close: `unsupported SASL mechanism ${JSON.stringify(mechanism)}`, delayMs: this.services.failureDelayMs };
    }
    this.mechanism = mechanism;
    this.server = this.newServer(mechanism);
    this.rawTokens = version === 0;
    this.state = 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms, close: null, delayMs: 0 };
  }

  /** One SASL token (SaslAuthenticate's auth bytes, or a raw token after a v0 handshake). */
  authenticate(token: Buffer): AuthenticateResult {
    if (this.state !== 'authenticate' || (this.server === null && this.badMechanism === null)) {
      if (this.state === 'complete') {
        return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: null, delayMs: 0 };
      }
      return this.fail('', 'SaslAuthenticate before SaslHandshake');
    }
    if (this.badMechanism !== null) return this.fail(this.badMechanism);
    const server = this.server!;
    let response: Buffer;
    try {
      response = server.evaluate(token);
    } catch (e) {
      if (e instanceof SaslFailure) return this.fail(e.message, e.detail, server.username);
      if (e instanceof ScramError) return this.fail('', e.detail, server.username);
      throw e;
    }
    if (!server.complete) return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: response, sessionLifetimeMs: 0, close: null, delayMs: 0 };
    const principal = user(server.username);
    if (this.reauthenticating && !principal.equals(this.principal)) {
      return this.fail(`Cannot change principals during re-authentication from ${this.principal.type}.${this.principal.name}: ${principal.type}.${principal.name}`);
    }
    const sessionLifetimeMs = this.settings.reauthMs;
    this.expiresAtMs = sessionLifetimeMs > 0 ? this.services.now() + sessionLifetimeMs : null;
    this.services.succeeded({ ...this.event(this.mechanism), principal });
    this.principal = principal;
    this.authenticatedOnce = true;
    this.reauthenticating = false;
    this.state = 'complete';
    this.server = null;
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: response, sessionLifetimeMs, close: null, delayMs: 0 };
  }

  private newServer(mechanism: string): MechanismServer {
    const scram = scramMechanism(mechanism);
    if (scram) {
      const credentials = this.services.credentials;
      return new ScramServer(scram, (name) => credentials.get(name, scram), this.services.fakeSaltKey);
    }
    return new PlainServer(this.settings.plainUsers);
  }

  /**
   * A failed authentication: logged and counted, answered after the delay, then the connection
   * closes. An empty `message` becomes Kafka's generic one, which does not tell whether the
   * user exists.
   */
  private fail(message: string, detail = message, username = ''): AuthenticateResult {
    const text = message || `Authentication failed during ${this.reauthenticating ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${this.mechanism}`;
    this.state = 'failed';
    this.services.failed(this.event(this.mechanism, `${username ? `user ${JSON.stringify(username)}: ` : ''}${detail || text}`));
    return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: text, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: text, delayMs: this.services.failureDelayMs };
  }

  private event(mechanism: string, reason?: string): AuthenticationEvent {
    return { listener: this.settings.listener, mechanism, address: this.address, reauthentication: this.reauthenticating, reason };
  }
}
