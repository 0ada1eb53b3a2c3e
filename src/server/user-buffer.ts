// Socket reads straight into buffers of ours (Node's `onread` option: the kernel copies into
// the buffer we hand out, no Buffer is allocated per read and nothing is copied after).
// net.Server has no such option, only `new net.Socket()` does, so an accepted socket (from a
// server created with pauseOnConnect, so nothing has been read yet) is made again over the
// same handle. The handle and the `handle` option are Node internals, stable since Node 12:
// where they are missing, null is returned and the caller reads 'data' events instead.
import { Socket } from 'node:net';

interface Internals {
  _handle?: { useUserBuffer?: unknown } | null;
  _server?: unknown;
  server?: unknown;
}

/**
 * Re-creates `accepted` over its handle with `next()` giving the buffer for each read and
 * `onRead(n)` told how many bytes landed in it. Null where this Node cannot.
 */
export function withUserBuffers(accepted: Socket, next: () => Uint8Array, onRead: (n: number) => void): Socket | null {
  const old = accepted as unknown as Internals;
  const handle = old._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return null;
  const server = old._server;
  // The server counts connections until its socket is destroyed: the new socket carries that.
  old._handle = null;
  old._server = null;
  old.server = null;
  const socket = new Socket({
    handle, readable: true, writable: true,
    onread: { buffer: next, callback: (n: number) => { onRead(n); } },
  } as unknown as ConstructorParameters<typeof Socket>[0]);
  const adopted = socket as unknown as Internals;
  adopted._server = server;
  adopted.server = server;
  return socket;
}
