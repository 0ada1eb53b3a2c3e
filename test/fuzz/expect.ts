// What the broker must do with a byte stream, worked out with the same generated codecs it
// uses: answer each whole frame it can parse (in order, with the frame's correlation id and
// a response that decodes at the request's version), and close the connection at the first
// frame it cannot (bad size, malformed header, API or version not served, body that does
// not parse). ApiVersions at an unserved version is answered in the v0 layout (KIP-511);
// Produce with acks=0 is not answered when it succeeds (and may be when it fails).
import { Reader } from '../../src/protocol/codec.js';
import { ALL_APIS } from '../../src/protocol/generated/index.js';
import { readRequestHeader } from '../../src/protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion, API_VERSIONS_KEY } from '../../src/protocol/headers.js';

const PRODUCE_KEY = 0;

export interface Served {
  minVersion: number;
  maxVersion: number;
}

export interface Due {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** acks=0: a response may or may not come. */
  optional: boolean;
}

export interface Expectation {
  answers: Due[];
  /** After the answers: the connection is closed, or the broker waits for more bytes. */
  then: 'close' | 'wait';
  /** Why it closes, when it does. */
  reason?: string;
}

export function expectationOf(bytes: Buffer, served: ReadonlyMap<number, Served>, maxRequestBytes: number): Expectation {
  const answers: Due[] = [];
  let at = 0;
  while (bytes.length - at >= 4) {
    const size = bytes.readInt32BE(at);
    if (size <= 0 || size > maxRequestBytes) return { answers, then: 'close', reason: `frame size ${size}` };
    if (at + 4 + size > bytes.length) break;
    const frame = bytes.subarray(at + 4, at + 4 + size);
    at += 4 + size;
    const due = parse(frame, served);
    if (typeof due === 'string') return { answers, then: 'close', reason: due };
    if (due) answers.push(due);
  }
  return { answers, then: 'wait' };
}

/** The answer a whole frame is due, null for none, or why the connection must close. */
function parse(frame: Buffer, served: ReadonlyMap<number, Served>): Due | null | string {
  const r = new Reader(frame);
  let apiKey: number;
  let apiVersion: number;
  let correlationId: number;
  try {
    apiKey = r.int16();
    apiVersion = r.int16();
    r.pos = 0;
    correlationId = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion)).correlationId;
  } catch {
    return 'malformed header';
  }
  const range = served.get(apiKey);
  if (!range) return `API key ${apiKey} not served`;
  if (apiVersion < range.minVersion || apiVersion > range.maxVersion) {
    if (apiKey === API_VERSIONS_KEY) return { apiKey, apiVersion: 0, correlationId, optional: false };
    return `version ${apiVersion} of API key ${apiKey} not served`;
  }
  const api = ALL_APIS.find((a) => a.key === apiKey)!;
  let body: unknown;
  try {
    body = api.readRequest(r, apiVersion);
  } catch {
    return 'body does not parse';
  }
  const optional = apiKey === PRODUCE_KEY && (body as { acks: number }).acks === 0;
  return { apiKey, apiVersion, correlationId, optional };
}

/** Decodes a response frame (without its size) as the answer to `due`; throws when it does not decode whole. */
export function decodeResponse(frame: Buffer, due: Due): unknown {
  const r = new Reader(frame);
  r.int32(); // correlation id, checked by the caller
  if (responseHeaderVersion(due.apiKey, due.apiVersion) >= 1) r.taggedFields();
  const api = ALL_APIS.find((a) => a.key === due.apiKey)!;
  const body = api.readResponse(r, due.apiVersion);
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after ${api.name} v${due.apiVersion} response`);
  return body;
}
