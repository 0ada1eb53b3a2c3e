// CRC-32C (Castagnoli) for record batches and CRC-32 (IEEE) for legacy message sets.
//
// Tables alone cost one lookup per byte (slicing-by-16 here: ~2 GB/s). Long inputs go
// through a table-free fold first (the "Chorba" idea, Russell 2024): if P(x) is a multiple
// of the generator G with few terms, 1 + x^r1 + ... + x^d, then x^d = 1 + x^r1 + ... (mod G),
// and since P(x^8) = P(x)^8 over GF(2), a byte d bytes before the end of the data can be
// replaced by XORing it into the bytes (d - r) positions later, one per term, without
// changing the CRC. Done 16 bytes at a time with SIMD this leaves only the last d bytes for
// the tables. Weight-4 multiple: 3 loads per 16 bytes, reaches 5275 bytes; weight-6
// multiple: 5 loads, reaches 266 bytes. Both come from tools/find-crc-multiples.mjs. The
// shortest distance matters: a load from a few vectors back straddles two recent stores
// and stalls on store forwarding (the 209-byte multiple, shortest distance 65, measured
// up to 30% slower at 4-8 KiB than this one, shortest distance 123).
// The fold pulls instead of pushes: folded[i] = in[i] ^ folded[i - (d - r)] for each term,
// kept in a sliding window (history of d bytes + a chunk), so the input is never written.
import { CRC32C_TABLES, CRC32_TABLES, BYTE_MASKS } from './tables';
import { assertRange } from './checks';

// @ts-ignore: decorator
@inline function lookup(tables: usize, k: usize, index: u32): u32 {
  return load<u32>(tables + (k << 10) + (<usize>(index & 0xff) << 2));
}

/** Slicing-by-16 over a reflected CRC register (no pre/post inversion). */
// @ts-ignore: decorator
@inline function sliced(tables: usize, crc: u32, p: usize, n: usize): u32 {
  const end = p + n;
  let c = crc;
  while (p + 16 <= end) {
    const a = load<u32>(p) ^ c;
    c = (lookup(tables, 15, a) ^ lookup(tables, 14, a >> 8) ^ lookup(tables, 13, a >> 16) ^ lookup(tables, 12, a >> 24))
      ^ (lookup(tables, 11, load<u8>(p, 4)) ^ lookup(tables, 10, load<u8>(p, 5)) ^ lookup(tables, 9, load<u8>(p, 6)) ^ lookup(tables, 8, load<u8>(p, 7)))
      ^ (lookup(tables, 7, load<u8>(p, 8)) ^ lookup(tables, 6, load<u8>(p, 9)) ^ lookup(tables, 5, load<u8>(p, 10)) ^ lookup(tables, 4, load<u8>(p, 11)))
      ^ (lookup(tables, 3, load<u8>(p, 12)) ^ lookup(tables, 2, load<u8>(p, 13)) ^ lookup(tables, 1, load<u8>(p, 14)) ^ lookup(tables, 0, load<u8>(p, 15)));
    p += 16;
  }
  while (p + 4 <= end) {
    const a = load<u32>(p) ^ c;
    c = lookup(tables, 3, a) ^ lookup(tables, 2, a >> 8) ^ lookup(tables, 1, a >> 16) ^ lookup(tables, 0, a >> 24);
    p += 4;
  }
  while (p < end) {
    c = lookup(tables, 0, c ^ load<u8>(p)) ^ (c >>> 8);
    p++;
  }
  return c;
}

// XOR src[0..d) into dst[0..d), 16 bytes at a time; the last partial vector is masked.
// @ts-ignore: decorator
@inline function xorPrefix(dst: usize, src: usize, d: usize): void {
  let k: usize = 0;
  for (; k + 16 <= d; k += 16) v128.store(dst + k, v128.xor(v128.load(dst + k), v128.load(src + k)));
  if (k < d) {
    const keep = v128.load(BYTE_MASKS + 16 - (d - k));
    v128.store(dst + k, v128.xor(v128.load(dst + k), v128.and(v128.load(src + k), keep)));
  }
}

// Each fold works in a window of this instance's scratch: [history | chunk | tail]. The tail
// holds at most d + 15 bytes, and the masked XOR of the last partial vector touches up to 16
// past d.
// @ts-ignore: decorator
@inline function windowBytes(d: usize, chunk: usize): usize { return ((d + 15) & ~15) + chunk + ((d + 31) & ~15); }

let fold4Window: usize = 0;
let fold6Window: usize = 0;

// Where the last fold left the bytes that still need the tables.
let tailPtr: usize = 0;
let tailLen: usize = 0;

// Weight 4: P = 1 + x^2751 + x^4508 + x^5275. Distances d - r: 767, 2524, 5275.
const F4_D: usize = 5275;
const F4_D1: usize = 767, F4_D2: usize = 2524;
const F4_HISTORY: usize = (F4_D + 15) & ~15;
const F4_CHUNK: usize = 16384;
/** Inputs at least this long take the weight-4 fold (below, its fixed costs outweigh it: measured). */
export const FOLD4_MIN: usize = 10240;

