// Worker-thread entry for `strom perf produce --producers N`: runs one producer loop and
// posts its counts and latency histograms (encoded) to the main thread every report.
import { parentPort, workerData } from 'node:worker_threads';
import { runProduceLoop, type ProduceLoopConfig } from './produce-loop.js';
import { encodeHistogram } from './histogram.js';

export type ProduceWorkerMessage =
  | { type: 'progress'; records: number; bytes: number; errors: Record<string, number>; histogram: string; commits: number; commitHistogram: string }
  | { type: 'started' }
  | { type: 'done' }
  | { type: 'error'; message: string };

const port = parentPort!;
const config = workerData as ProduceLoopConfig;
runProduceLoop(config, (p) => {
  port.postMessage({ type: 'progress', records: p.records, bytes: p.bytes, errors: p.errors, histogram: encodeHistogram(p.histogram),
    commits: p.commits, commitHistogram: encodeHistogram(p.commitHistogram) } satisfies ProduceWorkerMessage);
}, 500, () => port.postMessage({ type: 'started' } satisfies ProduceWorkerMessage)).then(
  () => port.postMessage({ type: 'done' } satisfies ProduceWorkerMessage),
  (e: Error) => port.postMessage({ type: 'error', message: e.stack ?? String(e) } satisfies ProduceWorkerMessage),
);
