// Loads the compiled core once per thread and instantiates it over a given memory. Two builds
// of the same source: build/core.wasm (release, assertions compiled out) and
// build/core.debug.wasm (the same optimisations, with the core's assertions, which trap
// through env.abort as an AssertionError). The debug core runs wherever assertions are on
// (assert.ts: tests and development) and in any process started with STROM_CORE_DEBUG=1 (the
// integration tests' brokers); the release bundle loads the release core.
// The export types come from the bindings asc generates beside the module.
import { readFileSync } from 'node:fs';
import type { instantiate } from '../../build/core.js';
import { ASSERTIONS, AssertionError } from './assert.js';

export type CoreExports = Awaited<ReturnType<typeof instantiate>>;

export const CORE_DEBUG = ASSERTIONS || process.env.STROM_CORE_DEBUG === '1';
const WASM_URL = CORE_DEBUG ? new URL('../../build/core.debug.wasm', import.meta.url) : new URL('../../build/core.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;

/** The compiled module; compiled on first use. A Module can be posted to worker threads. */
export function coreModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
  return compiled;
}

export function instantiateCore(memory: WebAssembly.Memory, module: WebAssembly.Module = coreModule()): CoreExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      // Only the debug core imports it: an assertion of the core failed.
      abort: (message: number, file: number, line: number, column: number) => {
        throw new AssertionError(`core assertion failed: ${readString(memory, message)} (${readString(memory, file)}:${line}:${column})`);
      },
    },
  });
  return instance.exports as unknown as CoreExports;
}

/** An AssemblyScript string (UTF-16, its byte length in the word before it) at ptr. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const bytes = new Uint8Array(memory.buffer);
  const length = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return Buffer.from(bytes.slice(ptr, ptr + length)).toString('utf16le');
}
