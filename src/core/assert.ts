// Assertions: pre- and post-conditions and invariants that document what a function relies
// on, checked where they are cheap to state. They run in tests and in development (the
// TypeScript sources and dist/), and are compiled out of the release bundle: tools/bundle.mjs
// defines process.env.STROM_ASSERTIONS as "off", which makes ASSERTIONS the constant false and
// lets the bundler drop every `if (ASSERTIONS)` block. STROM_ASSERTIONS=off turns them off
// elsewhere too (a benchmark of the sources).
export const ASSERTIONS: boolean = process.env.STROM_ASSERTIONS !== 'off';

export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Throws AssertionError when `condition` is false. Call it as `if (ASSERTIONS) assert(...)`. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