function fold4(reg: u32, p: usize, n: usize): void {
  const win = fold4Window;
  const e16 = ((n - F4_D) >> 4) << 4; // bytes folded away; n - e16 >= d remain
  memory.fill(win, 0, F4_HISTORY);
  let w = win + F4_HISTORY;
  // First vector: the incoming register XORs into the first four bytes; history is zero.
  v128.store(w, v128.xor(v128.load(p), i32x4(reg, 0, 0, 0)));
  w += 16;
  let i: usize = 16;
  while (true) {
    let end = i + F4_CHUNK;
    if (end > e16) end = e16;
    // Addresses relative to r = w - d so every offset is a positive load immediate.
    let r = w - F4_D;
    for (let q = p + i, qEnd = p + end; q < qEnd; q += 16) {
      let x = v128.load(q);
      x = v128.xor(x, v128.load(r, F4_D - F4_D1));
      x = v128.xor(x, v128.load(r, F4_D - F4_D2));
      x = v128.xor(x, v128.load(r));
      v128.store(r, x, F4_D);
      r += 16;
    }
    w = r + F4_D;
    i = end;
    if (i >= e16) break;
    memory.copy(win, w - F4_HISTORY, F4_HISTORY);
    w = win + F4_HISTORY;
  }
  // Tail: the last n - e16 bytes plus what the folded bytes pull into them.
  const tn = n - e16;
  memory.copy(w, p + e16, tn);
  xorPrefix(w, w - F4_D1, F4_D1);
  xorPrefix(w, w - F4_D2, F4_D2);
  xorPrefix(w, w - F4_D, F4_D);
  tailPtr = w;
  tailLen = tn;
}

// Weight 6: P = 1 + x^71 + x^88 + x^121 + x^143 + x^266. Distances: 123, 145, 178, 195, 266.
const F6_D: usize = 266;
const F6_D1: usize = 123, F6_D2: usize = 145, F6_D3: usize = 178, F6_D4: usize = 195;
const F6_HISTORY: usize = (F6_D + 15) & ~15;
const F6_CHUNK: usize = 4096;
export const FOLD6_MIN: usize = F6_D + 48;

/** Scratch the folds need per instance. */
export const CRC_SCRATCH_BYTES: usize = windowBytes(F4_D, F4_CHUNK) + windowBytes(F6_D, F6_CHUNK);

/** Places this instance's fold windows (CRC_SCRATCH_BYTES at p). */
export function setCrcScratch(p: usize): void {
  fold4Window = p;
  fold6Window = p + windowBytes(F4_D, F4_CHUNK);
}

function fold6(reg: u32, p: usize, n: usize): void {
  const win = fold6Window;
  const e16 = ((n - F6_D) >> 4) << 4;
  memory.fill(win, 0, F6_HISTORY);
  let w = win + F6_HISTORY;
  v128.store(w, v128.xor(v128.load(p), i32x4(reg, 0, 0, 0)));
  w += 16;
  let i: usize = 16;
  while (true) {
    let end = i + F6_CHUNK;
    if (end > e16) end = e16;
    let r = w - F6_D;
    for (let q = p + i, qEnd = p + end; q < qEnd; q += 16) {
      let x = v128.load(q);
      x = v128.xor(x, v128.load(r, F6_D - F6_D1));
      x = v128.xor(x, v128.load(r, F6_D - F6_D2));
      x = v128.xor(x, v128.load(r, F6_D - F6_D3));
      x = v128.xor(x, v128.load(r, F6_D - F6_D4));
      x = v128.xor(x, v128.load(r));
      v128.store(r, x, F6_D);
      r += 16;
    }
    w = r + F6_D;
    i = end;
    if (i >= e16) break;
    memory.copy(win, w - F6_HISTORY, F6_HISTORY);
    w = win + F6_HISTORY;
  }
  const tn = n - e16;
  memory.copy(w, p + e16, tn);
  xorPrefix(w, w - F6_D1, F6_D1);
  xorPrefix(w, w - F6_D2, F6_D2);
  xorPrefix(w, w - F6_D3, F6_D3);
  xorPrefix(w, w - F6_D4, F6_D4);
  xorPrefix(w, w - F6_D, F6_D);
  tailPtr = w;
  tailLen = tn;
}

/** CRC-32C of n bytes at p, continuing from crc (0 to start). Check value of "123456789": 0xE3069283. */
export function crc32c(crc: u32, p: usize, n: usize): u32 {
  assertRange(p, n);
  let reg = ~crc;
  if (n >= FOLD4_MIN) {
    fold4(reg, p, n);
    p = tailPtr; n = tailLen; reg = 0;
  }
  if (n >= FOLD6_MIN) {
    fold6(reg, p, n);
    p = tailPtr; n = tailLen; reg = 0;
  }
  return ~sliced(CRC32C_TABLES, reg, p, n);
}

/** CRC-32C with tables only: the reference the folds are measured against. */
export function crc32cTables(crc: u32, p: usize, n: usize): u32 {
  return ~sliced(CRC32C_TABLES, ~crc, p, n);
}

/** CRC-32 (IEEE, as zlib) of n bytes at p, continuing from crc. Check value of "123456789": 0xCBF43926. */
export function crc32(crc: u32, p: usize, n: usize): u32 {
  assertRange(p, n);
  return ~sliced(CRC32_TABLES, ~crc, p, n);
}
