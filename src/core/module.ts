// Loads the compiled core (build/core.wasm) once per thread and instantiates it over a given
// memory. The export types come from the bindings asc generates beside the module.
import { readFileSync } from 'node:fs';
import type { instantiate } from '../../build/core.js';

export type CoreExports = Awaited<ReturnType<typeof instantiate>>;

const WASM_URL = new URL('../../build/core.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;

/** The compiled module; compiled on first use. A Module can be posted to worker threads. */
export function coreModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
  return compiled;
}

export function instantiateCore(memory: WebAssembly.Memory, module: WebAssembly.Module = coreModule()): CoreExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as CoreExports;
}
