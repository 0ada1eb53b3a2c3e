// Produce (key 0), versions 0-11, advertised from 0: librdkafka drops compression unless
// the range includes 0 (KAFKA-18659). v3+ carry one record batch (magic 2) per partition;
// v0-2 carry legacy message sets (magic 0/1), up-converted to a batch here (KIP-31/32 era
// clients, kafka-python with api_version 0.9/0.10). v7 allows zstd; v8 adds record errors and
// an error message. Invalid records get INVALID_RECORD in every version, as from Kafka 2.4 on
// (KIP-467): it is not retriable, where CORRUPT_MESSAGE (kept for bytes that fail their CRC or
// do not parse) makes clients retry until their delivery timeout. acks=0 gets no response at
// all; Kafka closes the connection when such a request fails. A compacted topic refuses records
// without a key, every one of them named in the record errors, as Kafka's LogValidator does:
// librdkafka 2.4+ fails exactly those records with INVALID_RECORD and the rest of the batch with
// _INVALID_DIFFERENT_RECORD. The batch is appended where the request frame landed in core
// memory: no copy on the way to disk.
// Idempotent and transactional producers (KIP-98): the partition's append worker checks each
// batch against its producer state; a retried batch is answered with its first append's
// offsets, a gap with OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch with INVALID_PRODUCER_EPOCH.
// A transactional batch for a producer with no transaction open on the partition is first
// put to the coordinator's verification (KIP-890 part 1) when one is installed; one in a
// request without a transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka
// answers it (there is no id to authorize, nor a transaction to verify it against).
// Authorization (Kafka's KafkaApis): transactional records need WRITE on the request's
// transactional id, else every partition is TRANSACTIONAL_ID_AUTHORIZATION_FAILED; each topic
// needs WRITE, else its partitions are TOPIC_AUTHORIZATION_FAILED (before any other check).
import { ProduceApi, type ProduceRequest, type ProduceResponse } from '../protocol/generated/produce.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { CoreError, buildBatch, decodeBatches, legacyToBatch, visitRecords, type Core, type BatchHeader } from '../core/index.js';
import { codecs, codecOf, CompressionError, ZSTD, initCompression } from '../compression/codecs.js';
import { defineHandler } from './handler.js';
import type { BrokerContext } from '../broker/context.js';
import type { PartitionLog } from '../log/partition-log.js';
import { ABI } from '../core/index.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

type PartitionResponse = ProduceResponse.PartitionProduceResponse;

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

