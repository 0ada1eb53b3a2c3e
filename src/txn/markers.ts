// Transaction markers: the COMMIT or ABORT control batch the coordinator writes to every
// partition of an ending transaction (Kafka's TransactionMarkerChannelManager, and the
// partition side of WriteTxnMarkers). One broker leads every partition, so a marker is a
// local append (PartitionLog.appendMarker) rather than a request to another broker. What a
// marker reaching __consumer_offsets means for the offsets committed in the transaction is
// the group coordinator's business: it is told through `onWritten`.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import { splitTopicPartition } from './records.js';

interface Marker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/** Called after a marker is in a partition's log. */
type MarkerListener = (topic: string, partition: number, producerId: number, commit: boolean) => void;

/** What a partition's answer to a marker means for the coordinator. */
type MarkerOutcome = 'written' | 'gone' | 'refused' | 'retry';

export class MarkerWriter {
  constructor(private readonly logs: LogManager, private readonly onWritten: MarkerListener) {}

  /** Writes the marker to one partition; resolves with Kafka's error code for it (WriteTxnMarkers answers it as is). */
  async write(topic: string, partition: number, marker: Marker): Promise<number> {
    const log = this.logs.partition(topic, partition);
    if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    try {
      await log.appendMarker(marker.producerId, marker.producerEpoch, marker.commit, marker.coordinatorEpoch);
    } catch (e) {
      if (e instanceof KafkaError) return e.code;
      throw e;
    }
    this.onWritten(topic, partition, marker.producerId, marker.commit);
    return ErrorCode.NONE;
  }

  /**
   * Writes the marker to every partition of a transaction ("topic:partition" keys), all at
   * once; resolves with each partition's outcome (Kafka's TransactionMarkerRequestCompletionHandler):
   * written; gone (the topic was deleted: nothing to mark); refused (the partition has a newer
   * producer epoch or coordinator epoch: this marker can never be written); retry (anything
   * else, e.g. a storage error: try again later).
   */
  async writeAll(partitions: Iterable<string>, marker: Marker): Promise<Map<string, { outcome: MarkerOutcome; errorCode: number }>> {
    const keys = [...partitions];
    const codes = await Promise.all(keys.map((tp) => {
      const { topic, partition } = splitTopicPartition(tp);
      return this.write(topic, partition, marker);
    }));
    return new Map(keys.map((tp, i) => [tp, { outcome: outcomeOf(codes[i]), errorCode: codes[i] }]));
  }
}

function outcomeOf(code: number): MarkerOutcome {
  switch (code) {
    case ErrorCode.NONE: return 'written';
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: return 'gone';
    case ErrorCode.INVALID_PRODUCER_EPOCH: case ErrorCode.TRANSACTION_COORDINATOR_FENCED: return 'refused';
    default: return 'retry';
  }
}
