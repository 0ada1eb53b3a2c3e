// src/storage/channel.ts: the layout of the rings between the main thread and an append
// worker, in shared core memory. Wrong offsets would corrupt jobs silently: checked here.
import { describe, expect, it } from 'vitest';
import { Core } from '../../../src/core/index.js';
import * as ch from '../../../src/storage/channel.js';

const JOB_FIELDS: [string, number, number][] = [
  ['J_PARTITION', ch.J_PARTITION, 4], ['J_PTR', ch.J_PTR, 4], ['J_LENGTH', ch.J_LENGTH, 4], ['J_FLAGS', ch.J_FLAGS, 4],
  ['J_LOG_APPEND_TIME', ch.J_LOG_APPEND_TIME, 8], ['J_ID', ch.J_ID, 4],
];
const DONE_FIELDS: [string, number, number][] = [
  ['D_ID', ch.D_ID, 4], ['D_STATUS', ch.D_STATUS, 4], ['D_BASE_OFFSET', ch.D_BASE_OFFSET, 8], ['D_LAST_OFFSET', ch.D_LAST_OFFSET, 8],
  ['D_MAX_TIMESTAMP', ch.D_MAX_TIMESTAMP, 8], ['D_OFFSET_OF_MAX_TIMESTAMP', ch.D_OFFSET_OF_MAX_TIMESTAMP, 8], ['D_POSITION', ch.D_POSITION, 4],
  ['D_SIZE', ch.D_SIZE, 4], ['D_ROLLED', ch.D_ROLLED, 4], ['D_RECORDS', ch.D_RECORDS, 4], ['D_LOG_APPEND_TIME', ch.D_LOG_APPEND_TIME, 8],
];

/** Fields sorted by offset: each inside the slot, aligned to its size, none overlapping the next. */
function checkFields(fields: [string, number, number][], slotBytes: number): void {
  const sorted = [...fields].sort((a, b) => a[1] - b[1]);
  sorted.forEach(([name, offset, size], i) => {
    expect(offset % size, `${name} aligned`).toBe(0);
    expect(offset + size, `${name} inside the slot`).toBeLessThanOrEqual(slotBytes);
    if (i + 1 < sorted.length) expect(offset + size, `${name} before ${sorted[i + 1][0]}`).toBeLessThanOrEqual(sorted[i + 1][1]);
  });
}

describe('append channel layout', () => {
  it('job and completion fields fit their slots, aligned and apart', () => {
    checkFields(JOB_FIELDS, ch.JOB_BYTES);
    checkFields(DONE_FIELDS, ch.DONE_BYTES);
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
    const core = Core.create();
    const statuses = [ch.STATUS_NO_PARTITION, ch.STATUS_IO_ERROR, ch.STATUS_DISK_FULL, ch.STATUS_OFFSET_OVERFLOW];
    const coreErrors = Object.entries(core.c).filter(([name]) => name.startsWith('ERR_')).map(([, v]) => v as number);
    expect(coreErrors.length).toBeGreaterThan(3);
    for (const s of statuses) {
      expect(s).toBeLessThan(0);
      expect(coreErrors).not.toContain(s);
    }
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(ch.FLAG_STRICT & ch.FLAG_ROLL).toBe(0);
  });
});
