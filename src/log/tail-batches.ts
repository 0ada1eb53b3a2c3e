// Where the last few batches of a partition's active segment lie, as the appends reported
// them. A consumer or a replica that keeps up reads from the last batches only: with their
// bounds at hand a Fetch at the tail is sliced without reading a header from disk (a header
// walk costs a pread and a scan in the core per partition, for every Fetch a long poll
// wakes). Older offsets, and a segment found on disk, take the walk from the offset index.
import type { Segment } from './segment.js';

/** Batches remembered per partition: a reader within this many batches of the end reads no headers. */
export const TAIL_BATCHES = 16;

const FIELDS = 5;
const POSITION = 0;
const SIZE = 1;
const BASE_OFFSET = 2;
const LAST_OFFSET = 3;
const CODEC = 4;

/** A slice of the tail: whole batches at [start, stop) of the segment, and their codecs. */
interface TailSlice {
  start: number;
  stop: number;
  /** Bit n set: some batch in [start, stop) uses codec n. */
  codecs: number;
}

export class TailBatches {
  /** The segment the entries are in (the active one when they were added), null when empty. */
  private segment: Segment | null = null;
  /** A ring of entries (FIELDS numbers each), allocated at the first append: idle partitions cost nothing. */
  private entries: Float64Array | null = null;
  /** Index of the oldest entry, and how many there are. */
  private head = 0;
  private count = 0;

  /** A batch appended to `segment` at `position`; a roll or a gap starts over. */
  add(segment: Segment, position: number, size: number, baseOffset: number, lastOffset: number, codec: number): void {
    if (segment !== this.segment || (this.count > 0 && this.end() !== position)) this.clear(segment);
    const e = (this.entries ??= new Float64Array(TAIL_BATCHES * FIELDS));
    const slot = ((this.head + this.count) % TAIL_BATCHES) * FIELDS;
    e[slot + POSITION] = position;
    e[slot + SIZE] = size;
    e[slot + BASE_OFFSET] = baseOffset;
    e[slot + LAST_OFFSET] = lastOffset;
    e[slot + CODEC] = codec;
    if (this.count < TAIL_BATCHES) this.count++;
    else this.head = (this.head + 1) % TAIL_BATCHES;
  }

  clear(segment: Segment | null = null): void {
    this.segment = segment;
    this.head = 0;
    this.count = 0;
  }

  /**
   * The whole batches of `segment` from the one holding `fetchOffset`, below `upperBound`,
   * within `maxBytes` (the first one even when larger, with minOneBatch), as slice() cuts
   * them; null when nothing is to be returned; undefined when the entries do not cover the
   * read (not this segment, an offset before the oldest entry, or entries that no longer end
   * where the segment and the log end: the caller walks the headers instead).
   */
  slice(segment: Segment, logEndOffset: number, fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound: number): TailSlice | null | undefined {
    const e = this.entries;
    if (!e || this.count === 0 || segment !== this.segment) return undefined;
    const last = this.slot(this.count - 1);
    if (this.end() !== segment.size || e[last + LAST_OFFSET] + 1 !== logEndOffset) return undefined;
    if (fetchOffset < e[this.slot(0) + BASE_OFFSET]) return undefined;
    let i = 0;
    while (i < this.count && e[this.slot(i) + LAST_OFFSET] < fetchOffset) i++;
    if (i === this.count) return null;
    const first = this.slot(i);
    if (e[first + BASE_OFFSET] >= upperBound) return null;
    const start = e[first + POSITION];
    const limit = start + maxBytes;
    let stop = start;
    let codecs = 0;
    for (let j = i; j < this.count; j++) {
      const s = this.slot(j);
      if (e[s + BASE_OFFSET] >= upperBound || e[s + POSITION] + e[s + SIZE] > limit) break;
      stop = e[s + POSITION] + e[s + SIZE];
      codecs |= 1 << e[s + CODEC];
    }
    if (stop === start) {
      if (!minOneBatch) return null;
      stop = start + e[first + SIZE];
      codecs = 1 << e[first + CODEC];
    }
    return { start, stop, codecs };
  }

  /** Where the newest entry ends. */
  private end(): number {
    const s = this.slot(this.count - 1);
    return this.entries![s + POSITION] + this.entries![s + SIZE];
  }

  private slot(i: number): number {
    return ((this.head + i) % TAIL_BATCHES) * FIELDS;
  }
}
