import { describe, expect, it } from 'vitest';
import { core } from '../../helpers/core.js';

const ex = core.exports;
const scratch = () => { core.resetArena(); return core.alloc(64); };

describe('zigzag', () => {
  it.each([[0, 0], [-1, 1], [1, 2], [-2, 3], [2147483647, 4294967294], [-2147483648, 4294967295]])('32-bit %i <-> %i', (v, z) => {
    expect(ex.zigzagEncode32(v) >>> 0).toBe(z);
    expect(ex.zigzagDecode32(z)).toBe(v);
  });

  it.each([[0n, 0n], [-1n, 1n], [1n, 2n], [-9223372036854775808n, 18446744073709551615n], [9223372036854775807n, 18446744073709551614n]])(
    '64-bit %s <-> %s', (v, z) => {
      expect(BigInt.asUintN(64, ex.zigzagEncode64(v))).toBe(z);
      expect(ex.zigzagDecode64(BigInt.asIntN(64, z))).toBe(v);
    });
});

describe('varints', () => {
  it('writes Kafka record varints (zig-zag, base 128, little-endian groups)', () => {
    const p = scratch();
    const cases: [number, number[]][] = [[0, [0x00]], [-1, [0x01]], [1, [0x02]], [63, [0x7e]], [-64, [0x7f]], [64, [0x80, 0x01]], [150, [0xac, 0x02]],
      [-2147483648, [0xff, 0xff, 0xff, 0xff, 0x0f]]];
    for (const [v, bytes] of cases) {
      const end = ex.varintWrite(p, v);
      expect(Array.from(core.mem.view(p, end - p)), `value ${v}`).toEqual(bytes);
      expect(ex.varintRead(p, end)).toBe(v);
      expect(ex.varintEndPos()).toBe(end);
    }
  });

  it('round-trips unsigned varints and varlongs', () => {
    const p = scratch();
    for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 - 1]) {
      const end = ex.uvarintWrite(p, v);
      expect(ex.uvarintRead(p, end) >>> 0).toBe(v);
    }
    for (const v of [0n, -1n, 1700000000000n, -1700000000000n, 9223372036854775807n, -9223372036854775808n]) {
      const end = ex.varlongWrite(p, v);
      expect(ex.varlongRead(p, end)).toBe(v);
      expect(end - p).toBeLessThanOrEqual(10);
    }
  });

  it('rejects a varint longer than 5 bytes and one that runs past the end', () => {
    const p = scratch();
    core.mem.write(p, Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    ex.varintRead(p, p + 6);
    expect(ex.varintEndPos()).toBe(0);
    core.mem.write(p, Uint8Array.from([0xac, 0x02]));
    ex.varintRead(p, p + 1);
    expect(ex.varintEndPos()).toBe(0);
    ex.varintRead(p, p);
    expect(ex.varintEndPos()).toBe(0);
  });
});
