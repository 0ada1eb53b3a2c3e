// src/log/tail-batches.ts: the bounds of a partition's last batches, which slice a Fetch at
// the tail without a header walk: whole batches within the byte budget and below the upper
// bound, and "not covered" whenever the entries cannot answer for the segment.
import { describe, expect, it } from 'vitest';
import { TailBatches, TAIL_BATCHES } from '../../../src/log/tail-batches.js';
import type { Segment } from '../../../src/log/segment.js';

/** A segment as the ring sees it: an identity and a size. */
const segment = (size = 0) => ({ size }) as Segment;

/** `n` batches of 100 bytes and 10 offsets each, from position 0 and offset 0; codec i % 3. */
function filled(n: number): { tail: TailBatches; seg: Segment } {
  const tail = new TailBatches();
  const seg = segment(n * 100);
  for (let i = 0; i < n; i++) tail.add(seg, i * 100, 100, i * 10, i * 10 + 9, i % 3);
  return { tail, seg };
}

describe('TailBatches', () => {
  it('slices whole batches from the one holding the offset, within maxBytes, below the upper bound', () => {
    const { tail, seg } = filled(4); // offsets 0-39 at 0..400
    expect(tail.slice(seg, 40, 15, 1000, true, 40)).toEqual({ start: 100, stop: 400, codecs: 0b111 });
    expect(tail.slice(seg, 40, 15, 250, true, 40)).toEqual({ start: 100, stop: 300, codecs: 0b110 });
    expect(tail.slice(seg, 40, 15, 1000, true, 30)).toEqual({ start: 100, stop: 300, codecs: 0b110 });
    expect(tail.slice(seg, 40, 30, 1000, true, 30)).toBeNull(); // its batch is at the upper bound
    expect(tail.slice(seg, 40, 40, 1000, true, 40)).toBeNull(); // the log end
  });

  it('returns a first batch larger than maxBytes whole only with minOneBatch', () => {
    const { tail, seg } = filled(3);
    expect(tail.slice(seg, 30, 0, 50, true, 30)).toEqual({ start: 0, stop: 100, codecs: 1 << 0 });
    expect(tail.slice(seg, 30, 0, 50, false, 30)).toBeNull();
  });

  it(`keeps the last ${TAIL_BATCHES} batches: an older offset is not covered`, () => {
    const n = TAIL_BATCHES + 4;
    const { tail, seg } = filled(n);
    expect(tail.slice(seg, n * 10, 39, 1 << 20, true, n * 10)).toBeUndefined();
    expect(tail.slice(seg, n * 10, 40, 1 << 20, true, n * 10)).toMatchObject({ start: 400, stop: n * 100 });
  });

  it('answers for its own segment only, and only while it ends where the segment and the log end', () => {
    const { tail, seg } = filled(3);
    expect(tail.slice(segment(300), 30, 0, 1000, true, 30)).toBeUndefined(); // another segment
    seg.size = 200; // truncated behind its back
    expect(tail.slice(seg, 30, 0, 1000, true, 30)).toBeUndefined();
    seg.size = 300;
    expect(tail.slice(seg, 20, 0, 1000, true, 20)).toBeUndefined(); // the log ends elsewhere
    expect(tail.slice(seg, 30, 0, 1000, true, 30)).toMatchObject({ start: 0, stop: 300 });
  });

  it('starts over at a roll (a new segment) and at a gap', () => {
    const { tail, seg } = filled(3);
    const next = segment(100);
    tail.add(next, 0, 100, 30, 39, 0);
    expect(tail.slice(seg, 40, 0, 1000, true, 40)).toBeUndefined();
    expect(tail.slice(next, 40, 30, 1000, true, 40)).toEqual({ start: 0, stop: 100, codecs: 1 });
    expect(tail.slice(next, 40, 29, 1000, true, 40)).toBeUndefined(); // before its first entry
    next.size = 300;
    tail.add(next, 200, 100, 40, 49, 0); // not where the last one ended
    expect(tail.slice(next, 50, 30, 1000, true, 50)).toBeUndefined();
    expect(tail.slice(next, 50, 40, 1000, true, 50)).toEqual({ start: 200, stop: 300, codecs: 1 });
  });
});
