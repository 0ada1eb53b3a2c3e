// Loads uWebSockets.js and tells which backend runs. The package used here
// (@trufflesuite/uws-js-unofficial under the name uWebSockets.js, see package.json) falls back
// silently to a JavaScript shim when its native binary does not load (glibc, Node ABI): the
// gateway still works then, slower, and says so in its log and in /metrics.
import { createRequire } from 'node:module';
import type * as Uws from 'uWebSockets.js';

type UwsModule = typeof Uws;
export type HttpBackend = 'native' | 'fallback';

const require = createRequire(import.meta.url);

let loaded: { uws: UwsModule; backend: HttpBackend; version: string; detail: string } | null = null;

/** uWebSockets.js, loaded once; `backend` is native only if its .node binary is what loaded. */
export function loadUws(): { uws: UwsModule; backend: HttpBackend; version: string; detail: string } {
  if (loaded) return loaded;
  const uws = require('uWebSockets.js') as UwsModule;
  const binary = Object.keys(require.cache).find((k) => /[\\/]uws_[^\\/]+\.node$/.test(k));
  let version = 'unknown';
  try {
    version = (require('uWebSockets.js/package.json') as { version: string }).version;
  } catch { /* exports may hide package.json */ }
  loaded = binary
    ? { uws, backend: 'native', version, detail: binary.replace(/^.*[\\/]/, '') }
    : { uws, backend: 'fallback', version, detail: 'JavaScript shim (the native binary did not load)' };
  return loaded;
}
