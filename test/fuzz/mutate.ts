// Fuzz cases: a captured frame (or several) changed by one or more mutators, and how the
// bytes are delivered (one write, split at random points, a few bytes at a time) and how the
// connection ends (wait for the broker, half-close, abrupt reset).
//
// Structure-aware where it is cheap: trace.ts says where each length prefix, array count
// and integer of a frame lies, so interesting integers land on them; record batches inside
// Produce get their CRC recomputed after a change, so the core's parsing past the CRC check
// is reached too.
import { ABI, type Core } from '../../src/core/index.js';
import type { Seed } from './corpus.js';
import type { Random } from './random.js';
import type { Field } from './trace.js';

export type Delivery = 'whole' | 'split' | 'slow';
export type Ending = 'wait' | 'end' | 'destroy';

export interface Case {
  index: number;
  /** Names of the seeds used, in order. */
  seeds: string[];
  /** Mutators applied, in order. */
  mutations: string[];
  /** Everything written to the connection. */
  bytes: Buffer;
  delivery: Delivery;
  /** Write boundaries for 'split' and 'slow'. */
  cuts: number[];
  ending: Ending;
}

export interface MutateContext {
  seeds: readonly Seed[];
  core: Core;
  /** The broker's socket.request.max.bytes. */
  maxRequestBytes: number;
}

const I8 = [0, 1, -1, 0x7f, -0x80, 2, 0x40];
const I16 = [0, 1, -1, -2, 2, 0x7fff, -0x8000, 0xff, 0x100, 0x7ffe, 0x4000, 16];
const I32 = [0, 1, -1, -2, 2, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 0x7ffffffe, 0x100, 1 << 24, 1 << 20, 100 << 20, -0x7fffffff, 1000];
const I64 = [0n, 1n, -1n, -2n, (1n << 63n) - 1n, -(1n << 63n), 1n << 53n, (1n << 53n) + 1n, 1n << 32n, 1n << 31n, -(1n << 53n)];
/** Unsigned varints: ordinary values, the largest 5-byte ones, and malformed encodings. */
const VARINTS: readonly Buffer[] = [
  ...[0, 1, 2, 0x7f, 0x80, 0x3fff, 0x4000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 34].map(uvarint),
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // six bytes: longer than any Kafka varint
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), // unterminated
  Buffer.from([0x80]),
];
const BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

