// The core's memory model.
//
// One WebAssembly.Memory, always shared (SharedArrayBuffer-backed), so a worker thread can
// run its own instance of the core over the very bytes another thread wrote: the produce
// path copies a request's records once, into this memory, and the worker validates them in
// place and writes them to disk from here. Regions are handed out by a bump allocator whose
// state lives in the memory itself (a header word updated with Atomics), so every thread
// attached to the memory allocates from it safely. Regions live as long as the memory.
//
// Views are grow-safe: growing the memory (by any thread) replaces its buffer, and every
// accessor here re-derives its views when the buffer it holds is stale.
import type { Ptr } from './abi.js';
import { ASSERTIONS, assert } from './assert.js';

const WASM_PAGE = 65536;
const HEADER_MAGIC = 0x4d525453; // "STRM"
/** Default ceiling of a memory; each is reserved up front as address space, not RSS. */
export const DEFAULT_MAXIMUM_BYTES = 1 << 30;
/**
 * The largest memory: wasm32's 4 GiB less one page, so that the address one past the last
 * byte (a region's end) still fits the core's 32-bit usize.
 */
export const LARGEST_MAXIMUM_BYTES = 4 * 1024 ** 3 - WASM_PAGE;

export interface MemoryOptions {
  initialBytes?: number;
  maximumBytes?: number;
}

export class CoreMemory {
  readonly memory: WebAssembly.Memory;
  /** Address of the allocator header: [magic, next free byte]. */
  private readonly header: number;
  private buffer!: ArrayBufferLike;
  /** Every buffer object this memory has had: views made before a growth still count. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private u8View!: Uint8Array;
  private dataView!: DataView;
  /** Unsigned: addresses above 2 GiB stay positive (a signed view wrapped them negative). */
  private u32View!: Uint32Array;
  /** Where misaligned writes are staged (reserved on first use). */
  private stage = -1;

  /** A fresh shared memory; call init() once the core reported its heap base. */
  static allocate(options: MemoryOptions = {}): WebAssembly.Memory {
    const maximum = Math.ceil((options.maximumBytes ?? DEFAULT_MAXIMUM_BYTES) / WASM_PAGE);
    const initial = Math.min(maximum, Math.ceil((options.initialBytes ?? 4 * WASM_PAGE) / WASM_PAGE));
    return new WebAssembly.Memory({ initial, maximum, shared: true });
  }

  /**
   * Wraps `memory`, whose static data ends at heapBase; `memmove` is the core's (bulk
   * memory's memory.copy). The first wrapper of a memory initialises the allocator header;
   * later ones (other threads) find it there.
   */
  constructor(memory: WebAssembly.Memory, heapBase: number, private readonly memmove: (dst: number, src: number, n: number) => void) {
    this.memory = memory;
    this.header = align(heapBase, 16);
    this.refresh();
    const magicIndex = this.header >> 2;
    if (Atomics.compareExchange(this.u32View, magicIndex, 0, HEADER_MAGIC) === 0) {
      Atomics.store(this.u32View, magicIndex + 1, this.header + 16);
    } else if (Atomics.load(this.u32View, magicIndex) !== HEADER_MAGIC) {
      throw new Error('core memory: allocator header is corrupt');
    }
  }

  /** Reserves `bytes` (aligned to `alignment`) for the life of the memory; grows it if needed. */
  reserve(bytes: number, alignment = 16): Ptr {
    const u32 = this.u32();
    const next = (this.header >> 2) + 1;
    for (;;) {
      const old = Atomics.load(u32, next);
      const start = align(old, alignment);
      const end = start + bytes;
      if (end > this.memory.buffer.byteLength) this.growTo(end);
      if (Atomics.compareExchange(u32, next, old, end) === old) return start as Ptr;
    }
  }

  /** Bytes handed out so far (including static data). */
  get reservedBytes(): number {
    return Atomics.load(this.u32(), (this.header >> 2) + 1);
  }

