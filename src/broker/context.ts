// The broker's services as everything above the logs sees them: API handlers, the Kafka
// listeners, the HTTP gateway. broker.ts builds it; nothing here knows about sockets.
import type { BrokerConfig, Listener } from '../config/config.js';
import type { LogManager } from '../log/log-manager.js';
import type { Core, MemoryBudget, RegionPool } from '../core/index.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import type { Logger } from '../base/logger.js';
import type { FetchSessionCache } from './fetch-sessions.js';
import type { ScramCredentialStore } from '../security/credentials.js';
import type { TransactionCoordinator } from '../txn/coordinator.js';
import type { ClusterView } from './cluster-view.js';
import type { ClientTelemetry } from '../telemetry/client-telemetry.js';
import type { AclAuthorizer } from '../security/authorizer.js';
import type { ClientQuotas } from '../quota/client-quotas.js';

/** The broker's services, as handlers see them. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  readonly core: Core;
  readonly regions: RegionPool;
  /** Core memory for requests and responses in flight, broker-wide (strom.request.memory.max.bytes). */
  readonly memory: MemoryBudget;
  readonly logger: Logger;
  readonly nodeId: number;
  /** The brokers, topics, partitions and leaders of the cluster (this broker alone, or a cluster on etcd). */
  readonly cluster: ClusterView;
  /** What Metadata advertises, one address per listener (ports resolved after listening). */
  readonly advertised: Listener[];
  /** Users' SCRAM credentials (DescribeUserScramCredentials, AlterUserScramCredentials, SASL/SCRAM). */
  readonly credentials: ScramCredentialStore;
  /** The ACL authorizer (authorizer.class.name), or null: every request is allowed. */
  readonly authorizer: AclAuthorizer | null;
  /** Client quotas: produce and fetch byte rates, request time, connection rates (AlterClientQuotas). */
  readonly quotas: ClientQuotas;
  /** Incremental fetch sessions (KIP-227). */
  readonly fetchSessions: FetchSessionCache;
  /** KIP-714 client telemetry: subscriptions, and each client's latest pushed metrics. */
  readonly telemetry: ClientTelemetry;
  /** A fresh producer id (InitProducerId). */
  nextProducerId(): number;
  /** Per-topic traffic counters (the HTTP gateway's /metrics), when something listens. */
  readonly traffic?: TrafficListener;
  /**
   * KIP-890 part 1, the transaction coordinator's: asked before a transactional batch is
   * appended for a producer with no transaction open on the partition; resolves with 0 to
   * append it, else the error code the producer gets (e.g. INVALID_TXN_STATE when the
   * coordinator knows of no such transaction). Absent: such a batch opens a transaction.
   * `transactionalId` is the Produce request's (null: nothing to verify against); Produce
   * v11+ clients know TRANSACTION_ABORTABLE, older ones get INVALID_TXN_STATE.
   */
  readonly verifyTransaction?: (topic: string, partition: number, producerId: number, producerEpoch: number, baseSequence: number, transactionalId: string | null, apiVersion: number) => Promise<number>;
  /** The transaction coordinator (of the transactional ids whose partition of __transaction_state this broker leads). */
  readonly txn: TransactionCoordinator;
}

/** Bytes and records in and out per topic, as the produce and fetch paths see them. */
export interface TrafficListener {
  produced(topic: string, bytes: number, records: number): void;
  fetched(topic: string, bytes: number): void;
}
