import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { core, referenceCrc, randomBytes } from '../../helpers/core.js';
import { ABI } from '../../../src/core/index.js';

const CASTAGNOLI = 0x82f63b78;
const IEEE = 0xedb88320;
const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('has the check value 0xE3069283 for "123456789"', () => {
    expect(core.crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  // RFC 3720 (iSCSI) appendix B.4 test vectors.
  it.each([
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['bytes 0..31', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['bytes 31..0', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ])('matches RFC 3720 for %s', (_name, bytes, expected) => {
    expect(core.crc32c(bytes)).toBe(expected);
  });

  it('is 0 for no bytes', () => {
    expect(core.crc32c(new Uint8Array(0))).toBe(0);
  });

  it('matches the bitwise reference at every length around the fold thresholds', () => {
    const { FOLD4_MIN, FOLD6_MIN } = ABI;
    const lengths = new Set<number>();
    for (let n = 0; n < 600; n++) lengths.add(n);
    for (const t of [FOLD6_MIN, FOLD4_MIN]) for (let d = -40; d <= 40; d++) lengths.add(t + d);
    for (const n of [4096, 16384, 16384 + 5275, 40000, 65536 + 7, 200_003]) lengths.add(n);
    for (const n of lengths) {
      const bytes = randomBytes(n, n + 1);
      const seed = n % 3 === 0 ? 0 : (n * 2654435761) >>> 0;
      expect(core.crc32c(bytes, seed), `length ${n}`).toBe(referenceCrc(CASTAGNOLI, bytes, seed));
    }
  });

  it('folds and tables agree on large inputs at any alignment', () => {
    const bytes = randomBytes(1 << 20, 7);
    core.resetArena();
    const ptr = core.copyIn(bytes);
    for (const skip of [0, 1, 3, 8, 15]) {
      const n = bytes.length - skip - 5;
      expect(core.crc32cAt(ptr + skip, n)).toBe(core.exports.crc32cTables(0, ptr + skip, n) >>> 0);
    }
  });

  it('continues across calls: crc(a + b) = crc(b, crc(a))', () => {
    const bytes = randomBytes(30_000, 99);
    const whole = core.crc32c(bytes);
    for (const cut of [0, 1, 100, 300, 7000, 29_999]) {
      expect(core.crc32c(bytes.subarray(cut), core.crc32c(bytes.subarray(0, cut)))).toBe(whole);
    }
  });

  it('uses fold polynomials that are multiples of the CRC-32C generator', () => {
    // x^e mod G for the normal-form polynomial; a multiple sums to 0.
    const G = 0x1edc6f41;
    const residue = (e: number) => {
      let r = 1;
      for (let i = 0; i < e; i++) r = ((r << 1) ^ (r & 0x80000000 ? G : 0)) >>> 0;
      return r;
    };
    for (const exps of [[0, 2751, 4508, 5275], [0, 71, 88, 121, 143, 266]]) {
      expect(exps.reduce((acc, e) => (acc ^ residue(e)) >>> 0, 0)).toBe(0);
    }
  });
});

describe('crc32 (IEEE)', () => {
  it('has the check value 0xCBF43926 for "123456789"', () => {
    expect(core.crc32(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('matches zlib and the bitwise reference', () => {
    for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 100, 1000, 4099]) {
      const bytes = randomBytes(n, n + 5);
      expect(core.crc32(bytes)).toBe(zlibCrc32(bytes) >>> 0);
      expect(core.crc32(bytes)).toBe(referenceCrc(IEEE, bytes));
    }
  });
});
