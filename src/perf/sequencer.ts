// `strom perf produce --idempotent`: the producer id, epoch and per-partition sequence numbers
// of an idempotent producer (KIP-98), put into the load harness's pre-built batches at send
// time. A batch is built once with the producer's id and epoch and base sequence 0; each send
// needs a buffer of its own (the connection keeps large batches by reference until written):
// a buffer whose request was answered (release()) with as many records serves again as it is,
// its records sent once more; only when none is free is the pooled batch copied into a new
// one. Then the partition's next base sequence is written and the CRC-32C patched without
// reading the records: CRC is linear, so changing the 4 sequence bytes changes the CRC by the
// XOR of one precomputed value per changed bit (computed once per batch length, by flipping
// each bit). In the steady state a send copies nothing, as a plain producer's does not.
import type { Core } from '../core/index.js';
import { ABI } from '../core/index.js';

/** Where the base sequence lies in a batch header (Kafka's DefaultRecordBatch). */
const BASE_SEQUENCE = 53;
const INT32_MAX = 0x7fffffff;

export class BatchSequencer {
  private readonly next = new Map<number, number>();
  /** Per batch length: the CRC change of each of the 32 sequence bits (most significant first). */
  private readonly deltas = new Map<number, Uint32Array>();
  /** Buffers given back, by length. */
  private readonly free = new Map<number, Buffer[]>();

  constructor(private readonly core: Core, readonly producerId: number, readonly producerEpoch: number) {}

  /**
   * A copy of `batch` (built with this producer's id and epoch, base sequence 0) with the
   * partition's next base sequence; the partition's sequence moves on by its record count.
   */
  stamp(batch: Buffer, partition: number, records: number): Buffer {
    const sequence = this.next.get(partition) ?? 0;
    this.next.set(partition, sequence > INT32_MAX - records ? records - (INT32_MAX - sequence) - 1 : sequence + records);
    const out = this.reusable(batch) ?? Buffer.from(batch);
    const deltas = this.deltasFor(batch);
    const old = out.readUInt32BE(BASE_SEQUENCE);
    let crc = out.readUInt32BE(ABI.BATCH_CRC);
    for (let changed = (old ^ sequence) >>> 0, bit = 0; changed !== 0; changed >>>= 1, bit++) {
      if (changed & 1) crc ^= deltas[31 - bit];
    }
    out.writeInt32BE(sequence, BASE_SEQUENCE);
    out.writeUInt32BE(crc >>> 0, ABI.BATCH_CRC);
    return out;
  }

  /** A released buffer of the batch's length and record count (its sequence and CRC its own), or undefined. */
  private reusable(batch: Buffer): Buffer | undefined {
    const list = this.free.get(batch.length);
    const out = list?.pop();
    if (out === undefined || out.readInt32BE(ABI.BATCH_RECORDS_COUNT) === batch.readInt32BE(ABI.BATCH_RECORDS_COUNT)) return out;
    list!.unshift(out); // as long, fewer or more records: left for a batch like it
    return undefined;
  }

  /** A stamped batch whose request was answered: its buffer serves again. */
  release(batch: Buffer): void {
    let list = this.free.get(batch.length);
    if (!list) this.free.set(batch.length, (list = []));
    list.push(batch);
  }

  private deltasFor(batch: Buffer): Uint32Array {
    let deltas = this.deltas.get(batch.length);
    if (deltas) return deltas;
    deltas = new Uint32Array(32);
    const copy = Buffer.from(batch);
    const covered = () => this.core.crc32c(copy.subarray(ABI.BATCH_ATTRIBUTES));
    const base = covered();
    for (let i = 0; i < 32; i++) {
      const byte = BASE_SEQUENCE + (i >> 3);
      const mask = 0x80 >> (i & 7);
      copy[byte] ^= mask;
      deltas[i] = (covered() ^ base) >>> 0;
      copy[byte] ^= mask;
    }
    this.deltas.set(batch.length, deltas);
    return deltas;
  }
}
