// Who may use the gateway from a web browser. Any page the user visits can aim requests and
// WebSocket upgrades at any address the browser reaches, localhost included, and browsers
// guard neither WebSocket upgrades nor "simple" requests (a no-cors POST) with CORS: those
// are sent and acted on, only their answers are hidden from the page. So the gateway decides
// before any handler runs, from the headers browsers set and pages cannot forge:
// - Origin (on every cross-origin request, every POST, every WebSocket upgrade) must be the
//   gateway's own or one of http.allowed.origins, else 403. Allowed cross-origin requests
//   get CORS headers, and their preflights (OPTIONS) are answered.
// - No Origin, but Sec-Fetch-Site says another site's page embedded the request (<img>,
//   <script>): 403, but for navigations, so a link to the console still opens it.
// - DNS rebinding: a hostile name resolved to 127.0.0.1 makes a page same-origin with the
//   gateway, so a loopback listener serves only Host names that are its own (localhost,
//   127.0.0.1, [::1], the listener's address, the hosts of http.allowed.origins), else 421.
// Clients that are not browsers (curl, scripts, `ws`) send no Origin and are served.
import { normalizeOrigin } from '../config/config.js';
import { HttpError } from './router.js';
import { RestErrorCode } from './error-codes.js';

/** The request headers the policy reads ('' when absent). */
export interface BrowserHeaders {
  origin: string;
  host: string;
  fetchSite: string;
  fetchMode: string;
}

/** What one listener serves. */
export interface ListenerScope {
  /** Whether every address it is bound to is a loopback one. */
  loopback: boolean;
  /** Host names (lowercase, IPv6 in brackets, no port) it answers to; null: any. */
  hostNames: ReadonlySet<string> | null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const CORS_METHODS = 'GET, HEAD, POST, PUT, DELETE';
/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** A loopback address (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

/** A Host header parsed as the authority of an http URL (null when it is anything more). */
function parseHost(host: string): URL | null {
  try {
    const url = new URL(`http://${host}`);
    return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && !host.includes('/') ? url : null;
  } catch {
    return null;
  }
}

export class OriginPolicy {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;
  /** Host names of the allowed origins: a loopback listener also answers to them. */
  private readonly originHostNames: string[];

  /** `allowedOrigins` as BrokerConfig.httpAllowedOrigins gives them (normalized; ['*']: any). */
  constructor(allowedOrigins: readonly string[]) {
    this.anyOrigin = allowedOrigins.includes('*');
    this.origins = new Set(allowedOrigins);
    this.originHostNames = allowedOrigins.filter((o) => o !== 'null' && o !== '*').map((o) => new URL(o).hostname);
  }

  /** The scope of a listener configured with `host` and bound to `address` ('' for all interfaces). */
  scope(host: string, address: string): ListenerScope {
    const loopback = address !== '' && isLoopbackAddress(address);
    if (!loopback || this.anyOrigin) return { loopback, hostNames: null };
    const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h).toLowerCase();
    return { loopback: true, hostNames: new Set([...LOOPBACK_NAMES, bracket(host), bracket(address), ...this.originHostNames]) };
  }

  /** Why this request may not be served (403 or 421), or null. */
  refusal(scope: ListenerScope, h: BrowserHeaders): HttpError | null {
    // No Host at all (HTTP/1.0) is no browser's request: DNS rebinding needs one.
    if (scope.hostNames !== null && h.host !== '') {
      const name = parseHost(h.host)?.hostname;
      if (name === undefined || !scope.hostNames.has(name)) {
        return new HttpError(421, RestErrorCode.MISDIRECTED_HOST, `Host ${h.host} is not a name of this gateway; to reach it under that name, add the origin to http.allowed.origins.`);
      }
    }
    if (h.origin !== '') {
      if (!this.allows(h.origin, h.host)) return new HttpError(403, RestErrorCode.ORIGIN_NOT_ALLOWED, `Origin ${h.origin} is not allowed to use this gateway; allow it in http.allowed.origins.`);
    } else if ((h.fetchSite === 'cross-site' || h.fetchSite === 'same-site') && h.fetchMode !== 'navigate' && !this.anyOrigin) {
      return new HttpError(403, RestErrorCode.CROSS_SITE_REQUEST, 'A request embedded in a page from another site is refused; let that page request with CORS from an origin in http.allowed.origins.');
    }
    return null;
  }

  /** Whether a page of `origin` may use the gateway, asked under `host` (the Host header). */
  allows(origin: string, host: string): boolean {
    if (this.anyOrigin) return true;
    const normalized = normalizeOrigin(origin);
    if (normalized === null) return false;
    if (this.origins.has(normalized)) return true;
    // Its own origin: the page came from the address this request is sent to (http or, behind
    // a TLS proxy that keeps the Host, https).
    const own = parseHost(host)?.host;
    return own !== undefined && /^https?:\/\//.test(normalized) && normalized.slice(normalized.indexOf('//') + 2) === own;
  }

  /** Headers for the answer to an allowed request that carries an Origin. */
  corsHeaders(origin: string): [string, string][] {
    return origin === '' ? [] : [['access-control-allow-origin', origin], ['vary', 'Origin']];
  }

  /** Headers for the answer to an allowed CORS preflight. */
  preflightHeaders(origin: string, requestHeaders: string, privateNetwork: boolean): [string, string][] {
    const headers: [string, string][] = [
      ['access-control-allow-origin', origin],
      ['access-control-allow-methods', CORS_METHODS],
      ['access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS)],
      ['vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'],
    ];
    // The origin is trusted: whatever headers it wants to send are fine (a token list only).
    if (/^[\w-]+(\s*,\s*[\w-]+)*$/.test(requestHeaders)) headers.push(['access-control-allow-headers', requestHeaders]);
    // Chromium's Private Network Access: a public page calling localhost asks this too.
    if (privateNetwork) headers.push(['access-control-allow-private-network', 'true']);
    return headers;
  }
}
