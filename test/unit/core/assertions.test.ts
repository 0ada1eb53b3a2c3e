// Assertions, on in the tests: the debug core checks every exported function's ranges and its
// init (release: compiled out, tools/gen-abi.mjs and BENCHMARKS.md), the JS boundary checks
// addresses and the region pool's bookkeeping.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Core, RegionPool, ABI, type Ptr } from '../../../src/core/index.js';
import { CORE_DEBUG } from '../../../src/core/module.js';
import { AssertionError } from '../../../src/core/assert.js';

const core = Core.create({ initialBytes: 1 << 20 });
const outside = (core.memory.buffer.byteLength + 16) as Ptr;

describe('assertions', () => {
  it('run the debug core here, whose calls trap on a range outside core memory', () => {
    expect(CORE_DEBUG).toBe(true);
    expect(() => core.crc32cAt(outside, 64)).toThrow(/core assertion failed: range outside core memory/);
    expect(() => core.validateBatchAt(outside, 100)).toThrow(AssertionError);
    expect(() => core.exports.batchScan(core.copyIn(new Uint8Array(64)), 64, 0, outside, 4)).toThrow(/range outside core memory/); // its output array
    // In range, it works as the release core does.
    expect(core.crc32c(new Uint8Array([1, 2, 3]))).toBe(core.crc32cAt(core.copyIn(new Uint8Array([1, 2, 3])), 3));
  });

  it('check addresses at the JS boundary: views, writes and moves stay inside core memory', () => {
    expect(() => core.mem.view(outside, 8)).toThrow(/outside core memory/);
    expect(() => core.mem.write(outside, new Uint8Array(8))).toThrow(AssertionError);
    expect(() => core.mem.move(core.mem.reserve(64), outside, 8)).toThrow(AssertionError);
    expect(() => core.mem.view(3 as Ptr, 8)).toThrow(/outside core memory/); // below the allocator header: not an address we hand out
  });

  it('catch a region released twice, or not from its pool', () => {
    const pool = new RegionPool(core.mem);
    const region = pool.alloc(1000);
    pool.release(region);
    expect(() => pool.release(region)).toThrow(/released twice/);
    expect(() => new RegionPool(core.mem).release(pool.alloc(10))).toThrow(/not from this pool/);
  });

  it('src/core/abi.ts matches the compiled core (gen-abi --check)', () => {
    const tool = fileURLToPath(new URL('../../../tools/gen-abi.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [tool, '--check'], { stdio: 'pipe' })).not.toThrow();
    expect(ABI.BATCH_HEADER_SIZE).toBe(61);
  });
});
