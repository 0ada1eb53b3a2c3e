// KIP-890 part 1, the partition's side (Kafka's AddPartitionsToTxnManager): before the first
// transactional batch of a producer with no transaction open on a partition is appended (a
// Produce, or a TxnOffsetCommit on __consumer_offsets), the partition's leader asks the
// transactional id's coordinator whether the partition is in the producer's transaction. The
// coordinator is this broker (asked in process) or another broker of the cluster, asked with
// AddPartitionsToTxn v4 VerifyOnly on the inter-broker listener.
import { ErrorCode } from '../protocol/errors.js';
import { AddPartitionsToTxnApi, defaultAddPartitionsToTxnRequest } from '../protocol/generated/add-partitions-to-txn.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../base/logger.js';
import type { TransactionCoordinator } from './coordinator.js';
import { TRANSACTION_STATE_TOPIC } from './state-topic.js';
import { topicPartition } from './records.js';

/** AddPartitionsToTxn v4: the brokers' form, with VerifyOnly. */
const VERIFY_VERSION = 4;

export class TxnVerifier {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly cluster: ClusterView,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Whether the batch may be appended (NONE), else the producer's error, as Kafka's
   * AddPartitionsToTxnManager answers: PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH;
   * TRANSACTION_ABORTABLE stays for clients that know it (`abortableKnown`: Produce v11+,
   * TxnOffsetCommit v4+), else INVALID_TXN_STATE; a coordinator that is busy with the
   * transaction, moving, loading or out of reach is a retriable NOT_ENOUGH_REPLICAS.
   * Off (NONE) with transaction.partition.verification.enable=false.
   */
  async verify(transactionalId: string | null, producerId: number, producerEpoch: number, topic: string, partition: number, abortableKnown: boolean): Promise<number> {
    if (transactionalId === null || !this.config.bool('transaction.partition.verification.enable')) return ErrorCode.NONE;
    const tp = topicPartition(topic, partition);
    const state = this.coordinator.topic;
    let code: number;
    if (!this.config.clustered || (state.exists && this.cluster.leads(TRANSACTION_STATE_TOPIC, state.partitionFor(transactionalId)))) {
      code = this.coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, [tp]).get(tp)!;
    } else {
      const leader = state.exists ? this.cluster.topic(TRANSACTION_STATE_TOPIC)?.partition(state.partitionFor(transactionalId))?.leader ?? -1 : -1;
      code = leader < 0 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : await this.ask(leader, transactionalId, producerId, producerEpoch, topic, partition);
    }
    switch (code) {
      case ErrorCode.PRODUCER_FENCED: return ErrorCode.INVALID_PRODUCER_EPOCH;
      case ErrorCode.TRANSACTION_ABORTABLE: return abortableKnown ? code : ErrorCode.INVALID_TXN_STATE;
      case ErrorCode.CONCURRENT_TRANSACTIONS: case ErrorCode.NOT_COORDINATOR: case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS: case ErrorCode.REQUEST_TIMED_OUT:
        return ErrorCode.NOT_ENOUGH_REPLICAS;
      default: return code;
    }
  }

  /** Asks the coordinator on broker `coordinator` (REQUEST_TIMED_OUT when it cannot be asked). */
  private async ask(coordinator: number, transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    const request = defaultAddPartitionsToTxnRequest();
    request.transactions = [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [partition] }] }];
    try {
      const response = await this.cluster.sendToBroker(coordinator, AddPartitionsToTxnApi, VERIFY_VERSION, request);
      if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
      const result = response.resultsByTransaction.find((t) => t.transactionalId === transactionalId)
        ?.topicResults.find((t) => t.name === topic)?.resultsByPartition.find((p) => p.partitionIndex === partition);
      return result?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch (e) {
      this.logger.debug(`verifying producer ${producerId}'s transaction on ${topic}-${partition} at broker ${coordinator}: ${(e as Error).message}`);
      return ErrorCode.REQUEST_TIMED_OUT;
    }
  }
}
