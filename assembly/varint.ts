// Varints as Kafka's record format uses them: zig-zag signed (protobuf sint32/sint64) inside
// records, unsigned in the flexible protocol's compact lengths. Little-endian base-128
// groups, high bit = more bytes follow; at most 5 bytes for 32 bits, 10 for 64.
//
// Readers take an end bound and report through two instance globals, so the record walk can
// use them inline without allocating: varintEnd is the position after the varint, or 0 when
// the varint is malformed (too long) or runs past the bound.

export let varintEnd: usize = 0;

// @ts-ignore: decorator
@inline export function zigzag32(v: i32): u32 { return <u32>((v << 1) ^ (v >> 31)); }
// @ts-ignore: decorator
@inline export function unzigzag32(v: u32): i32 { return <i32>(v >>> 1) ^ -<i32>(v & 1); }
// @ts-ignore: decorator
@inline export function zigzag64(v: i64): u64 { return <u64>((v << 1) ^ (v >> 63)); }
// @ts-ignore: decorator
@inline export function unzigzag64(v: u64): i64 { return <i64>(v >>> 1) ^ -<i64>(v & 1); }

// @ts-ignore: decorator
@inline export function uvarintSize(v: u32): usize {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
// @ts-ignore: decorator
@inline export function varintSize(v: i32): usize { return uvarintSize(zigzag32(v)); }

export function uvarlongSize(v: u64): usize {
  let n: usize = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}
// @ts-ignore: decorator
@inline export function varlongSize(v: i64): usize { return uvarlongSize(zigzag64(v)); }

/** Writes v at p; returns the position after it. */
// @ts-ignore: decorator
@inline export function writeUvarint(p: usize, v: u32): usize {
  while (v >= 0x80) { store<u8>(p++, (v & 0x7f) | 0x80); v >>>= 7; }
  store<u8>(p++, v);
  return p;
}
// @ts-ignore: decorator
@inline export function writeVarint(p: usize, v: i32): usize { return writeUvarint(p, zigzag32(v)); }

export function writeUvarlong(p: usize, v: u64): usize {
  while (v >= 0x80) { store<u8>(p++, <u8>((v & 0x7f) | 0x80)); v >>= 7; }
  store<u8>(p++, <u8>v);
  return p;
}
// @ts-ignore: decorator
@inline export function writeVarlong(p: usize, v: i64): usize { return writeUvarlong(p, zigzag64(v)); }

/** Reads an unsigned varint (at most 5 bytes) at p, not reading at or past end. */
// @ts-ignore: decorator
@inline export function readUvarint(p: usize, end: usize): u32 {
  if (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) { varintEnd = p + 1; return b; }
  }
  return readUvarintSlow(p, end);
}

function readUvarintSlow(p: usize, end: usize): u32 {
  let v: u32 = 0;
  for (let shift: u32 = 0; shift < 35; shift += 7) {
    if (p >= end) break;
    const b = <u32>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) { varintEnd = p; return v; }
  }
  varintEnd = 0;
  return 0;
}

// @ts-ignore: decorator
@inline export function readVarint(p: usize, end: usize): i32 { return unzigzag32(readUvarint(p, end)); }

/**
 * Reads a zig-zag varint at p (not at or past end) without touching globals, for the record
 * walk: returns (position after it) << 32 | value as 32 bits; the position is 0 when the
 * varint is malformed. Unpack with nextOf() and valueOf().
 */
// @ts-ignore: decorator
@inline export function varintAt(p: usize, end: usize): u64 {
  // One and two bytes inline: lengths below 8 KiB, the common case in records.
  if (p + 1 < end) {
    const b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) return (<u64>(p + 1) << 32) | <u64><u32>unzigzag32(b & 0x7f);
    if ((b & 0x8000) == 0) return (<u64>(p + 2) << 32) | <u64><u32>unzigzag32((b & 0x7f) | ((b >> 8) << 7));
  } else if (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) return (<u64>(p + 1) << 32) | <u64><u32>unzigzag32(b);
  }
  const v = readUvarintSlow(p, end);
  return (<u64>varintEnd << 32) | <u64><u32>unzigzag32(v);
}
// @ts-ignore: decorator
@inline export function nextOf(packed: u64): usize { return <usize>(packed >>> 32); }
// @ts-ignore: decorator
@inline export function valueOf(packed: u64): i32 { return <i32>packed; }

/** Reads an unsigned varlong (at most 10 bytes) at p, not reading at or past end. */
export function readUvarlong(p: usize, end: usize): u64 {
  let v: u64 = 0;
  for (let shift: u64 = 0; shift < 70; shift += 7) {
    if (p >= end) break;
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) { varintEnd = p; return v; }
  }
  varintEnd = 0;
  return 0;
}
// @ts-ignore: decorator
@inline export function readVarlong(p: usize, end: usize): i64 { return unzigzag64(readUvarlong(p, end)); }
