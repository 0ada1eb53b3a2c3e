// Lookups in Kafka's segment indexes (apache/kafka OffsetIndex.java, TimeIndex.java,
// AbstractIndex.java), big-endian as on disk:
//   offset index: 8-byte entries  relativeOffset int32 | position int32
//   time index:  12-byte entries  timestamp int64 | relativeOffset int32
// Keys increase strictly along an index, so binary search applies. "Floor" is Kafka's
// largestLowerBoundSlotFor (largest entry <= target), "ceiling" its smallestUpperBoundSlotFor
// (smallest entry >= target). Both return -1 when no entry qualifies; the found entry's
// key and value go to the result area. Keys must increase strictly, as Kafka writes them.
import { be32, be64, putBe32, putBe64 } from './batch';
import { result, R_INDEX_KEY, R_INDEX_VALUE } from './scratch';
import { assertRange, assertInit } from './checks';

export const OFFSET_ENTRY_SIZE: usize = 8;
export const TIME_ENTRY_SIZE: usize = 12;

// @ts-ignore: decorator
@inline function offsetKey(p: usize, slot: i32): i64 { return <i64>be32(p + <usize>slot * OFFSET_ENTRY_SIZE); }
// @ts-ignore: decorator
@inline function timeKey(p: usize, slot: i32): i64 { return be64(p + <usize>slot * TIME_ENTRY_SIZE); }

// @ts-ignore: decorator
@inline function keyAt(p: usize, slot: i32, time: bool): i64 { return time ? timeKey(p, slot) : offsetKey(p, slot); }

/**
 * First slot whose key is >= target (entries if none). Index keys grow nearly linearly
 * (an entry per log.index.interval.bytes of log), so the first probe interpolates between
 * the ends; from there it gallops outward until the target is bracketed, then bisects.
 * A few probes, close together, for a real index; O(log n) whatever the keys.
 */
// @ts-ignore: decorator
@inline function lowerBound(p: usize, entries: i32, target: i64, time: bool): i32 {
  if (entries <= 0) return 0;
  const first = keyAt(p, 0, time);
  if (target <= first) return 0;
  const last = keyAt(p, entries - 1, time);
  if (target > last) return entries;
  // Here key(0) < target <= key(entries - 1): keep key(lo) < target <= key(hi).
  let lo: i32 = 0;
  let hi: i32 = entries - 1;
  let guess = <i32>(<f64>(target - first) / <f64>(last - first) * <f64>(entries - 1));
  if (guess < 1) guess = 1;
  if (guess > entries - 1) guess = entries - 1;
  let step: i32 = 1;
  if (keyAt(p, guess, time) >= target) {
    hi = guess;
    while (true) {
      const probe = guess - step;
      if (probe <= lo) break;
      if (keyAt(p, probe, time) < target) { lo = probe; break; }
      hi = probe;
      step <<= 1;
    }
  } else {
    lo = guess;
    while (true) {
      const probe = guess + step;
      if (probe >= hi) break;
      if (keyAt(p, probe, time) >= target) { hi = probe; break; }
      lo = probe;
      step <<= 1;
    }
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(p, mid, time) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

// @ts-ignore: decorator
@inline function search(p: usize, entries: i32, target: i64, time: bool, floor: bool): i32 {
  assert(entries >= 0, 'negative entries'); assertRange(p, <usize>entries * (time ? TIME_ENTRY_SIZE : OFFSET_ENTRY_SIZE)); assertInit();
  const lb = lowerBound(p, entries, target, time);
  let found: i32;
  if (floor) found = lb < entries && keyAt(p, lb, time) == target ? lb : lb - 1;
  else found = lb < entries ? lb : -1;
  if (found >= 0) indexEntry(p, found, time);
  return found;
}

/** Largest offset index entry with relativeOffset <= target; value = its position. */
export function offsetIndexFloor(p: usize, entries: i32, target: i32): i32 { return search(p, entries, <i64>target, false, true); }
/** Smallest offset index entry with relativeOffset >= target. */
export function offsetIndexCeiling(p: usize, entries: i32, target: i32): i32 { return search(p, entries, <i64>target, false, false); }
/** Largest time index entry with timestamp <= target; value = its relative offset. */
export function timeIndexFloor(p: usize, entries: i32, target: f64): i32 { return search(p, entries, <i64>target, true, true); }
/** Smallest time index entry with timestamp >= target. */
export function timeIndexCeiling(p: usize, entries: i32, target: f64): i32 { return search(p, entries, <i64>target, true, false); }

/** Writes offset index entry `slot`. */
export function offsetIndexPut(p: usize, slot: i32, relativeOffset: i32, position: i32): void {
  assert(slot >= 0, 'negative slot'); assertRange(p + <usize>slot * OFFSET_ENTRY_SIZE, OFFSET_ENTRY_SIZE);
  const e = p + <usize>slot * OFFSET_ENTRY_SIZE;
  putBe32(e, relativeOffset);
  putBe32(e + 4, position);
}
/** Writes time index entry `slot`. */
export function timeIndexPut(p: usize, slot: i32, timestamp: f64, relativeOffset: i32): void {
  assert(slot >= 0, 'negative slot'); assertRange(p + <usize>slot * TIME_ENTRY_SIZE, TIME_ENTRY_SIZE);
  const e = p + <usize>slot * TIME_ENTRY_SIZE;
  putBe64(e, <i64>timestamp);
  putBe32(e + 8, relativeOffset);
}

/**
 * Kafka's index sanity check: keys increase strictly and, in an offset index, positions lie
 * in [0, positionLimit). Returns the first bad slot, or -1 when the index is sound.
 */
export function indexCheck(p: usize, entries: i32, time: bool, positionLimit: i32): i32 {
  assert(entries >= 0, 'negative entries'); assertRange(p, <usize>entries * (time ? TIME_ENTRY_SIZE : OFFSET_ENTRY_SIZE));
  let last: i64 = i64.MIN_VALUE;
  for (let slot: i32 = 0; slot < entries; slot++) {
    const key = keyAt(p, slot, time);
    if (key <= last) return slot;
    if (!time) {
      const position = be32(p + <usize>slot * OFFSET_ENTRY_SIZE + 4);
      if (position < 0 || position >= positionLimit) return slot;
    }
    last = key;
  }
  return -1;
}

/** Puts entry `slot`'s key and value in the result area. */
export function indexEntry(p: usize, slot: i32, time: bool): void {
  assert(slot >= 0, 'negative slot'); assertRange(p + <usize>slot * (time ? TIME_ENTRY_SIZE : OFFSET_ENTRY_SIZE), time ? TIME_ENTRY_SIZE : OFFSET_ENTRY_SIZE); assertInit();
  if (time) {
    const e = p + <usize>slot * TIME_ENTRY_SIZE;
    store<f64>(result + R_INDEX_KEY, <f64>be64(e));
    store<i32>(result + R_INDEX_VALUE, be32(e + 8));
  } else {
    const e = p + <usize>slot * OFFSET_ENTRY_SIZE;
    store<f64>(result + R_INDEX_KEY, <f64>be32(e));
    store<i32>(result + R_INDEX_VALUE, be32(e + 4));
  }
}
