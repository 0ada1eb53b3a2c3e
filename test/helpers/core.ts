// Shared test helpers for the core: one Core per test file, fixtures, and a gzip codec.
import { readFileSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { Core, type Codecs } from '../../src/core/index.js';

export const core = Core.create();

const FIXTURES = new URL('../unit/core/fixtures/', import.meta.url);

export interface FixtureRecord {
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: { key: string; value: string }[];
}

export interface Fixture {
  file: string;
  client: string;
  codec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  magic: 0 | 1 | 2;
  headers: boolean;
  bytes: Uint8Array;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')) as {
  records: FixtureRecord[];
  fixtures: Omit<Fixture, 'bytes'>[];
};

export const fixtureRecords = manifest.records;
export const fixtures: Fixture[] = manifest.fixtures.map((f) => ({ ...f, bytes: new Uint8Array(readFileSync(new URL(f.file, FIXTURES))) }));

export const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/** gzip only: enough for the core's tests (the broker's codec module covers the rest). */
export const gzipCodecs: Codecs = {
  compress(codec, data) {
    if (codec !== 1) throw new Error(`codec ${codec} not available in this test`);
    return gzipSync(data);
  },
  decompress(codec, data) {
    if (codec !== 1) throw new Error(`codec ${codec} not available in this test`);
    return gunzipSync(data);
  },
};

export const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

/** Bitwise reflected CRC: the slow, obviously correct reference. */
export function referenceCrc(reflectedPoly: number, bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
  }
  return ~c >>> 0;
}

export function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
