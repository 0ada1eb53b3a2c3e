// HTTP Basic authentication of the gateway (http.authentication.method=BASIC, RFC 7617)
// against the broker's users (security/passwords.ts). A request without credentials, or with
// malformed ones, gets 401 at once; wrong credentials get 401 after
// connection.failed.authentication.delay.ms, as a failed Kafka authentication does. Paths of
// http.authentication.skip.paths (e.g. /metrics, /health) are served to anyone.
import { ANONYMOUS, user, type KafkaPrincipal } from '../security/principal.js';
import type { PasswordVerifier } from '../security/passwords.js';
import { errorReply, type HttpReply } from './router.js';
import { RestErrorCode } from './error-codes.js';

export interface BasicAuthOptions {
  realm: string;
  skipPaths: ReadonlySet<string>;
  verifier: PasswordVerifier;
  failureDelayMs: number;
}

/** The outcome of checking one request: who sent it, or the 401 to answer (after delayMs). */
export type AuthOutcome =
  | { ok: true; principal: KafkaPrincipal }
  | { ok: false; reply: HttpReply; delayMs: number; result: 'missing' | 'failure'; reason: string };

/** The user name and password of an Authorization: Basic header, or null when there is none or it is malformed. */
export function parseBasic(header: string): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuth {
  constructor(private readonly options: BasicAuthOptions) {}

  /** The WWW-Authenticate header of a 401. */
  get challenge(): [string, string] {
    return ['www-authenticate', `Basic realm="${this.options.realm.replace(/["\\]/g, '')}", charset="UTF-8"`];
  }

  /** Whether `path` needs credentials. */
  guards(path: string): boolean {
    return !this.options.skipPaths.has(path);
  }

  /**
   * Checks an Authorization header; synchronous when there is nothing to verify (missing
   * credentials), else after the password is checked.
   */
  check(header: string): AuthOutcome | Promise<AuthOutcome> {
    const credentials = parseBasic(header);
    if (!credentials) {
      return { ok: false, result: 'missing', delayMs: 0, reason: header === '' ? 'no credentials' : 'malformed credentials', reply: errorReply(401, RestErrorCode.UNAUTHORIZED, 'Authentication required: HTTP Basic credentials of a broker user.') };
    }
    return this.options.verifier.verify(credentials.username, credentials.password).then((ok): AuthOutcome => ok
      ? { ok: true, principal: user(credentials.username) }
      : { ok: false, result: 'failure', delayMs: this.options.failureDelayMs, reason: `invalid credentials for user ${JSON.stringify(credentials.username)}`, reply: errorReply(401, RestErrorCode.UNAUTHORIZED, 'Authentication failed: invalid username or password.') });
  }
}

/** The principal of a request on a gateway without authentication. */
export const NO_AUTHENTICATION: AuthOutcome = { ok: true, principal: ANONYMOUS };
