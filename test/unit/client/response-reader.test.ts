import { describe, expect, it } from 'vitest';
import { ResponseReader } from '../../../src/client/response-reader.js';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

describe('response reader', () => {
  it('hands out every frame whole and in order however reads split them, and frames stay intact after later reads', () => {
    const rand = prng(42);
    const frames = Array.from({ length: 400 }, (_, i) => {
      const p = rand();
      const size = p < 0.7 ? 4 + Math.floor(rand() * 3000) : p < 0.9 ? 65_000 + Math.floor(rand() * 1000) : 4 + Math.floor(rand() * 400_000);
      const f = Buffer.allocUnsafe(size);
      for (let j = 0; j < size; j++) f[j] = (i * 31 + j * 7) & 0xff;
      return f;
    });
    const wire = Buffer.concat(frames.flatMap((f) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f.length, 0);
      return [len, f];
    }));
    const reader = new ResponseReader(1 << 20);
    const got: Buffer[] = [];
    reader.onFrame = (f) => got.push(f);
    reader.onInvalid = (size) => { throw new Error(`invalid ${size}`); };
    for (let at = 0; at < wire.length;) {
      const into = reader.nextBuffer();
      const n = Math.min(into.length, wire.length - at, 1 + Math.floor(rand() * (rand() < 0.5 ? 10 : 90_000)));
      wire.copy(into, 0, at, at + n);
      at += n;
      reader.filled(n);
    }
    expect(got.length).toBe(frames.length);
    got.forEach((f, i) => expect(Buffer.compare(f, frames[i]), `frame ${i}`).toBe(0));
  });

  it('stops at a length out of range', () => {
    const reader = new ResponseReader(100);
    const sizes: number[] = [];
    reader.onInvalid = (size) => sizes.push(size);
    const into = reader.nextBuffer();
    into.writeInt32BE(101, 0);
    reader.filled(4);
    expect(sizes).toEqual([101]);
  });
});
