import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { once } from 'node:events';
import { Output, PIECE_BYTES, PUMP_HIGH_WATER_BYTES, type Response } from '../../../src/server/output.js';
import type { StreamedRecords } from '../../../src/protocol/codec.js';

/** A streamed record set over a byte array that counts what was read of it; `shrinkTo` cuts it short. */
class FakeRecords implements StreamedRecords {
  readBytes = 0;
  released = 0;
  shrinkTo = Infinity;
  constructor(private readonly bytes: Buffer) {}
  get length(): number {
    return this.bytes.length;
  }
  read(from: number, into: Uint8Array): number {
    const n = Math.max(0, Math.min(into.length, Math.min(this.bytes.length, this.shrinkTo) - from));
    into.set(this.bytes.subarray(from, from + n));
    this.readBytes += n;
    return n;
  }
  release(): void {
    this.released++;
  }
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** A connected pair on loopback: `ours` writes, `theirs` is the peer (paused: it reads nothing until resumed). */
async function pair(): Promise<{ ours: Socket; theirs: Socket }> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const theirs = connect((server.address() as { port: number }).port, '127.0.0.1');
  theirs.pause();
  const [ours] = (await accepted) as [Socket];
  sockets.push(ours, theirs);
  return { ours, theirs };
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function events() {
  const written: Response[] = [];
  const failures: unknown[] = [];
  return { written, failures, sink: { written: (r: Response) => written.push(r), moved: () => {}, fail: (_what: string, e: unknown) => failures.push(e) } };
}

describe('output', () => {
  it('reads a streamed record set only as far as the socket takes it: a peer that reads nothing pins little', async () => {
    const { ours, theirs } = await pair();
    const e = events();
    const output = new Output(ours, e.sink);
    const records = Array.from({ length: 20 }, (_, i) => new FakeRecords(pattern(8 << 20, i)));
    for (const r of records) output.push({ chunks: [Buffer.from('header'), r], releases: [] });
    output.pump();
    await new Promise((r) => setTimeout(r, 200));
    output.pump();
    const read = records.reduce((n, r) => n + r.readBytes, 0);
    // What the kernel buffers took, plus at most the high water mark and a piece in the socket.
    expect(read).toBeLessThan(16 << 20);
    expect(ours.writableLength).toBeLessThanOrEqual(PUMP_HIGH_WATER_BYTES + PIECE_BYTES);
    expect(output.unsentBytes).toBeGreaterThan(150 << 20);
    expect(e.written.length).toBe(0);
    theirs.destroy();
  });

  it('delivers every response whole and in order once the peer reads, and tells when each is written', async () => {
    const { ours, theirs } = await pair();
    const e = events();
    const output = new Output(ours, e.sink);
    const sizes = [0, 1, 4095, 4096, PIECE_BYTES - 1, PIECE_BYTES, PIECE_BYTES + 1, 3 * PIECE_BYTES + 17, 100];
    const expected: Buffer[] = [];
    const responses: Response[] = [];
    ours.on('drain', () => output.pump());
    sizes.forEach((size, i) => {
      const head = Buffer.from(`response ${i}:`);
      const body = pattern(size, i);
      expected.push(head, body);
      const chunks = size === 0 ? [head] : [head, size < 4096 ? body : new FakeRecords(body)];
      const response = { chunks, releases: [] };
      responses.push(response);
      output.push(response);
    });
    output.pump();
    const want = Buffer.concat(expected);
    const got: Buffer[] = [];
    let n = 0;
    theirs.on('data', (d: Buffer) => { got.push(d); n += d.length; });
    theirs.resume();
    for (let waited = 0; n < want.length || e.written.length < responses.length; waited += 10) {
      expect(waited).toBeLessThan(10_000);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(Buffer.compare(Buffer.concat(got), want)).toBe(0);
    expect(e.written).toEqual(responses);
    expect(e.failures).toEqual([]);
    expect(output.unsentBytes).toBe(0);
  });

  it('fails when a record set gives fewer bytes than it promised (its file shrank): the framing cannot be kept', async () => {
    const { ours, theirs } = await pair();
    const e = events();
    const output = new Output(ours, e.sink);
    const records = new FakeRecords(pattern(4 << 20, 1));
    records.shrinkTo = PIECE_BYTES + 10;
    output.push({ chunks: [Buffer.from('h'), records], releases: [] });
    theirs.resume();
    let thrown: unknown = null;
    try {
      for (let i = 0; i < 100 && !thrown && e.failures.length === 0; i++) {
        output.pump();
        await new Promise((r) => setTimeout(r, 10));
      }
    } catch (err) {
      thrown = err;
    }
    expect(String(thrown ?? e.failures[0])).toMatch(/shrank/);
  });

  it('stops reading for a socket that was destroyed, and drops what it had not written', async () => {
    const { ours } = await pair();
    const e = events();
    const output = new Output(ours, e.sink);
    const records = new FakeRecords(pattern(64 << 20, 2));
    const response = { chunks: [Buffer.from('h'), records], releases: [] };
    output.push(response);
    ours.destroy();
    output.pump();
    expect(records.readBytes).toBe(0);
    output.close();
    expect(e.written).toEqual([response]);
    expect(output.unsentBytes).toBe(0);
  });
});