export const produce = defineHandler(ProduceApi, { min: 0, max: 11 }, async (request: ProduceRequest, ctx): Promise<ProduceResponse | null> => {
  const acksValid = request.acks === -1 || request.acks === 0 || request.acks === 1;
  const secured = ctx.broker.authorizer !== null;
  const transactionalRefused = secured && hasTransactionalRecords(request)
    && (request.transactionalId === null || !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId));
  const responses = await Promise.all(request.topicData.map(async (topic) => {
    const refused = transactionalRefused ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : secured && !authorized(ctx, AclOperation.WRITE, ResourceType.TOPIC, topic.name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.NONE;
    return {
      name: topic.name,
      partitionResponses: await Promise.all(topic.partitionData.map((p) =>
        refused !== ErrorCode.NONE ? failure(p.index, refused)
          : acksValid ? producePartition(ctx.broker, ctx.apiVersion, topic.name, p.index, p.records, request) : failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${request.acks}`))),
    };
  }));
  if (request.acks === 0) {
    const failed = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.index}: ${p.errorMessage ?? p.errorCode}`));
    if (failed.length > 0) ctx.closeConnection(`acks=0 produce failed (${failed.join('; ')})`);
    return null;
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
});

/** Kafka's RequestUtils.hasTransactionalRecords: a partition's first batch (magic 2) is transactional. */
function hasTransactionalRecords(request: ProduceRequest): boolean {
  return request.topicData.some((t) => t.partitionData.some(({ records }) => records !== null && records.length > ABI.BATCH_ATTRIBUTES + 1
    && records[ABI.BATCH_MAGIC] === 2 && (records[ABI.BATCH_ATTRIBUTES + 1] & ABI.TRANSACTIONAL_BIT) !== 0));
}

function failure(index: number, errorCode: number, errorMessage: string | null = null, recordErrors: PartitionResponse['recordErrors'] = [], logStartOffset = -1): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset, recordErrors, errorMessage, currentLeader: NO_LEADER };
}

/** Record errors (v8+): the records, by index in their batch, that failed the whole batch. */
class RecordErrors extends KafkaError {
  constructor(readonly records: PartitionResponse['recordErrors']) {
    // Kafka's LogValidator.processRecordErrors, word for word: clients log this message.
    const shown = records.slice(0, 3).map((r) => `RecordError(batchIndex=${r.batchIndex}, message='${r.batchIndexErrorMessage}')`);
    super(ErrorCode.INVALID_RECORD, `One or more records have been rejected due to ${records.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`);
  }
}

/**
 * Validates and appends one partition's records as Produce `apiVersion` does. The one append
 * path: Kafka Produce and the HTTP gateway's REST produce both come here. Only the leader
 * appends; with acks=all (`delivery.acks` -1) the answer waits until the ISR has the records
 * (in a cluster: min.insync.replicas checked before and after).
 */
export async function producePartition(broker: BrokerContext, apiVersion: number, topic: string, index: number, records: Buffer | null,
  delivery: { acks: number; timeoutMs: number; transactionalId?: string | null }): Promise<PartitionResponse> {
  let log: PartitionLog;
  try {
    log = broker.cluster.leaderLog(topic, index);
  } catch (e) {
    if (e instanceof KafkaError) return failure(index, e.code, e.message);
    throw e;
  }
  try {
    // acks=all: refused before anything is written when too few replicas are in sync.
    if (delivery.acks === -1) broker.cluster.checkInSync(log);
    if (records === null || records.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'no records');
    if (records.length > log.config.number('segment.bytes')) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes exceed segment.bytes ${log.config.number('segment.bytes')}`);
    }
    const target = codecOf(log.config.string('compression.type'));
    if (apiVersion < 3 || target !== null) await initCompression(); // conversions may meet any codec
    const header = apiVersion >= 3 ? checkBatch(broker.core, records, apiVersion) : null;
    let batch: Uint8Array = header ? records : upConvert(broker.core, records);
    const maxBytes = log.config.number('max.message.bytes');
    if (batch.length > maxBytes) throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch of ${batch.length} bytes is larger than max.message.bytes ${maxBytes}`);
    if (log.config.list('cleanup.policy').includes('compact')) {
      await initCompression(); // the keys may be in any codec
      checkKeys(broker.core, batch, log.key);
    }
    if (target !== null) batch = recompress(broker.core, batch, target);
    const transactionalId = delivery.transactionalId ?? null;
    if (header?.isTransactional && transactionalId === null) {
      throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'a transactional batch needs the transactional id of its producer in the Produce request');
    }
    if (header?.isTransactional && broker.verifyTransaction && !log.hasOngoingTransaction(header.producerId)) {
      const refused = await broker.verifyTransaction(topic, index, header.producerId, header.producerEpoch, header.baseSequence, transactionalId, apiVersion);
      if (refused !== ErrorCode.NONE) throw new KafkaError(refused, `the transaction coordinator did not verify producer ${header.producerId}'s transaction on ${topic}-${index}`);
    }
    const result = await log.append(batch);
    if (!result.duplicate) broker.traffic?.produced(topic, batch.length, result.records);
    if (delivery.acks === -1) await broker.cluster.awaitReplicated(log, result.lastOffset + 1, delivery.timeoutMs);
    return {
      index, errorCode: ErrorCode.NONE, baseOffset: result.baseOffset, logAppendTimeMs: result.logAppendTime,
      logStartOffset: log.logStartOffset, recordErrors: [], errorMessage: null, currentLeader: NO_LEADER,
    };
  } catch (e) {
    // Kafka answers a refused record with the partition's log start offset (ReplicaManager).
    if (e instanceof RecordErrors) return failure(index, e.code, e.message, e.records, log.logStartOffset);
    if (e instanceof KafkaError) return failure(index, e.code, e.message);
    if (e instanceof CoreError || e instanceof CompressionError) return failure(index, ErrorCode.CORRUPT_MESSAGE, e.message);
    throw e;
  }
}

/**
 * Produce v3+: exactly one record batch, magic 2, not a control batch, a sequence number
 * with a producer id (Kafka's LogValidator). Returns its header.
 */
function checkBatch(core: Core, records: Buffer, version: number): BatchHeader {
  const ptr = core.addressOf(records);
  const size = ptr !== -1 ? core.readHeaderAt(ptr, records.length) : core.readBatchHeader(records).batchSize;
  if (size === ABI.ERR_MAGIC) throw new KafkaError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} must use record batches (magic 2)`);
  if (size < 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `corrupt record batch: ${core.codeName(size)}`);
  if (size !== records.length) throw new KafkaError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain exactly one record batch`);
  const header = core.header();
  if (header.isControl) throw new KafkaError(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records');
  if (header.compression === ZSTD && version < 7) throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
  if (header.producerId >= 0 && header.baseSequence < 0) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `Invalid sequence number ${header.baseSequence} in record batch with producerId ${header.producerId}`);
  }
  return { ...header };
}

/**
 * Kafka's LogValidator: a compacted topic takes only records with keys (its cleaner would
 * drop the others). Every keyless record is reported, in batch order; a compressed batch is
 * decompressed to see them, as Kafka does.
 */
function checkKeys(core: Core, batch: Uint8Array, partition: string): void {
  const batchIndexErrorMessage = `Compacted topic cannot accept message without key in topic partition ${partition}`;
  const keyless: PartitionResponse['recordErrors'] = [];
  let i = 0;
  visitRecords(core, batch, codecs, (_offset, key) => {
    if (key === null) keyless.push({ batchIndex: i, batchIndexErrorMessage });
    i++;
  });
  if (keyless.length > 0) throw new RecordErrors(keyless);
}

/** Produce v0-2: a legacy message set becomes one record batch. */
function upConvert(core: Core, records: Buffer): Uint8Array {
  return legacyToBatch(core, records, codecs).batch;
}

/** compression.type other than producer: the batch is stored with the topic's codec. */
function recompress(core: Core, batch: Uint8Array, target: number): Uint8Array {
  const header = core.readBatchHeader(batch);
  if (header.compression === target) return batch;
  const [decoded] = decodeBatches(core, batch, codecs);
  return buildBatch(core, decoded.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })), {
    compression: target, codecs, producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
    transactional: header.isTransactional, baseTimestamp: header.baseTimestamp, maxTimestamp: header.maxTimestamp,
  });
}
