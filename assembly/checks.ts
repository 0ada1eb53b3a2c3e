// Assertions of the debug build (asconfig.json's debug target keeps them, with the release
// optimisations, and traps through env.abort); the release build (noAssert) drops them
// whole (ASC_NO_ASSERT is a compile-time constant: not even memory.size() is left behind).
// They state what every exported function relies on: its ranges lie in memory, the instance
// was given its scratch.
import { result } from './scratch';

/** [p, p + n) lies inside the memory. */
// @ts-ignore: decorator
@inline export function assertRange(p: usize, n: usize): void {
  if (!ASC_NO_ASSERT) assert(p + n >= p && p + n <= (<usize>memory.size()) << 16, 'range outside core memory');
}

/** init() gave this instance its scratch (the result area). */
// @ts-ignore: decorator
@inline export function assertInit(): void {
  if (!ASC_NO_ASSERT) assert(result != 0 && (result & 7) == 0, 'core used before init(), or its scratch is misaligned');
}
