import { describe, expect, it } from 'vitest';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { withUserBuffers } from '../../../src/server/user-buffer.js';

describe('user-buffer reads on accepted sockets', () => {
  it('on this Node, an accepted socket reads straight into the buffers handed out, writes back, and still counts as the server\'s connection', async () => {
    const target = new Uint8Array(new SharedArrayBuffer(1 << 20));
    let filled = 0;
    let adopted: Socket | null = null;
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      adopted = withUserBuffers(socket, () => target.subarray(filled, Math.min(target.length, filled + 4096)), (n) => {
        filled += n;
        if (filled === 100_000) adopted!.write('done');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    const sent = Buffer.alloc(100_000);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 13) & 0xff;
    client.write(sent);
    const [reply] = await once(client, 'data');
    expect(adopted).not.toBeNull();
    expect(reply.toString()).toBe('done');
    expect(Buffer.compare(Buffer.from(target.buffer, 0, filled), sent)).toBe(0);
    const counted = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    expect(counted).toBe(1);
    client.end();
    // close() waits for the adopted connection to end: it is the server's.
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
