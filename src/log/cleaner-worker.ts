// Entry of the log cleaner's worker thread: runs compaction passes (cleaner-task.ts) one at a
// time with a core of its own, so reading, decoding, filtering, re-encoding and writing
// segments never holds up the broker's event loop. Tasks come by postMessage; each reply
// carries the pass's result (index entries as transferred Float64Arrays) or its error.
import { parentPort, workerData } from 'node:worker_threads';
import { unlinkSync } from 'node:fs';
import { Core } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { cleanSegments, type CleanTask, type CleanOutput } from './cleaner-task.js';
import { segmentPaths, CLEANED_SUFFIX } from '../storage/layout.js';

type CleanerRequest = { id: number; task: CleanTask };
export type CleanerReply = { id: number; output: CleanOutput } | { id: number; error: string };

const { module } = workerData as { module: WebAssembly.Module };
const core = Core.create({ module, initialBytes: 8 << 20 });
const port = parentPort!;
const compression = initCompression();

/** A failed pass leaves nothing behind: its cleaned copies are removed. */
function removeCleanedCopies(task: CleanTask): void {
  for (const segment of task.segments) {
    try {
      unlinkSync(segmentPaths(task.dir, segment.baseOffset).log + CLEANED_SUFFIX);
    } catch {
      // not written
    }
  }
}

port.on('message', async ({ id, task }: CleanerRequest) => {
  try {
    await compression;
    const output = cleanSegments(core, codecs, task);
    port.postMessage({ id, output } satisfies CleanerReply, output.segments.map((s) => s.batches.buffer as ArrayBuffer));
  } catch (e) {
    removeCleanedCopies(task);
    port.postMessage({ id, error: (e as Error).message } satisfies CleanerReply);
  }
});
