// CRC-32C (Castagnoli) for record batches and CRC-32 (IEEE) for legacy message sets.
//
// Tables alone cost one lookup per byte (slicing-by-16 here: ~2 GB/s). Long inputs go
// through a table-free fold first (the "Chorba" idea, Russell 2024): if P(x) is a multiple
// of the generator G with few terms, 1 + x^r1 + ... + x^d, then x^d = 1 + x^r1 + ... (mod G),
// and since P(x^8) = P(x)^8 over GF(2), a byte d bytes before the end of the data can be
// replaced by XORing it into the bytes (d - r) positions later, one per term, without
// changing the CRC. Done 16 bytes at a time with SIMD this leaves only the last d bytes for
// the tables. Weight-4 multiple: 3 loads per 16 bytes, reaches 5275 bytes; weight-6
// multiple: 5 loads, reaches 209 bytes. Both come from tools/find-crc-multiples.mjs.
// The fold pulls instead of pushes: folded[i] = in[i] ^ folded[i - (d - r)] for each term,
// kept in a sliding window (history of d bytes + a chunk), so the input is never written.
import { CRC32C_TABLES, CRC32_TABLES, BYTE_MASKS } from './tables';
import { fold4Window, fold6Window } from './scratch';

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

// Where the last fold left the bytes that still need the tables.
let tailPtr: usize = 0;
let tailLen: usize = 0;

// Weight 4: P = 1 + x^2751 + x^4508 + x^5275. Distances d - r: 767, 2524, 5275.
const F4_D: usize = 5275;
const F4_HISTORY: usize = 5280; // d rounded up to 16
const F4_CHUNK: usize = 16384;
/** Inputs at least this long take the weight-4 fold (shorter ones are cheaper without it). */
export const FOLD4_MIN: usize = F4_D + 1024;

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
    for (; i < end; i += 16) {
      let x = v128.load(p + i);
      x = v128.xor(x, v128.load(w - 767));
      x = v128.xor(x, v128.load(w - 2524));
      x = v128.xor(x, v128.load(w - 5275));
      v128.store(w, x);
      w += 16;
    }
    if (i >= e16) break;
    memory.copy(win, w - F4_HISTORY, F4_HISTORY);
    w = win + F4_HISTORY;
  }
  // Tail: the last n - e16 bytes plus what the folded bytes pull into them.
  const tn = n - e16;
  memory.copy(w, p + e16, tn);
  xorPrefix(w, w - 767, 767);
  xorPrefix(w, w - 2524, 2524);
  xorPrefix(w, w - 5275, 5275);
  tailPtr = w;
  tailLen = tn;
}

// Weight 6: P = 1 + x^14 + x^39 + x^54 + x^144 + x^209. Distances: 65, 155, 170, 195, 209.
const F6_D: usize = 209;
const F6_HISTORY: usize = 224;
const F6_CHUNK: usize = 4096;
export const FOLD6_MIN: usize = F6_D + 48;

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
    for (; i < end; i += 16) {
      let x = v128.load(p + i);
      x = v128.xor(x, v128.load(w - 65));
      x = v128.xor(x, v128.load(w - 155));
      x = v128.xor(x, v128.load(w - 170));
      x = v128.xor(x, v128.load(w - 195));
      x = v128.xor(x, v128.load(w - 209));
      v128.store(w, x);
      w += 16;
    }
    if (i >= e16) break;
    memory.copy(win, w - F6_HISTORY, F6_HISTORY);
    w = win + F6_HISTORY;
  }
  const tn = n - e16;
  memory.copy(w, p + e16, tn);
  xorPrefix(w, w - 65, 65);
  xorPrefix(w, w - 155, 155);
  xorPrefix(w, w - 170, 170);
  xorPrefix(w, w - 195, 195);
  xorPrefix(w, w - 209, 209);
  tailPtr = w;
  tailLen = tn;
}

/** CRC-32C of n bytes at p, continuing from crc (0 to start). Check value of "123456789": 0xE3069283. */
export function crc32c(crc: u32, p: usize, n: usize): u32 {
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
  return ~sliced(CRC32_TABLES, ~crc, p, n);
}
