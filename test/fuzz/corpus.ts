// The fuzz corpus: request frames captured from real clients (corpus/<client>.json, written
// by tools/capture-requests.mjs), each with its field layout.
//
// One change is made to what the clients sent: a Fetch's max wait is cut to FETCH_WAIT_MS, so
// a fuzz case spends its time on the broker's parsing, not on a long poll's timer (every
// other byte is the client's; mutated frames still reach any wait the bytes ask for).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, Writer } from '../../src/protocol/codec.js';
import { ALL_APIS } from '../../src/protocol/generated/index.js';
import { layoutOf, type Layout } from './trace.js';

const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const FETCH_KEY = 1;
const PRODUCE_KEY = 0;
/** A captured Fetch's max wait is cut to this. */
export const FETCH_WAIT_MS = 20;

export interface Seed {
  /** e.g. "kafkajs Produce v7 #1" */
  name: string;
  client: string;
  apiKey: number;
  apiVersion: number;
  frame: Buffer;
  layout: Layout;
  /** False for Produce with acks=0 (no response is due). */
  answered: boolean;
}

interface CorpusFile {
  frames: { apiKey: number; apiVersion: number; frame: string }[];
}

export function loadCorpus(dir = CORPUS_DIR): Seed[] {
  const seeds: Seed[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const client = file.replace(/\.json$/, '');
    const { frames } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CorpusFile;
    const counts = new Map<string, number>();
    for (const entry of frames) {
      const api = ALL_APIS.find((a) => a.key === entry.apiKey)!;
      const label = `${api.name} v${entry.apiVersion}`;
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      const captured = Buffer.from(entry.frame, 'hex');
      const { frame, body } = normalise(captured, entry.apiKey, entry.apiVersion);
      seeds.push({
        name: `${client} ${label} #${n}`, client, apiKey: entry.apiKey, apiVersion: entry.apiVersion, frame, layout: layoutOf(frame),
        answered: !(entry.apiKey === PRODUCE_KEY && (body as { acks: number }).acks === 0),
      });
    }
  }
  return seeds;
}

/** Decodes a captured frame; re-encodes it (header bytes kept) when a wait had to be cut. */
function normalise(frame: Buffer, apiKey: number, apiVersion: number): { frame: Buffer; body: unknown } {
  const api = ALL_APIS.find((a) => a.key === apiKey)!;
  const { bodyAt } = layoutOf(frame);
  const body = api.readRequest(new Reader(frame, bodyAt), apiVersion) as Record<string, unknown>;
  if (apiKey !== FETCH_KEY || (body.maxWaitMs as number) <= FETCH_WAIT_MS) return { frame, body };
  body.maxWaitMs = FETCH_WAIT_MS;
  const w = new Writer();
  w.raw(frame.subarray(0, bodyAt));
  (api.writeRequest as (w: Writer, v: number, m: unknown) => void)(w, apiVersion, body);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  return { frame: out, body };
}
