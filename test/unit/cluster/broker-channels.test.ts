// The connections a broker of a cluster opens to the others for WriteTxnMarkers and
// transaction verification: a request answered by a real broker in process; a broker that is
// not alive refused at once; one that never answers given up after request.timeout.ms; a
// broker that went away and came back on its port reached again on a new connection.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { BrokerChannels } from '../../../src/cluster/broker-channels.js';
import { MetadataApi, defaultMetadataRequest } from '../../../src/protocol/generated/metadata.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function start(port = 0): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'strom-channels-'));
  dirs.push(dir);
  return Broker.start(new BrokerConfig({ listeners: `PLAINTEXT://127.0.0.1:${port}`, 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1' }), quiet);
}

const metadata = (channels: BrokerChannels, id: number) => channels.send(id, MetadataApi, 12, defaultMetadataRequest());

describe('BrokerChannels', () => {
  it('sends to a live broker, refuses one that is not alive, and reconnects to a broker that came back', async () => {
    let broker = await start();
    const port = broker.listeners[0].port;
    const channels = new BrokerChannels(9, (id) => (id === 1 ? { host: '127.0.0.1', port } : null), { protocol: 'PLAINTEXT' }, 5000);
    try {
      expect((await metadata(channels, 1)).brokers.map((b) => b.port)).toEqual([port]);
      await expect(metadata(channels, 2)).rejects.toThrow(/broker 2 is not alive/);
      await broker.stop();
      await expect(metadata(channels, 1)).rejects.toThrow();
      broker = await start(port);
      expect((await metadata(channels, 1)).brokers.map((b) => b.port)).toEqual([port]);
    } finally {
      channels.close();
      await broker.stop();
    }
  });

  it('gives up on a broker that does not answer within request.timeout.ms', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => { sockets.push(s); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const channels = new BrokerChannels(9, () => ({ host: '127.0.0.1', port }), { protocol: 'PLAINTEXT' }, 200);
    try {
      await expect(metadata(channels, 1)).rejects.toThrow(/got no response within 200 ms/);
      expect(sockets.length).toBe(1);
    } finally {
      channels.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
