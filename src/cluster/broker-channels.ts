// Requests a broker of a cluster sends to another broker besides its replica fetches: the
// transaction coordinator's WriteTxnMarkers to the leaders of a transaction's partitions
// (Kafka's TransactionMarkerChannelManager) and a leader's AddPartitionsToTxn verification at
// the coordinator (Kafka's AddPartitionsToTxnManager, KIP-890). One connection per broker on
// the inter-broker listener, with this broker's TLS and SASL there (as the replica fetcher
// connects), opened on first use and again after it closed or the broker's endpoint moved.
import { Connection, type Api } from '../client/connection.js';
import type { ClientSecurity } from '../client/security.js';

interface Endpoint {
  host: string;
  port: number;
}

interface Channel {
  address: string;
  connection: Promise<Connection>;
}

export class BrokerChannels {
  private readonly channels = new Map<number, Channel>();
  private closed = false;

  constructor(
    private readonly me: number,
    /** The broker's endpoint on the inter-broker listener now (null: not alive, or no such listener). */
    private readonly endpoint: (brokerId: number) => Endpoint | null,
    private readonly security: ClientSecurity,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Sends one request to broker `brokerId` at `version` and resolves with its response.
   * Throws when the broker is not alive, cannot be reached, or does not answer within
   * request.timeout.ms (the connection is dropped then: the next request opens a new one).
   */
  async send<Req, Res>(brokerId: number, api: Api<Req, Res>, version: number, body: Req): Promise<Res> {
    if (this.closed) throw new Error('this broker is stopping');
    const endpoint = this.endpoint(brokerId);
    if (!endpoint) throw new Error(`broker ${brokerId} is not alive, or has no inter-broker listener`);
    const address = `${endpoint.host}:${endpoint.port}`;
    let channel = this.channels.get(brokerId);
    if (channel && channel.address !== address) this.drop(brokerId, channel);
    channel = this.channels.get(brokerId);
    if (!channel) {
      channel = {
        address,
        connection: Connection.open(endpoint.host, endpoint.port, {
          clientId: `strom-broker-${this.me}`, connectTimeoutMs: this.requestTimeoutMs, requestTimeoutMs: this.requestTimeoutMs, security: this.security,
        }),
      };
      this.channels.set(brokerId, channel);
    }
    const current = channel;
    try {
      const connection = await current.connection;
      if (connection.closed) throw new Error(`connection to broker ${brokerId} at ${address} closed`);
      return await connection.send(api, version, body, { timeoutMs: this.requestTimeoutMs });
    } catch (e) {
      this.drop(brokerId, current);
      throw e;
    }
  }

  close(): void {
    this.closed = true;
    for (const [id, channel] of this.channels) this.drop(id, channel);
  }

  private drop(brokerId: number, channel: Channel): void {
    if (this.channels.get(brokerId) === channel) this.channels.delete(brokerId);
    channel.connection.then((c) => c.close(), () => undefined);
  }
}
