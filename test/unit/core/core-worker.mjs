// Worker for memory.test.ts: runs its own core instance over the memory the test created.
import { parentPort, workerData } from 'node:worker_threads';
import { Core, ABI } from '../../../dist/core/index.js';

const core = Core.attach(workerData.memory, { module: workerData.module });
function run(job) {
  if (job.type === 'crc') return core.crc32cAt(job.ptr, job.length);
  if (job.type === 'append') {
    const size = core.validateAssignAt(job.ptr, job.length, ABI.F_STRICT, job.baseOffset, 3);
    return { size, lastOffset: core.header().lastOffset };
  }
  if (job.type === 'reserve') return core.mem.reserve(job.bytes);
  throw new Error(`unknown job ${job.type}`);
}
parentPort.on('message', (job) => parentPort.postMessage({ id: job.id, result: run(job) }));
parentPort.postMessage('ready');