  private growTo(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
    } catch {
      // Another thread may have grown it meanwhile; only fail if it is still too small.
      if (this.memory.buffer.byteLength < end) throw new RangeError(`core memory: cannot grow to ${end} bytes`);
    }
  }

  private refresh(): void {
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
    this.dataView = new DataView(this.buffer);
    this.u32View = new Uint32Array(this.buffer);
  }

  /** Whether `bytes` is a view of this memory (then its byteOffset is its address). */
  holds(bytes: Uint8Array): boolean {
    return bytes.buffer === this.memory.buffer || this.buffers.has(bytes.buffer);
  }

  /** The whole memory as bytes (re-derived after growth). */
  u8(): Uint8Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.u8View;
  }

  dv(): DataView {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.dataView;
  }

  private u32(): Uint32Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.u32View;
  }

  /** A view of [ptr, ptr + length); valid until the memory grows. */
  view(ptr: Ptr, length: number): Uint8Array {
    if (ASSERTIONS) this.assertRange(ptr, length);
    return this.u8().subarray(ptr, ptr + length);
  }

  /**
   * Copies bytes to ptr. Into shared memory V8 copies word by word only when source and
   * target addresses agree mod 8, else byte by byte (measured 1.5 against 7 GB/s for 64 KiB,
   * BENCHMARKS.md); a misaligned copy is staged at an address that agrees with the source and
   * moved into place by the core (a memmove), in STAGE_BYTES pieces.
   */
  write(ptr: Ptr, bytes: Uint8Array): void {
    if (ASSERTIONS) this.assertRange(ptr, bytes.length);
    const skew = (ptr - bytes.byteOffset) & 7;
    if (skew === 0 || bytes.length < MIN_STAGED_BYTES) {
      this.u8().set(bytes, ptr);
      return;
    }
    if (this.stage < 0) this.stage = this.reserve(STAGE_BYTES + 8, 8);
    const stage = this.stage + (bytes.byteOffset & 7);
    for (let at = 0; at < bytes.length; at += STAGE_BYTES) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + STAGE_BYTES));
      this.u8().set(piece, stage);
      this.memmove(ptr + at, stage, piece.length);
    }
  }

  /** Moves n bytes from src to dst within the memory (the core's memmove). */
  move(dst: Ptr, src: Ptr, n: number): void {
    if (ASSERTIONS) {
      this.assertRange(dst, n);
      this.assertRange(src, n);
    }
    this.memmove(dst, src, n);
  }

  /** The address stored at `address` (a pointer field the core wrote, little-endian). */
  ptrAt(address: Ptr): Ptr {
    return this.dv().getUint32(address, true) as Ptr;
  }

  /** A copy of [ptr, ptr + length), owned by the caller. */
  read(ptr: Ptr, length: number): Uint8Array {
    if (ASSERTIONS) this.assertRange(ptr, length);
    return this.u8().slice(ptr, ptr + length);
  }

  /** [ptr, ptr + length) is an address range of this memory past its header (nothing outside core memory is an address). */
  assertRange(ptr: number, length: number): void {
    assert(Number.isInteger(ptr) && Number.isInteger(length) && length >= 0, `not an address range: ${ptr}, ${length}`);
    assert(ptr >= this.header && ptr + length <= this.memory.buffer.byteLength, `[${ptr}, ${ptr + length}) lies outside core memory (${this.memory.buffer.byteLength} bytes)`);
  }
}

/** Misaligned writes below this go straight in (staging them costs a call). */
const MIN_STAGED_BYTES = 512;
/** Staging area of each thread's CoreMemory; cache-sized, so the second copy reads from cache. */
const STAGE_BYTES = 64 << 10;

function align(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** A region handed out by a RegionPool. */
export interface Region {
  ptr: Ptr;
  capacity: number;
}

/**
 * Freeable regions of one thread, on top of the never-freeing CoreMemory.reserve: sizes are
 * rounded up to a power of two (at least 256 bytes) and freed regions wait in a free list
 * per size for reuse. Memory is reserved as needed and kept at its peak. Only the thread
 * that owns the pool may use it.
 */
export class RegionPool {
  private readonly free = new Map<number, Ptr[]>();
  /** With assertions: the regions handed out (a region released twice, or never handed out, is a bug). */
  private readonly live = ASSERTIONS ? new Set<number>() : null;
  /** Bytes in regions handed out and not yet released. */
  inUse = 0;

  constructor(readonly mem: CoreMemory) {}

  /** The capacity of the region alloc(bytes) hands out (what holding it costs). */
  static capacityFor(bytes: number): number {
    return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
  }

  alloc(bytes: number): Region {
    const capacity = RegionPool.capacityFor(bytes);
    const ptr = this.free.get(capacity)?.pop() ?? this.mem.reserve(capacity, 64);
    this.inUse += capacity;
    if (this.live) {
      assert(!this.live.has(ptr), `region ${ptr} handed out twice`);
      this.live.add(ptr);
    }
    return { ptr, capacity };
  }

  release(region: Region): void {
    if (this.live) {
      assert(this.live.has(region.ptr), `region ${region.ptr} (${region.capacity} bytes) released twice, or not from this pool`);
      this.live.delete(region.ptr);
    }
    let list = this.free.get(region.capacity);
    if (!list) this.free.set(region.capacity, (list = []));
    list.push(region.ptr);
    this.inUse -= region.capacity;
  }

  /** A larger region holding the first `keep` bytes of `region`, which is released. */
  grow(region: Region, bytes: number, keep: number): Region {
    const bigger = this.alloc(bytes);
    this.mem.u8().copyWithin(bigger.ptr, region.ptr, region.ptr + keep);
    this.release(region);
    return bigger;
  }
}