function uvarint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Writes an interesting integer of `width` bytes at `at` (big-endian, as Kafka's). */
function putInteresting(rnd: Random, frame: Buffer, at: number, width: number, near?: number): void {
  if (at < 0 || at + width > frame.length) return;
  if (near !== undefined && rnd.chance(0.3)) {
    // Off by a little from the true value: lengths one short or one long.
    const v = near + rnd.pick([-2, -1, 1, 2, 8, -8]);
    if (width === 2) frame.writeInt16BE(clamp(v, -0x8000, 0x7fff), at);
    else if (width === 4) frame.writeInt32BE(clamp(v, -0x80000000, 0x7fffffff), at);
    return;
  }
  if (width === 1) frame.writeInt8(rnd.pick(I8), at);
  else if (width === 2) frame.writeInt16BE(rnd.pick(I16), at);
  else if (width === 4) frame.writeInt32BE(rnd.pick(I32), at);
  else if (width === 8) frame.writeBigInt64BE(rnd.pick(I64), at);
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

function readFixed(frame: Buffer, f: Field): number | undefined {
  if (f.width === 2) return frame.readInt16BE(f.at);
  if (f.width === 4) return frame.readInt32BE(f.at);
  return undefined;
}

function withCorrelationId(frame: Buffer, id: number): Buffer {
  const out = Buffer.from(frame);
  out.writeInt32BE(id, 8);
  return out;
}

/** Sets the size prefix to what follows it. */
function fixSize(frame: Buffer): Buffer {
  if (frame.length >= 4) frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

type Mutator = (rnd: Random, frame: Buffer, seed: Seed, ctx: MutateContext) => Buffer;

const bitflip: Mutator = (rnd, frame) => {
  const out = Buffer.from(frame);
  if (out.length <= 4) return out;
  for (let n = rnd.int(1, 8); n > 0; n--) {
    const at = rnd.int(4, out.length - 1);
    out[at] ^= 1 << rnd.below(8);
  }
  return out;
};

const byteReplace: Mutator = (rnd, frame) => {
  const out = Buffer.from(frame);
  if (out.length <= 4) return out;
  for (let n = rnd.int(1, 4); n > 0; n--) out[rnd.int(4, out.length - 1)] = rnd.chance(0.5) ? rnd.pick(BYTES) : rnd.int(0, 255);
  return out;
};

/** An interesting integer on a traced field: lengths and counts most of the time. */
const field: Mutator = (rnd, frame, seed, ctx) => {
  const out = Buffer.from(frame);
  const fields = seed.layout.fields.filter((f) => f.at + f.width <= out.length);
  if (fields.length === 0) return bitflip(rnd, frame, seed, ctx);
  const sized = fields.filter((f) => f.kind === 'length' || f.kind === 'count');
  const f = sized.length > 0 && rnd.chance(0.6) ? rnd.pick(sized) : rnd.pick(fields);
  if (f.varint) return Buffer.concat([out.subarray(0, f.at), rnd.pick(VARINTS), out.subarray(f.at + f.width)]);
  putInteresting(rnd, out, f.at, f.width, readFixed(out, f));
  return out;
};

/** An interesting integer at a random aligned offset of the body. */
const aligned: Mutator = (rnd, frame, seed) => {
  const out = Buffer.from(frame);
  const width = rnd.pick([2, 4, 4, 8]);
  const body = seed.layout.bodyAt;
  if (out.length - body < width) return out;
  const at = body + Math.floor(rnd.int(0, out.length - body - width) / width) * width;
  putInteresting(rnd, out, at, width);
  return out;
};

const truncate: Mutator = (rnd, frame) => fixSize(Buffer.from(frame.subarray(0, rnd.int(4, Math.max(4, frame.length - 1)))));

const extend: Mutator = (rnd, frame) => {
  const extra = rnd.chance(0.5) ? Buffer.alloc(rnd.int(1, 64), rnd.pick(BYTES)) : rnd.bytes(rnd.int(1, 64));
  return fixSize(Buffer.concat([frame, extra]));
};

/** Inserts or deletes a few bytes in the middle. */
const shift: Mutator = (rnd, frame) => {
  const at = rnd.int(4, Math.max(4, frame.length - 1));
  if (rnd.chance(0.5)) return fixSize(Buffer.concat([frame.subarray(0, at), rnd.bytes(rnd.int(1, 8)), frame.subarray(at)]));
  return fixSize(Buffer.concat([frame.subarray(0, at), frame.subarray(Math.min(frame.length, at + rnd.int(1, 8)))]));
};

/** A wrong API key, version or both: bodies parsed with another version's (or API's) layout. */
const header: Mutator = (rnd, frame, seed, ctx) => {
  const out = Buffer.from(frame);
  if (out.length < 14) return out;
  const other = rnd.pick(ctx.seeds);
  switch (rnd.below(5)) {
    case 0: out.writeInt16BE(rnd.pick([-1, 0x7fff, -0x8000, rnd.int(0, 80), other.apiKey]), 4); break;
    case 1: out.writeInt16BE(rnd.pick([-1, 0x7fff, rnd.int(0, 20), seed.apiVersion + 1, seed.apiVersion - 1]), 6); break;
    case 2: out.writeInt16BE(other.apiKey, 4); out.writeInt16BE(rnd.int(0, 17), 6); break;
    case 3: out.writeInt16BE(rnd.pick(I16), 12); break; // client id length
    default: out.writeInt16BE(seed.apiKey, 4); out.writeInt16BE(other.apiVersion, 6); break;
  }
  return out;
};

/** A frame size that disagrees with the bytes: zero, negative, huge, off by a little. */
const sizePrefix: Mutator = (rnd, frame, _seed, ctx) => {
  const out = Buffer.from(frame);
  if (out.length < 4) return out;
  const size = frame.length - 4;
  const max = ctx.maxRequestBytes;
  out.writeInt32BE(rnd.pick([0, -1, -0x80000000, 0x7fffffff, max + 1, max, 1, 2, 3, 7, 9, size + 1, size - 1, size + rnd.int(2, 4096), Math.max(0, size - rnd.int(2, 20)), 1 << 20, 16 << 20]), 0);
  return out;
};

/** The header of one frame before the body of another. */
const splice: Mutator = (rnd, frame, seed, ctx) => {
  const other = rnd.pick(ctx.seeds);
  if (rnd.chance(0.5)) return fixSize(Buffer.concat([frame.subarray(0, seed.layout.bodyAt), other.frame.subarray(other.layout.bodyAt)]));
  const cut = rnd.int(Math.min(4, frame.length), frame.length);
  return fixSize(Buffer.concat([frame.subarray(0, cut), other.frame.subarray(Math.min(other.frame.length, cut))]));
};

/** A change inside a Produce's record set, its CRC made right again so parsing goes past it. */
const batch: Mutator = (rnd, frame, seed, ctx) => {
  const blob = seed.layout.blobs.length > 0 ? rnd.pick(seed.layout.blobs) : null;
  if (!blob || blob.length < 17 || blob.at + blob.length > frame.length) return field(rnd, frame, seed, ctx);
  const out = Buffer.from(frame);
  const c = ABI;
  const start = blob.at;
  const end = blob.at + blob.length;
  const magic = out[start + 16]; // offset(8) length(4) then leader epoch (v2) or crc (v0/v1)
  const extent = Math.min(end, start + 12 + Math.max(0, out.readInt32BE(start + 8)));
  if (magic === 2 && extent - start > c.BATCH_HEADER_SIZE) {
    const span = extent - start;
    const width = rnd.pick([1, 2, 4, 8]);
    const at = rnd.chance(0.5) ? start + rnd.below(c.BATCH_HEADER_SIZE - width) : start + c.BATCH_HEADER_SIZE + rnd.below(span - c.BATCH_HEADER_SIZE);
    if (rnd.chance(0.5) && at + width <= extent) putInteresting(rnd, out, at, width);
    else out[Math.min(at, extent - 1)] ^= 1 << rnd.below(8);
    if (rnd.chance(0.9)) out.writeUInt32BE(ctx.core.crc32c(out.subarray(start + c.BATCH_ATTRIBUTES, extent)), start + c.BATCH_CRC);
    return out;
  }
  if (magic === 0 || magic === 1) {
    // A legacy message: its CRC-32 (at 12) covers magic onwards.
    const at = start + 16 + rnd.below(extent - start - 16);
    out[at] ^= 1 << rnd.below(8);
    if (rnd.chance(0.9)) out.writeUInt32BE(ctx.core.crc32(out.subarray(start + 16, extent)), start + 12);
    return out;
  }
  return bitflip(rnd, frame, seed, ctx);
};

const garbage: Mutator = (rnd) => fixSize(rnd.bytes(rnd.int(4, 200)));

/** Single-frame mutators and their weights. */
const MUTATORS: readonly (readonly [number, [string, Mutator]])[] = [
  [8, ['bitflip', bitflip]],
  [6, ['byte', byteReplace]],
  [16, ['field', field]],
  [5, ['aligned', aligned]],
  [6, ['truncate', truncate]],
  [3, ['extend', extend]],
  [4, ['shift', shift]],
  [8, ['header', header]],
  [5, ['size', sizePrefix]],
  [4, ['splice', splice]],
  [8, ['batch', batch]],
  [1, ['garbage', garbage]],
];

export const MUTATOR_NAMES = MUTATORS.map(([, [name]]) => name);

function mutateOne(rnd: Random, seed: Seed, ctx: MutateContext, names: string[]): Buffer {
  let frame = seed.frame;
  const rounds = rnd.chance(0.15) ? rnd.int(2, 4) : 1;
  for (let i = 0; i < rounds; i++) {
    const [name, mutate] = rnd.weighted(MUTATORS);
    names.push(name);
    // Later rounds work on bytes whose layout moved: the seed's layout is only a guide then.
    frame = mutate(rnd, frame, seed, ctx);
  }
  return frame;
}

/** The case at `index` of a run seeded with `seed`: the same (seed, index), the same case. */
export function makeCase(rnd: Random, index: number, ctx: MutateContext): Case {
  const seeds: string[] = [];
  const mutations: string[] = [];
  const kind = rnd.weighted([[60, 'seed'], [840, 'mutated'], [60, 'pipeline'], [5, 'repeat'], [35, 'mixed']] as const);
  let bytes: Buffer;
  if (kind === 'seed' || kind === 'mutated') {
    const seed = rnd.pick(ctx.seeds);
    seeds.push(seed.name);
    if (kind === 'seed') mutations.push('none');
    bytes = kind === 'seed' ? seed.frame : mutateOne(rnd, seed, ctx, mutations);
  } else if (kind === 'repeat') {
    // One real frame many times over: in-flight limits and back-pressure, not parsing.
    const seed = rnd.pick(ctx.seeds);
    seeds.push(seed.name);
    mutations.push('repeat');
    bytes = Buffer.concat(Array.from({ length: rnd.int(50, 600) }, (_, i) => withCorrelationId(seed.frame, i + 1)));
  } else {
    // Many frames in one write; 'mixed' mutates some of them.
    mutations.push(kind);
    const frames: Buffer[] = [];
    for (let n = rnd.int(2, 32); n > 0; n--) {
      const picked = rnd.pick(ctx.seeds);
      seeds.push(picked.name);
      // Distinct correlation ids, as a client's: answers are matched to requests by them.
      const seed = { ...picked, frame: withCorrelationId(picked.frame, n) };
      frames.push(kind === 'mixed' && rnd.chance(0.3) ? mutateOne(rnd, seed, ctx, mutations) : seed.frame);
    }
    bytes = Buffer.concat(frames);
  }
  const delivery = bytes.length < 2 ? 'whole' : rnd.weighted([[80, 'whole'], [12, 'split'], [8, 'slow']] as const);
  const cuts: number[] = [];
  if (delivery === 'split') {
    for (let n = rnd.int(1, 8); n > 0; n--) cuts.push(rnd.int(1, bytes.length - 1));
    cuts.sort((a, b) => a - b);
  } else if (delivery === 'slow') {
    // A few bytes per write over the first KiB at most, then the rest at once.
    for (let at = rnd.int(1, 3); at < Math.min(bytes.length, 1024); at += rnd.int(1, 3)) cuts.push(at);
  }
  const ending = rnd.weighted([[85, 'wait'], [8, 'end'], [7, 'destroy']] as const);
  if (ending !== 'wait' && bytes.length > 1 && rnd.chance(0.6)) bytes = bytes.subarray(0, rnd.int(1, bytes.length)); // stop mid-frame
  return { index, seeds, mutations, bytes, delivery, cuts: cuts.filter((c) => c < bytes.length), ending };
}
