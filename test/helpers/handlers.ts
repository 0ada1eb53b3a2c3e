// A real broker in process (its own temp data dir, one append worker, no HTTP) for the
// focused tests of one API handler: requests go to the handler as a client's would reach it
// (encoded and decoded at the version asked, so fields that version lacks take their
// defaults), and its response comes back encoded and decoded at that version too, as the
// client reads it. No socket: a handler's test runs in well under a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { BrokerConfig } from '../../src/config/config.js';
import { Reader, Writer, isStreamed, type Chunk } from '../../src/protocol/codec.js';
import { MemoryBudget } from '../../src/core/index.js';
import type { Handler, RequestContext } from '../../src/api/handler.js';
import { buildBatch, type RecordInput } from '../../src/core/index.js';
import { ANONYMOUS, type KafkaPrincipal } from '../../src/security/principal.js';
import type { SaslAuthenticator } from '../../src/security/sasl.js';

export interface Exchange<Res> {
  /** The response as the client decodes it, or null when the handler sends none. */
  response: Res | null;
  /** Why the handler closed the connection, if it did. */
  closed: string | null;
}

export interface HandlerBroker {
  readonly broker: Broker;
  readonly dir: string;
  /** Log lines (level and message) the broker wrote. */
  readonly logged: string[];
  /** The handler's response to `request` at `version`, as the client reads it. */
  call<Req, Res>(handler: Handler<Req, Res>, version: number, request: Req, options?: CallOptions): Promise<Res>;
  /** call(), also saying whether the handler closed the connection; a null response is allowed. */
  exchange<Req, Res>(handler: Handler<Req, Res>, version: number, request: Req, options?: CallOptions): Promise<Exchange<Res>>;
  /** Stops the broker cleanly and starts it again on the same directory and config. */
  restart(): Promise<void>;
  /**
   * Overwrites the core memory regions freed since (request frames among them, as a
   * connection reuses them for the next requests): what a handler kept a view of changes.
   */
  scribbleFreedMemory(): void;
  /** Creates a topic and appends `records` (one batch) to each listed partition. */
  topic(name: string, partitions: number, records?: Record<number, RecordInput[]>, configs?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export interface CallOptions {
  clientId?: string | null;
  clientHost?: string;
  /** What the connection's ApiVersions v3+ named (KIP-511). */
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
  /** Who sends it (default User:ANONYMOUS), for the authorizer. */
  principal?: KafkaPrincipal;
  /** The connection's SASL state (default none: a PLAINTEXT listener). */
  sasl?: SaslAuthenticator;
}

const running: HandlerBroker[] = [];

/** Starts a broker in a temp dir (removed by stop()); `overrides` are broker configs. */
export async function startHandlerBroker(overrides: Record<string, string> = {}): Promise<HandlerBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'strom-api-'));
  const logged: string[] = [];
  const logger = {
    info: (m: string) => logged.push(`INFO ${m}`), warn: (m: string) => logged.push(`WARN ${m}`),
    error: (m: string) => logged.push(`ERROR ${m}`), debug: () => {},
  };
  const config = () => new BrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1',
    'num.partitions': '1', 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', ...overrides,
  });
  let broker = await Broker.start(config(), logger);

  async function exchange<Req, Res>(handler: Handler<Req, Res>, version: number, request: Req, options: CallOptions = {}): Promise<Exchange<Res>> {
    const { api } = handler;
    const w = new Writer();
    api.writeRequest(w, version, request);
    const bytes = w.toBuffer();
    // Where a connection reads a request frame: core memory (a produced batch is appended
    // from there), until the response is written.
    const b = broker;
    const frame = b.context.regions.alloc(bytes.length);
    b.core.mem.write(frame.ptr, bytes);
    const decoded = api.readRequest(new Reader(Buffer.from(b.core.mem.u8().buffer, frame.ptr, bytes.length)), version);
    const releases: (() => void)[] = [() => b.context.regions.release(frame)];
    let closed: string | null = null;
    const ctx: RequestContext = {
      apiKey: api.key, apiVersion: version, correlationId: 1, clientId: options.clientId === undefined ? 'unit-test' : options.clientId,
      clientAddress: `${options.clientHost ?? '127.0.0.1'}:40000`, clientHost: options.clientHost ?? '127.0.0.1', broker: b.context,
      clientSoftwareName: options.clientSoftwareName ?? null, clientSoftwareVersion: options.clientSoftwareVersion ?? null,
      memory: new MemoryBudget(b.config.int('strom.connection.max.unsent.bytes')),
      onDone: (release) => releases.push(release),
      closeConnection: (reason) => { closed = reason; },
      closeAfterResponse: (reason) => { closed = reason; },
      listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', principal: options.principal ?? ANONYMOUS, sasl: options.sasl ?? null,
    };
    try {
      const response = await handler.handle(decoded, ctx);
      if (response === null) return { response: null, closed };
      const out = new Writer();
      api.writeResponse(out, version, response);
      return { response: api.readResponse(new Reader(bytesOf(out.chunks())), version), closed };
    } finally {
      for (const release of releases) release();
    }
  }

  const handle: HandlerBroker = {
    get broker() { return broker; },
    dir, logged, exchange,
    async restart() {
      await broker.stop();
      broker = await Broker.start(config(), logger);
    },
    async call(handler, version, request, options) {
      const { response, closed } = await exchange(handler, version, request, options);
      if (closed !== null) throw new Error(`the handler closed the connection: ${closed}`);
      if (response === null) throw new Error(`${handler.api.name} v${version} sent no response`);
      return response;
    },
    scribbleFreedMemory() {
      const { regions } = broker.context;
      const taken = [];
      for (let size = 256; size <= 1 << 16; size *= 2) {
        for (let i = 0; i < 4; i++) {
          const region = regions.alloc(size);
          broker.core.mem.u8().fill(0xee, region.ptr, region.ptr + region.capacity);
          taken.push(region);
        }
      }
      for (const region of taken) regions.release(region);
    },
    async topic(name, partitions, records = {}, configs = {}) {
      await broker.logs.createTopic(name, partitions, configs);
      for (const [partition, list] of Object.entries(records)) {
        const result = await broker.logs.partition(name, Number(partition))!.append(buildBatch(broker.core, list));
        if (result.status !== 0) throw new Error(`append to ${name}-${partition} failed: ${broker.core.codeName(result.status)}`);
      }
    },
    async stop() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.push(handle);
  return handle;
}

/** Stops every broker started here (for afterAll). */
export async function stopHandlerBrokers(): Promise<void> {
  await Promise.all(running.splice(0).map((b) => b.stop()));
}

/** The bytes of an encoded response, streamed record sets read as a connection writes them. */
function bytesOf(chunks: Chunk[]): Buffer {
  return Buffer.concat(chunks.map((c) => {
    if (!isStreamed(c)) return c;
    const bytes = Buffer.alloc(c.length);
    const got = c.read(0, bytes);
    if (got !== c.length) throw new Error(`a streamed record set gave ${got} of ${c.length} bytes`);
    return bytes;
  }));
}
