// src/storage/channel.ts: the rings between the main thread and an append worker, in shared
// core memory. Wrong offsets would corrupt jobs silently: checked here through its functions.
import { describe, expect, it } from 'vitest';
import { Core, ABI } from '../../../src/core/index.js';
import * as ch from '../../../src/storage/channel.js';

const JOB = {
  partition: 7, ptr: 0x9abcdef0, length: 123456, flags: ch.FLAG_STRICT | ch.FLAG_ROLL, logAppendTime: 1_700_000_000_123, id: -5,
  producerId: 2 ** 45 + 7, producerEpoch: 32766, coordinatorEpoch: 0x7fffff01, leaderEpoch: 0x7ffffe02,
};
const DONE = {
  status: 0, baseOffset: 2 ** 40 + 3, lastOffset: 2 ** 40 + 99, maxTimestamp: 1_700_000_000_999, offsetOfMaxTimestamp: 2 ** 40 + 50,
  position: 0x7ffffff0, size: 1 << 20, rolled: true, records: 97, logAppendTime: -1,
  duplicate: true, txnStarted: true, abortedFirstOffset: 2 ** 40 + 1, abortedLastStableOffset: 2 ** 40 + 100, detail: -1, producerId: 2 ** 45 + 7,
};

describe('append channel layout', () => {
  it('reads back every field of a job and a completion, and leaves the neighbouring slots alone', () => {
    const core = Core.create();
    const layout = ch.allocateChannel(core.mem);
    const u8 = () => core.mem.u8();
    u8().fill(0xa5, layout.jobs, layout.jobs + ch.SLOTS * ch.JOB_BYTES);
    u8().fill(0x5a, layout.done, layout.done + ch.SLOTS * ch.DONE_BYTES);
    ch.writeJob(core.mem, ch.jobSlot(layout, 1), JOB);
    ch.writeDone(core.mem, ch.doneSlot(layout, 1), 42, DONE);
    const into = { partition: 0, ptr: 0, length: 0, flags: 0, logAppendTime: 0, id: 0, producerId: 0, producerEpoch: 0, coordinatorEpoch: 0, leaderEpoch: 0 };
    expect(ch.readJob(core.mem, ch.jobSlot(layout, 1), into)).toEqual(JOB);
    expect(ch.readDone(core.mem, ch.doneSlot(layout, 1))).toEqual(DONE);
    for (const [start, fill, bytes] of [[ch.jobSlot(layout, 0), 0xa5, ch.JOB_BYTES], [ch.jobSlot(layout, 2), 0xa5, ch.JOB_BYTES],
      [ch.doneSlot(layout, 0), 0x5a, ch.DONE_BYTES], [ch.doneSlot(layout, 2), 0x5a, ch.DONE_BYTES]]) {
      expect(u8().subarray(start, start + bytes).every((b) => b === fill)).toBe(true);
    }
  });

  it('a failed completion carries only its status and detail: the rest reads as nothing appended', () => {
    const core = Core.create();
    const layout = ch.allocateChannel(core.mem);
    ch.writeDone(core.mem, ch.doneSlot(layout, 3), 9, DONE);
    ch.writeDone(core.mem, ch.doneSlot(layout, 3), 9, { ...DONE, status: ch.STATUS_OUT_OF_ORDER_SEQUENCE, detail: 41 });
    expect(ch.readDone(core.mem, ch.doneSlot(layout, 3))).toMatchObject({
      status: ch.STATUS_OUT_OF_ORDER_SEQUENCE, detail: 41, baseOffset: -1, size: 0, rolled: false, records: 0, duplicate: false, txnStarted: false,
    });
  });

  it('SLOTS is a power of two, and counters map to slots across the int32 wrap', () => {
    expect(ch.SLOTS & (ch.SLOTS - 1)).toBe(0);
    const layout = { control: 0, jobs: 4096, done: 1 << 20 };
    expect(ch.jobSlot(layout, 0)).toBe(4096);
    expect(ch.jobSlot(layout, ch.SLOTS - 1)).toBe(4096 + (ch.SLOTS - 1) * ch.JOB_BYTES);
    expect(ch.jobSlot(layout, ch.SLOTS)).toBe(4096);
    // The counters are int32 and wrap: 0x7fffffff is followed by -2^31, the next slot round.
    const last = 0x7fffffff;
    const wrapped = (last + 1) | 0;
    expect(wrapped).toBe(-(2 ** 31));
    expect((ch.jobSlot(layout, wrapped) - ch.jobSlot(layout, last) + ch.SLOTS * ch.JOB_BYTES) % (ch.SLOTS * ch.JOB_BYTES)).toBe(ch.JOB_BYTES);
    expect((ch.doneSlot(layout, wrapped) - ch.doneSlot(layout, last) + ch.SLOTS * ch.DONE_BYTES) % (ch.SLOTS * ch.DONE_BYTES)).toBe(ch.DONE_BYTES);
    for (const n of [-1, -(2 ** 31), 12345, -98765]) {
      const slot = (ch.doneSlot(layout, n) - layout.done) / ch.DONE_BYTES;
      expect(Number.isInteger(slot) && slot >= 0 && slot < ch.SLOTS).toBe(true);
    }
  });

  it('allocates the control block and both rings apart, on 64-byte lines', () => {
    const core = Core.create();
    const layout = ch.allocateChannel(core.mem);
    const regions = [[layout.control, 64], [layout.jobs, ch.SLOTS * ch.JOB_BYTES], [layout.done, ch.SLOTS * ch.DONE_BYTES]].sort((a, b) => a[0] - b[0]);
    for (const [start] of regions) expect(start % 64).toBe(0);
    for (let i = 0; i + 1 < regions.length; i++) expect(regions[i][0] + regions[i][1]).toBeLessThanOrEqual(regions[i + 1][0]);
    const other = ch.allocateChannel(core.mem);
    expect(Math.min(other.control, other.jobs, other.done)).toBeGreaterThanOrEqual(regions[2][0] + regions[2][1]);
  });

  it('the control view stays the same memory when the memory grows', () => {
    const core = Core.create();
    const layout = ch.allocateChannel(core.mem);
    const control = ch.controlView(core.mem, layout);
    const before = core.memory.buffer.byteLength;
    core.mem.reserve(before + (8 << 20)); // forces a growth
    expect(core.memory.buffer.byteLength).toBeGreaterThan(before);
    Atomics.store(control, ch.JOB_HEAD, 77);
    Atomics.store(control, ch.DONE_HEAD, -5);
    expect(core.mem.dv().getInt32(layout.control + ch.JOB_HEAD * 4, true)).toBe(77);
    expect(core.mem.dv().getInt32(layout.control + ch.DONE_HEAD * 4, true)).toBe(-5);
    expect(new Set([ch.JOB_HEAD, ch.DONE_HEAD, ch.STOP]).size).toBe(3);
  });

  it('its statuses are negative and apart from the core\'s error codes', () => {
    const statuses = [
      ch.STATUS_NO_PARTITION, ch.STATUS_IO_ERROR, ch.STATUS_DISK_FULL, ch.STATUS_OFFSET_OVERFLOW, ch.STATUS_OUT_OF_ORDER_SEQUENCE,
      ch.STATUS_INVALID_PRODUCER_EPOCH, ch.STATUS_INVALID_TXN_STATE, ch.STATUS_COORDINATOR_FENCED,
    ];
    const coreErrors = Object.entries(ABI).filter(([name]) => name.startsWith('ERR_')).map(([, v]) => v as number);
    expect(coreErrors.length).toBeGreaterThan(3);
    for (const s of statuses) {
      expect(s).toBeLessThan(0);
      expect(coreErrors).not.toContain(s);
    }
    expect(new Set(statuses).size).toBe(statuses.length);
    const flags = [ch.FLAG_STRICT, ch.FLAG_ROLL, ch.FLAG_MARKER, ch.FLAG_COMMIT];
    expect(flags.reduce((a, b) => a | b, 0)).toBe(flags.reduce((a, b) => a + b, 0)); // distinct bits
  });
});
