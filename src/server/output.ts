// A connection's outgoing side: responses in request order, their bytes handed to the socket
// as it takes them. Record sets streamed from the log (FileRecords) are read piece by piece
// into small reused buffers, only while the socket holds less than PUMP_HIGH_WATER_BYTES
// beyond what the kernel took: a client that does not read its responses costs the broker
// at most that much memory, however many responses wait for it. Pieces come from a pool
// shared by every connection; a piece is reused once the socket has written all of it.
import type { Socket } from 'node:net';
import { isStreamed, type Chunk } from '../protocol/codec.js';

/** Bytes queued in the socket (beyond the kernel's buffer) before the pump waits for it. */
export const PUMP_HIGH_WATER_BYTES = 2 << 20;
/** Bytes of a streamed record set read at a time, and the size of a pooled piece. */
export const PIECE_BYTES = 512 << 10;
/** Free pieces kept for reuse (8 MiB); more are left to the garbage collector. */
const MAX_POOLED_PIECES = 16;

const freePieces: Buffer[] = [];

class Piece {
  used = 0;
  /** Writes of this piece the socket has not finished. */
  writes = 0;
  /** No longer taken from: back to the pool once its writes finish. */
  retired = false;
  constructor(readonly buf: Buffer) {}
}

function retire(piece: Piece): void {
  piece.retired = true;
  if (piece.writes === 0 && freePieces.length < MAX_POOLED_PIECES) freePieces.push(piece.buf);
}

/** A response as the output sees it: its chunks, and what to run once they are written. */
export interface Response {
  chunks: Chunk[] | null;
  releases: (() => void)[];
}

interface OutputEvents {
  /** Every chunk of `response` was written, or dropped with the connection. */
  written(response: Response): void;
  /** Bytes moved to or out of the socket (unsentBytes changed). */
  moved(): void;
  /** The output failed (a record set could not be read whole): the connection must close. */
  fail(what: string, error: unknown): void;
}

interface Item {
  chunk: Chunk;
  /** Bytes of a streamed chunk already read into pieces. */
  at: number;
  /** Set on a response's last chunk. */
  response: Response | null;
}

export class Output {
  private readonly items: Item[] = [];
  /** Bytes pushed and not yet handed to the socket. */
  private queued = 0;
  private piece: Piece | null = null;
  private pumping = false;
  private closed = false;
  /** Called once everything pushed is written (whenWritten). */
  private onWritten: (() => void) | null = null;
  /** Writes handed to the socket whose callback has not come yet. */
  private writesInFlight = 0;

  constructor(private readonly socket: Socket, private readonly events: OutputEvents) {}

  /** Bytes of responses the client has not taken yet: queued here and in the socket. */
  get unsentBytes(): number {
    return this.queued + this.socket.writableLength;
  }

  get idle(): boolean {
    return this.items.length === 0 && this.socket.writableLength === 0;
  }

  /** Queues a response's chunks (at least one) behind those pushed before. */
  push(response: Response): void {
    const chunks = response.chunks!;
    chunks.forEach((chunk, i) => {
      this.items.push({ chunk, at: 0, response: i === chunks.length - 1 ? response : null });
      this.queued += chunk.length;
    });
  }

  /** Calls `done` once everything pushed so far is written (at once if it is). */
  whenWritten(done: () => void): void {
    this.onWritten = done;
    this.checkWritten();
  }

  private checkWritten(): void {
    if (this.onWritten && this.items.length === 0 && this.socket.writableLength === 0 && this.writesInFlight === 0) {
      const done = this.onWritten;
      this.onWritten = null;
      done();
    }
  }

  /** Hands the socket what it will take now. */
  pump(): void {
    if (this.closed || this.pumping) return;
    this.pumping = true;
    const socket = this.socket;
    socket.cork();
    try {
      // A destroyed socket takes every write (and fails it later): nothing more goes to it.
      while (this.items.length > 0 && socket.writableLength < PUMP_HIGH_WATER_BYTES && !socket.destroyed) {
        const item = this.items[0];
        const chunk = item.chunk;
        if (!isStreamed(chunk)) {
          this.items.shift();
          this.queued -= chunk.length;
          const response = item.response;
          this.writesInFlight++;
          socket.write(chunk, () => this.afterWrite(null, response));
          continue;
        }
        const n = Math.min(PIECE_BYTES, chunk.length - item.at);
        const piece = this.take(n);
        const view = piece.buf.subarray(piece.used - n, piece.used);
        const got = chunk.read(item.at, view);
        if (got < n) throw new Error(`a record set of ${chunk.length} bytes gave ${got} of ${n} bytes at ${item.at}: its file shrank`);
        item.at += n;
        this.queued -= n;
        const done = item.at === chunk.length;
        if (done) this.items.shift();
        const response = done ? item.response : null;
        piece.writes++;
        this.writesInFlight++;
        socket.write(view, () => this.afterWrite(piece, response));
      }
    } finally {
      socket.uncork();
      this.pumping = false;
    }
    this.events.moved();
  }

  private afterWrite(piece: Piece | null, response: Response | null): void {
    try {
      this.writesInFlight--;
      if (piece && --piece.writes === 0 && piece.retired && freePieces.length < MAX_POOLED_PIECES) freePieces.push(piece.buf);
      if (response) this.events.written(response);
      this.pump();
      this.checkWritten();
    } catch (e) {
      this.events.fail('writing', e);
    }
  }

  /** Room for n bytes (n <= PIECE_BYTES) at the end of the current piece, or a fresh one. */
  private take(n: number): Piece {
    let piece = this.piece;
    if (!piece || piece.buf.length - piece.used < n) {
      if (piece) retire(piece);
      piece = this.piece = new Piece(freePieces.pop() ?? Buffer.allocUnsafeSlow(PIECE_BYTES));
    }
    piece.used += n;
    return piece;
  }

  /** The connection is gone: responses not written are dropped (their releases run). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const item of this.items.splice(0)) if (item.response) this.events.written(item.response);
    this.queued = 0;
    if (this.piece) retire(this.piece);
    this.piece = null;
  }
}
