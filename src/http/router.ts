// The gateway's routing: a request as plain values (uWS's own request object dies at the
// first await), a tiny path matcher, and errors as Confluent REST Proxy JSON bodies.
import type { KafkaPrincipal } from '../security/principal.js';

import { RestErrorCode } from './error-codes.js';

/** An error answered as `status` with a body carrying `errorCode` and the message. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly errorCode: RestErrorCode, message: string) {
    super(message);
  }
}

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  contentType: string;
  accept: string;
  host: string;
  body: Buffer;
  /** Who sent it: User:<name> with http.authentication.method=BASIC, else User:ANONYMOUS (for authorization). */
  principal: KafkaPrincipal;
  /** The client's IP address (what ACLs' hosts match). */
  clientHost: string;
}

export interface HttpReply {
  status: number;
  body: string | Buffer;
  contentType: string;
}

type RouteHandler = (req: HttpRequest) => HttpReply | Promise<HttpReply>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

export const V2_JSON = 'application/vnd.kafka.v2+json';
const V3_JSON = 'application/json';

export function json(value: unknown, status = 200, contentType = V3_JSON): HttpReply {
  return { status, body: JSON.stringify(value), contentType };
}

export function noContent(): HttpReply {
  return { status: 204, body: '', contentType: V3_JSON };
}

export function errorReply(status: number, errorCode: RestErrorCode, message: string): HttpReply {
  return json({ error_code: errorCode, message }, status);
}

/** The body as JSON; 400 (Confluent answers malformed JSON so) when it is not. */
export function parseJson(req: HttpRequest): unknown {
  if (req.body.length === 0) return null;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, RestErrorCode.MALFORMED_REQUEST, `Malformed JSON: ${(e as Error).message}`);
  }
}

export function objectBody(req: HttpRequest): Record<string, unknown> {
  const body = parseJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** A non-negative integer from a path or query parameter, else 4xx. */
export function intParam(value: string | null | undefined, name: string, fallback?: number): number {
  if (value === null || value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new HttpError(422, RestErrorCode.INVALID_ENTITY, `${name} is required`);
  }
  if (!/^\d+$/.test(value)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, `${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The handler and path parameters for a request, null (404) or 'method' (405). */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | null | 'method' {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const s = route.segments[i];
        if (s.startsWith(':')) {
          try {
            params[s.slice(1)] = decodeURIComponent(parts[i]);
          } catch {
            ok = false;
          }
        } else ok = s === parts[i];
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method || (route.method === 'GET' && method === 'HEAD')) return { handler: route.handler, params };
    }
    return pathMatched ? 'method' : null;
  }
}
