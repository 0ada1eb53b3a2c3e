// Where a worker thread's script is. Compiled, the caller and its worker lie side by side
// (dist/<dir>/, or dist/bundle/ where tools/bundle.mjs puts every worker beside the bundle);
// under vitest the caller is a TypeScript source in src/<dir>/, and the worker its compiled
// copy in dist/ (worker threads do not run TypeScript).
export function workerUrl(callerUrl: string, script: string): URL {
  const name = script.slice(script.lastIndexOf('/') + 1);
  return callerUrl.endsWith('.ts') ? new URL(`../../dist/${script}`, callerUrl) : new URL(`./${name}`, callerUrl);
}
