// Kafka's compression codecs, by codec id (record batch attributes bits 0-2):
// 1 gzip (node:zlib), 2 snappy (snappy; raw blocks or the Java client's xerial framing),
// 3 lz4 (lz4-napi, frame format with independent blocks; KIP-57 header checksum for
// magic 0), 4 zstd (@bokuweb/zstd-wasm). Batches are stored as producers sent them: the
// broker compresses and decompresses only to convert legacy message sets, to read records
// for tools and offsets-by-timestamp, and for a topic compression.type other than producer.
import { gzipSync, gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as Snappy from 'snappy';
import type * as Lz4 from 'lz4-napi';
import type * as Zstd from '@bokuweb/zstd-wasm';
import type { Codecs } from '../core/index.js';

// The codec libraries load on first use: most brokers never see half of them, and startup
// is measured (BENCHMARKS.md).
const require = createRequire(import.meta.url);
let snappyLib: typeof Snappy | undefined;
let lz4Lib: typeof Lz4 | undefined;
let zstd: typeof Zstd | undefined;
const snappy = () => (snappyLib ??= require('snappy') as typeof Snappy);
const lz4 = () => (lz4Lib ??= require('lz4-napi') as typeof Lz4);

export const NONE = 0;
export const GZIP = 1;
export const SNAPPY = 2;
export const LZ4 = 3;
export const ZSTD = 4;
export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** compression.type -> codec id ('producer' = null: keep the producer's). */
export function codecOf(compressionType: string): number | null {
  if (compressionType === 'producer') return null;
  if (compressionType === 'uncompressed') return NONE;
  const id = (CODEC_NAMES as readonly string[]).indexOf(compressionType);
  if (id < 0) throw new RangeError(`unknown compression type ${compressionType}`);
  return id;
}

export class CompressionError extends Error {
  override name = 'CompressionError';
}

let xxh32: ((input: Uint8Array, seed?: number) => number) | undefined;
let ready: Promise<void> | undefined;

/**
 * Loads the WASM codecs (zstd, xxhash). The broker starts this at startup without waiting
 * (zstd's module takes ~60 ms to compile); code that may meet zstd or 0.8-era lz4 awaits
 * it first. Memoized: later calls return at once.
 */
export function initCompression(): Promise<void> {
  // require(), not import(): the bundle runs from V8's code cache, where Node 20 cannot
  // resolve dynamic imports (tools/bundle.mjs).
  ready ??= (async () => {
    const z = require('@bokuweb/zstd-wasm') as typeof Zstd;
    await z.init();
    xxh32 = (await (require('xxhash-wasm') as () => Promise<{ h32Raw: (input: Uint8Array, seed?: number) => number }>)()).h32Raw;
    zstd = z;
  })();
  return ready;
}

// --- snappy --------------------------------------------------------------------------------

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_BLOCK = 32 * 1024;

function snappyDecompress(data: Uint8Array): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 16 || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return snappy().uncompressSync(buf) as Buffer;
  // xerial framing: magic, int32 version, int32 compatible version, then [int32 length][raw block]...
  const blocks: Buffer[] = [];
  for (let at = 16; at < buf.length;) {
    if (at + 4 > buf.length) throw new CompressionError('truncated xerial snappy block length');
    const length = buf.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > buf.length) throw new CompressionError('truncated xerial snappy block');
    blocks.push(snappy().uncompressSync(buf.subarray(at, at + length)) as Buffer);
    at += length;
  }
  return Buffer.concat(blocks);
}

/** Compresses in the xerial framing the Java client writes (and every client reads). */
function snappyCompress(data: Uint8Array): Buffer {
  const header = Buffer.alloc(16);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length || at === 0; at += XERIAL_BLOCK) {
    const block = snappy().compressSync(Buffer.from(data.buffer, data.byteOffset + at, Math.min(XERIAL_BLOCK, data.length - at)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}

// --- lz4 -------------------------------------------------------------------------------------

/** Frame descriptor length: FLG, BD and, if FLG says so, an 8-byte content size. */
function descriptorLength(frame: Uint8Array): number {
  return 2 + (frame[4] & 0x08 ? 8 : 0);
}

/**
 * KIP-57: Kafka 0.8-0.9 computed the LZ4 frame header checksum over the magic number too.
 * Magic 0 sets carry that checksum; restore the standard one before decompressing, and
 * write the old one when producing a magic 0 set.
 */
function withHeaderChecksum(frame: Uint8Array, kafka08: boolean): Buffer {
  if (!xxh32) throw new CompressionError('compression not initialised (initCompression)');
  const out = Buffer.from(frame);
  if (out.length < 7) throw new CompressionError('truncated lz4 frame header');
  const end = 4 + descriptorLength(out);
  const covered = kafka08 ? out.subarray(0, end) : out.subarray(4, end);
  out[end] = (xxh32(covered, 0) >>> 8) & 0xff;
  return out;
}

function lz4Decompress(data: Uint8Array, magic: number): Buffer {
  const frame = magic === 0 ? withHeaderChecksum(data, false) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return lz4().decompressFrameSync(frame) as Buffer;
}

function lz4Compress(data: Uint8Array, magic: number): Buffer {
  const frame = lz4().compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Buffer;
  return magic === 0 ? withHeaderChecksum(frame, true) : frame;
}

// --- zstd --------------------------------------------------------------------------------------

/** Frames without a content size need an output bound: start at 1 MiB, grow to this. */
const ZSTD_MAX_OUTPUT = 256 << 20;

function zstdLib(): typeof Zstd {
  if (!zstd) throw new CompressionError('zstd is still loading (initCompression)');
  return zstd;
}

function zstdDecompress(data: Uint8Array): Uint8Array {
  for (let heap = Math.max(1 << 20, data.length * 8); ; heap *= 4) {
    try {
      return zstdLib().decompress(data, { defaultHeapSize: heap });
    } catch (e) {
      if (heap >= ZSTD_MAX_OUTPUT) throw new CompressionError(`zstd: ${(e as Error).message}`);
    }
  }
}

// --- by id ---------------------------------------------------------------------------------------

export const codecs: Codecs = {
  compress(codec, data, magic) {
    switch (codec) {
      case GZIP: return gzipSync(data);
      case SNAPPY: return snappyCompress(data);
      case LZ4: return lz4Compress(data, magic);
      case ZSTD: return zstdLib().compress(Buffer.from(data.buffer, data.byteOffset, data.byteLength), 3);
      default: throw new CompressionError(`unsupported compression codec ${codec}`);
    }
  },
  decompress(codec, data, magic) {
    try {
      switch (codec) {
        case GZIP: return gunzipSync(data);
        case SNAPPY: return snappyDecompress(data);
        case LZ4: return lz4Decompress(data, magic);
        case ZSTD: return zstdDecompress(data);
        default: throw new CompressionError(`unsupported compression codec ${codec}`);
      }
    } catch (e) {
      if (e instanceof CompressionError) throw e;
      throw new CompressionError(`${CODEC_NAMES[codec] ?? codec}: ${(e as Error).message}`);
    }
  },
};
