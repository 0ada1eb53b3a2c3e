// A partition's leader epochs (KIP-101): for each leader epoch the first offset written in
// it, kept in the partition directory's `leader-epoch-checkpoint` in Kafka's format (a
// version line 0, a count, then "epoch startOffset" lines). A leader adds its epoch at its
// log end when it takes over; a follower adds each new epoch it copies from its leader's
// batches. OffsetForLeaderEpoch and a follower's truncation after a leader change ask it
// where an epoch ends.
import { existsSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';

const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

interface EpochEnd {
  /** The largest epoch at or below the one asked (-1: none). */
  epoch: number;
  /** The offset after its last record (-1: none). */
  endOffset: number;
}

export class LeaderEpochCache {
  /** [epoch, startOffset] pairs, both increasing. */
  private entries: [number, number][] = [];
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, LEADER_EPOCH_CHECKPOINT);
    if (existsSync(this.file)) this.entries = parse(readFileSync(this.file, 'utf8'));
  }

  get latestEpoch(): number {
    return this.entries.length === 0 ? -1 : this.entries[this.entries.length - 1][0];
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Records that `epoch` starts at `startOffset` (a newer epoch than the latest; an older or equal one changes nothing). */
  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || epoch <= this.latestEpoch) return;
    // An epoch that wrote nothing is replaced by the next (both start at the same offset).
    while (this.entries.length > 0 && this.entries[this.entries.length - 1][1] >= startOffset) this.entries.pop();
    this.entries.push([epoch, startOffset]);
    this.save();
  }

  /**
   * Kafka's endOffsetFor: the largest epoch not above `epoch` and the offset where it ends
   * (the next epoch's start, or the log end for the latest). An epoch below the first known
   * answers -1/-1 (UNDEFINED), as Kafka does.
   */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEnd {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i][0] > epoch) continue;
      const end = i + 1 < this.entries.length ? this.entries[i + 1][1] : logEndOffset;
      return { epoch: this.entries[i][0], endOffset: end };
    }
    return { epoch: -1, endOffset: -1 };
  }

  /** The log was cut at `offset`: epochs starting there or later go. */
  truncateFromEnd(offset: number): void {
    const before = this.entries.length;
    while (this.entries.length > 0 && this.entries[this.entries.length - 1][1] >= offset) this.entries.pop();
    if (this.entries.length !== before) this.save();
  }

  /** Everything goes (a follower that starts over at its leader's log start). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.save();
  }

  /** Written before the records it describes are acknowledged, so a crash never leaves records of an epoch it does not know. */
  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `0\n${this.entries.length}\n${this.entries.map(([e, o]) => `${e} ${o}\n`).join('')}`);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

function parse(text: string): [number, number][] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines[0] !== '0') return []; // an unknown version: rebuilt as epochs arrive
  const count = Number(lines[1]);
  const entries: [number, number][] = [];
  for (let i = 0; i < count && i + 2 < lines.length; i++) {
    const [epoch, offset] = lines[i + 2].split(/\s+/).map(Number);
    if (!Number.isInteger(epoch) || !Number.isInteger(offset)) return [];
    entries.push([epoch, offset]);
  }
  return entries;
}
