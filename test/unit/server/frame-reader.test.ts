import { describe, expect, it } from 'vitest';
import { Core, RegionPool } from '../../../src/core/index.js';
import { FrameReader, AREA_BYTES } from '../../../src/server/frame-reader.js';
import { randomBytes } from '../../helpers/core.js';

/** A deterministic PRNG for sizes and chunkings. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function stream(sizes: number[], seed: number): { bytes: Uint8Array; frames: Uint8Array[] } {
  const frames = sizes.map((n, i) => randomBytes(n, seed + i));
  const bytes = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  const dv = new DataView(bytes.buffer);
  let at = 0;
  for (const f of frames) {
    dv.setInt32(at, f.length, false);
    bytes.set(f, at + 4);
    at += 4 + f.length;
  }
  return { bytes, frames };
}

function reader(maxFrameBytes = 1 << 20, maximumBytes?: number) {
  const core = Core.create(maximumBytes ? { maximumBytes } : {});
  const regions = new RegionPool(core.mem);
  const got: { bytes: Uint8Array; release: () => void; held: number }[] = [];
  const invalid: number[] = [];
  const exhausted: Error[] = [];
  const r = new FrameReader(core.mem, regions, maxFrameBytes, {
    frame: (ptr, size, release, held) => {
      const bytes = core.mem.read(ptr, size);
      got.push({
        bytes, held,
        // Checked again at release: a held frame whose memory was reused would show here.
        release: () => {
          expect(Buffer.compare(core.mem.view(ptr, size), bytes), 'a held frame was overwritten').toBe(0);
          release();
        },
      });
    },
    invalid: (size) => invalid.push(size),
    exhausted: (e) => exhausted.push(e),
  });
  return { core, regions, r, got, invalid, exhausted };
}

const SIZES = (rand: () => number, count: number) => Array.from({ length: count }, () => {
  const p = rand();
  // Mostly small requests, some around the area size, a few much larger than it.
  return p < 0.7 ? 8 + Math.floor(rand() * 2000) : p < 0.9 ? AREA_BYTES - 64 + Math.floor(rand() * 128) : 8 + Math.floor(rand() * 300_000);
});

describe('frame reader', () => {
  for (const mode of ['socket reads into its buffers', 'chunks copied in'] as const) {
    it(`${mode}: every frame arrives whole and in order, however the bytes are split, and every region comes back`, () => {
      const rand = prng(mode.length);
      const { bytes, frames } = stream(SIZES(rand, 300), 11);
      const { regions, r, got, invalid } = reader();
      const held: (() => void)[] = [];
      let at = 0;
      while (at < bytes.length) {
        const want = 1 + Math.floor(rand() * (rand() < 0.5 ? 16 : 100_000));
        if (mode === 'chunks copied in') {
          const n = Math.min(want, bytes.length - at);
          r.write(bytes.subarray(at, at + n));
          at += n;
        } else {
          const into = r.nextBuffer();
          const n = Math.min(want, into.length, bytes.length - at);
          into.set(bytes.subarray(at, at + n));
          at += n;
          r.filled(n);
        }
        // Release some frames at once, keep others across later reads.
        while (got.length > held.length) {
          const g = got[held.length];
          held.push(g.release);
          if (rand() < 0.5) { g.release(); held[held.length - 1] = () => {}; }
        }
      }
      expect(invalid).toEqual([]);
      expect(got.length).toBe(frames.length);
      got.forEach((g, i) => expect(Buffer.compare(g.bytes, frames[i]), `frame ${i}`).toBe(0));
      expect(got.every((g, i) => g.held >= frames[i].length)).toBe(true);
      for (const release of held) release();
      r.close();
      expect(regions.inUse).toBe(0);
    });
  }

  it('stops at a length prefix out of range and hands out nothing after it', () => {
    const { bytes } = stream([10, 20], 3);
    const bad = new Uint8Array(bytes.length + 8);
    bad.set(bytes);
    new DataView(bad.buffer).setInt32(bytes.length, (1 << 20) + 1, false);
    const { regions, r, got, invalid } = reader(1 << 20);
    r.write(bad);
    r.write(bytes);
    expect(got.length).toBe(2);
    expect(invalid).toEqual([(1 << 20) + 1]);
    for (const g of got) g.release();
    r.close();
    expect(regions.inUse).toBe(0);
  });

  it('starts with a small receive area and reads in larger ones while reads fill them', () => {
    const { r } = reader();
    expect(r.nextBuffer().length).toBe(4096);
    const { bytes } = stream(Array.from({ length: 40 }, () => 3000), 5);
    let at = 0;
    let largest = 0;
    while (at < bytes.length) {
      const into = r.nextBuffer();
      largest = Math.max(largest, into.length);
      const n = Math.min(into.length, bytes.length - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      r.filled(n);
    }
    expect(largest).toBeGreaterThanOrEqual(32 << 10);
    expect(largest).toBeLessThanOrEqual(AREA_BYTES);
  });

  it('says when core memory cannot hold a frame, and reads nothing more instead of throwing', () => {
    const { core, r, got, exhausted } = reader(64 << 20, 8 << 20);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setInt32(0, 32 << 20, false); // 32 MiB in an 8 MiB memory
    r.write(head);
    expect(exhausted.length).toBe(1);
    expect(exhausted[0].message).toMatch(/cannot grow/);
    expect(() => r.write(new Uint8Array(10_000))).not.toThrow();
    expect(core.mem.holds(r.nextBuffer())).toBe(false); // reads go nowhere now
    expect(got.length).toBe(0);
  });

  it('refuses a negative length, and one too short for a request header (0..7)', () => {
    for (const size of [-1, 0, 7]) {
      const { r, invalid, got } = reader();
      const wire = new Uint8Array(4 + 16);
      new DataView(wire.buffer).setInt32(0, size, false);
      r.write(wire);
      expect(invalid).toEqual([size]);
      expect(got).toEqual([]);
    }
    const { r, invalid, got } = reader();
    r.write(new Uint8Array([0, 0, 0, 8, 0, 18, 0, 0, 0, 0, 0, 1]));
    expect(invalid).toEqual([]);
    expect(got.length).toBe(1);
  });
});
