// A TCP proxy between Kafka clients and a broker, on loopback, for tests of what clients do
// when the network fails them. It passes requests through untouched and reads the responses
// frame by frame; `dropResponse` may swallow one (the broker did the work, the client never
// hears of it), after which the connection is cut, as a network failure after the write would.
// Or it may hold every response (a broker that stores but never answers, then dies).
// Its target can be switched (a broker restarted on another port): set the broker's
// advertised.listeners to the proxy so that clients never go around it.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Reads length-prefixed frames from a stream of chunks. */
class Frames {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
      const size = this.buffered.readInt32BE(0);
      onFrame(this.buffered.subarray(0, 4 + size));
      this.buffered = this.buffered.subarray(4 + size);
    }
  }
}

export class KafkaProxy {
  /** Where connections go; switch it to follow a restarted broker. */
  targetPort = 0;
  /** Decides, for each response (its request's API key), whether to drop it and cut the connection. */
  dropResponse: (apiKey: number) => boolean = () => false;
  /** Cuts (and keeps cutting) the connections of clients whose client id it matches: a network partition for them alone. */
  cutClient: (clientId: string) => boolean = () => false;
  /** Connections cut by cutClient. */
  cuts = 0;
  /** Swallows every response and keeps the connections: clients wait for answers that never come (until the broker goes). */
  holdResponses = false;
  /** Produce responses swallowed while holding: each one a batch the broker stored and its client never heard of. */
  heldProduceResponses = 0;
  /** Responses dropped so far, by API key. */
  readonly dropped = new Map<number, number>();
  /** Requests passed through, by API key. */
  readonly requests = new Map<number, number>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<KafkaProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new KafkaProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.onConnection(client));
    return proxy;
  }

  private onConnection(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const apiKeys = new Map<number, number>(); // correlation id -> API key of requests in flight
    const requests = new Frames();
    const responses = new Frames();
    client.on('data', (chunk) => requests.push(chunk, (frame) => {
      if (frame.length >= 14) {
        const idLength = frame.readInt16BE(12);
        const clientId = idLength > 0 && frame.length >= 14 + idLength ? frame.toString('utf8', 14, 14 + idLength) : '';
        if (this.cutClient(clientId)) {
          this.cuts++;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      if (frame.length >= 12) {
        apiKeys.set(frame.readInt32BE(8), frame.readInt16BE(4));
        this.requests.set(frame.readInt16BE(4), (this.requests.get(frame.readInt16BE(4)) ?? 0) + 1);
      }
      upstream.write(frame);
    }));
    upstream.on('data', (chunk) => responses.push(chunk, (frame) => {
      if (client.destroyed) return;
      const correlationId = frame.readInt32BE(4);
      const apiKey = apiKeys.get(correlationId) ?? -1;
      apiKeys.delete(correlationId);
      if (this.holdResponses) {
        if (apiKey === 0) this.heldProduceResponses++;
        return;
      }
      if (this.dropResponse(apiKey)) {
        this.dropped.set(apiKey, (this.dropped.get(apiKey) ?? 0) + 1);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(frame);
    }));
  }

  /** Responses dropped of Produce (API key 0). */
  get droppedProduceResponses(): number {
    return this.dropped.get(0) ?? 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
