// src/protocol/framing.ts: the length-prefix rule, and the Buffer frame reader the client's
// responses and the perf sink's requests are read with.
import { describe, expect, it } from 'vitest';
import { BufferFrameReader, invalidFrameReason, validFrameSize } from '../../../src/protocol/framing.js';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

describe('BufferFrameReader', () => {
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
    const reader = new BufferFrameReader('response', 1 << 20);
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

  it('stops at a length out of range, and reads nothing after it', () => {
    for (const [kind, size] of [['response', 101], ['response', 3], ['response', -1], ['request', 7], ['request', 0]] as const) {
      const reader = new BufferFrameReader(kind, 100);
      const sizes: number[] = [];
      const got: Buffer[] = [];
      reader.onInvalid = (s) => sizes.push(s);
      reader.onFrame = (f) => got.push(f);
      const wire = Buffer.alloc(4 + 4 + 8);
      wire.writeInt32BE(size, 0);
      wire.writeInt32BE(8, 4); // a valid frame behind it is never seen
      reader.write(wire);
      expect(sizes, `${kind} of ${size}`).toEqual([size]);
      expect(got).toEqual([]);
    }
  });

  it('copies chunks in (a socket without onread) as reads would land', () => {
    const reader = new BufferFrameReader('request', 1 << 20);
    const got: Buffer[] = [];
    reader.onFrame = (f) => got.push(Buffer.from(f));
    const frames = [Buffer.alloc(8, 1), Buffer.alloc(100_000, 2), Buffer.alloc(9, 3)];
    const wire = Buffer.concat(frames.flatMap((f) => [Buffer.from([0, 0, 0, 0].map((_, i) => (f.length >>> (24 - 8 * i)) & 0xff)), f]));
    for (let at = 0; at < wire.length; at += 7_777) reader.write(wire.subarray(at, at + 7_777));
    expect(got).toEqual(frames);
  });
});

describe('the length-prefix rule', () => {
  it('a request holds at least api key, api version and correlation id; a response its correlation id', () => {
    expect([-1, 0, 7, 8, 100, 101].map((n) => validFrameSize('request', n, 100))).toEqual([false, false, false, true, true, false]);
    expect([-1, 0, 3, 4, 100, 101].map((n) => validFrameSize('response', n, 100))).toEqual([false, false, false, true, true, false]);
  });

  it('says why a length is not valid', () => {
    expect(invalidFrameReason('request', 1001, 1000, 'socket.request.max.bytes')).toBe('request of 1001 bytes (socket.request.max.bytes is 1000)');
    expect(invalidFrameReason('request', 2, 1000, 'socket.request.max.bytes')).toBe('request of 2 bytes (a request header takes at least 8)');
    expect(invalidFrameReason('response', -5, 1000, 'the response limit')).toBe('response length of -5 bytes (negative)');
  });
});
