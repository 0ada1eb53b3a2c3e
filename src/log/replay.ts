// Reads a partition's log from its start to its end, batch by batch, decoded (records
// decompressed): how the coordinators rebuild their state from their internal topics
// (__consumer_offsets, __transaction_state) at startup.
import { decodeBatches, type Core, type DecodedBatch } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import type { PartitionLog } from './partition-log.js';

/** Bytes read per step. */
const CHUNK_BYTES = 1 << 20;

/**
 * Calls `visit` with every batch of `log` in offset order (control batches included), up to
 * the log end offset as it was when the replay began. Returns the number of batches.
 */
export async function replayLog(core: Core, log: PartitionLog, visit: (batch: DecodedBatch) => void): Promise<number> {
  await initCompression(); // the batches may be compressed
  const end = log.logEndOffset;
  let offset = log.logStartOffset;
  let batches = 0;
  while (offset < end) {
    const chunk = await log.read(offset, CHUNK_BYTES, true, end);
    try {
      if (chunk.records.length === 0) break;
      for (const batch of decodeBatches(core, chunk.records, codecs)) {
        // A batch that starts before `offset` (a compacted segment's first) was partly seen.
        if (batch.header.lastOffset >= offset) {
          visit(offset > batch.header.baseOffset ? { header: batch.header, records: batch.records.filter((r) => r.offset >= offset) } : batch);
          batches++;
        }
        offset = batch.header.lastOffset + 1;
      }
    } finally {
      chunk.release();
    }
  }
  return batches;
}
