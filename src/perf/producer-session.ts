// The producer ids of the load harness's idempotent and transactional producers, and the
// transaction requests a transactional one sends around its batches (transactions V1):
// FindCoordinator and InitProducerId with the transactional id, AddPartitionsToTxn before a
// partition's first batch in a transaction, EndTxn to commit.
import { setTimeout as sleep } from 'node:timers/promises';
import { InitProducerIdApi } from '../protocol/generated/init-producer-id.js';
import { FindCoordinatorApi } from '../protocol/generated/find-coordinator.js';
import { AddPartitionsToTxnApi } from '../protocol/generated/add-partitions-to-txn.js';
import { EndTxnApi } from '../protocol/generated/end-txn.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { Connection } from '../client/connection.js';
import type { BatchSequencer } from './sequencer.js';

/** Attempts at InitProducerId while the transaction coordinator loads or ends an earlier transaction of the id. */
const INIT_ATTEMPTS = 20;
const INIT_RETRY_MS = 100;

interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
  /** The transaction coordinator's connection (transactional producers). */
  coordinator: Connection | null;
}

export async function initIdempotent(c: Connection): Promise<ProducerIdentity> {
  const id = await c.send(InitProducerIdApi, c.version(InitProducerIdApi, 0, 4), {
    transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1, producerEpoch: -1,
  });
  if (id.errorCode !== 0) throw new Error(`InitProducerId failed: ${errorName(id.errorCode)}`);
  return { producerId: id.producerId, producerEpoch: id.producerEpoch, coordinator: null };
}

/** FindCoordinator for the transactional id, then InitProducerId there (retried while the coordinator is busy). */
export async function initTransactional(c: Connection, transactionalId: string, options: { clientId: string; requestTimeoutMs: number }): Promise<ProducerIdentity> {
  const found = await c.send(FindCoordinatorApi, c.version(FindCoordinatorApi, 1, 3), { key: transactionalId, keyType: 1, coordinatorKeys: [] });
  if (found.errorCode !== 0) throw new Error(`FindCoordinator for ${transactionalId} failed: ${errorName(found.errorCode)}`);
  const coordinator = await Connection.open(found.host, found.port, options);
  try {
    for (let attempt = 1; ; attempt++) {
      const id = await coordinator.send(InitProducerIdApi, coordinator.version(InitProducerIdApi, 0, 4), {
        transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1,
      });
      const retriable = id.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS || id.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || id.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (retriable && attempt < INIT_ATTEMPTS) {
        await sleep(INIT_RETRY_MS);
        continue;
      }
      if (id.errorCode !== 0) throw new Error(`InitProducerId for ${transactionalId} failed: ${errorName(id.errorCode)}`);
      return { producerId: id.producerId, producerEpoch: id.producerEpoch, coordinator };
    }
  } catch (e) {
    coordinator.close();
    throw e;
  }
}

/** AddPartitionsToTxn (v3: one transaction) for partitions of the topic; the first error code, or NONE. */
export async function addPartitions(c: Connection, transactionalId: string, topic: string, s: BatchSequencer, partitions: number[]): Promise<number> {
  const res = await c.send(AddPartitionsToTxnApi, c.version(AddPartitionsToTxnApi, 0, 3), {
    transactions: [], v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: s.producerId, v3AndBelowProducerEpoch: s.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) if (p.partitionErrorCode !== 0) return p.partitionErrorCode;
  return ErrorCode.NONE;
}

export async function endTxn(c: Connection, transactionalId: string, s: BatchSequencer): Promise<number> {
  const res = await c.send(EndTxnApi, c.version(EndTxnApi, 0, 3), { transactionalId, producerId: s.producerId, producerEpoch: s.producerEpoch, committed: true });
  return res.errorCode;
}
