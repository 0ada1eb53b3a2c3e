// Transaction markers: the COMMIT or ABORT control batch the coordinator writes to every
// partition of an ending transaction (Kafka's TransactionMarkerChannelManager, and the
// partition side of WriteTxnMarkers). A partition this broker leads gets its marker as a local
// append (PartitionLog.appendMarker) through its leader log; a partition another broker
// leads gets it in a WriteTxnMarkers request to that broker, one request per leader for all
// its partitions. Either way the marker waits for the partition's ISR (Kafka appends markers
// with acks=all): a marker the partition's next leader lacks would leave the transaction open
// there. What a marker reaching __consumer_offsets means for the offsets committed in the
// transaction is the group coordinator's business: it is told through `onWritten` on the
// broker that leads the partition.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { WriteTxnMarkersApi, type WriteTxnMarkersRequest } from '../protocol/generated/write-txn-markers.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import { splitTopicPartition, topicPartition } from './records.js';

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

/** WriteTxnMarkers v1: flexible; every broker of the cluster serves it. */
const WRITE_TXN_MARKERS_VERSION = 1;

export class MarkerWriter {
  constructor(private readonly cluster: ClusterView, private readonly config: BrokerConfig, private readonly onWritten: MarkerListener) {}

  /**
   * Writes the marker to a partition this broker leads and waits for its ISR; resolves with
   * Kafka's error code for it (WriteTxnMarkers answers it as is): NOT_LEADER_OR_FOLLOWER
   * when another broker leads it, UNKNOWN_TOPIC_OR_PARTITION when there is no such partition.
   */
  async writeLocal(topic: string, partition: number, marker: Marker): Promise<number> {
    try {
      const log = this.cluster.leaderLog(topic, partition);
      const offset = await log.appendMarker(marker.producerId, marker.producerEpoch, marker.commit, marker.coordinatorEpoch);
      this.onWritten(topic, partition, marker.producerId, marker.commit);
      await this.cluster.awaitReplicated(log, offset + 1, this.config.int('request.timeout.ms'));
    } catch (e) {
      if (e instanceof KafkaError) return e.code;
      throw e;
    }
    return ErrorCode.NONE;
  }

  /**
   * Writes the marker to every partition of a transaction ("topic:partition" keys), all at
   * once, each to its leader now; resolves with each partition's outcome (Kafka's
   * TransactionMarkerRequestCompletionHandler): written; gone (the topic was deleted: nothing
   * to mark); refused (the partition has a newer producer epoch or coordinator epoch: this
   * marker can never be written); retry (anything else: no leader now, a leader that moved,
   * a broker that cannot be reached, a storage error: try again later).
   */
  async writeAll(partitions: Iterable<string>, marker: Marker): Promise<Map<string, { outcome: MarkerOutcome; errorCode: number }>> {
    const codes = new Map<string, number>();
    const local: Promise<void>[] = [];
    const remote = new Map<number, string[]>();
    for (const tp of partitions) {
      const { topic, partition } = splitTopicPartition(tp);
      const view = this.cluster.topic(topic)?.partition(partition);
      if (!view) codes.set(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (this.cluster.leads(topic, partition)) local.push(this.writeLocal(topic, partition, marker).then((code) => { codes.set(tp, code); }));
      else if (view.leader < 0) codes.set(tp, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      else remote.set(view.leader, [...(remote.get(view.leader) ?? []), tp]);
    }
    await Promise.all([...local, ...[...remote].map(async ([leader, tps]) => {
      for (const [tp, code] of await this.writeRemote(leader, tps, marker)) codes.set(tp, code);
    })]);
    return new Map([...codes].map(([tp, code]) => {
      const { topic, partition } = splitTopicPartition(tp);
      // Another broker may not know a new topic yet: only this broker's view says it is gone.
      const gone = code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && this.cluster.topic(topic)?.partition(partition) === undefined;
      return [tp, { outcome: gone ? 'gone' : outcomeOf(code), errorCode: code }];
    }));
  }

  /** One WriteTxnMarkers request to `leader` for its partitions; a request that fails is REQUEST_TIMED_OUT for all of them (retried). */
  private async writeRemote(leader: number, tps: string[], marker: Marker): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) {
      const { topic, partition } = splitTopicPartition(tp);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    const request: WriteTxnMarkersRequest = {
      markers: [{
        producerId: marker.producerId, producerEpoch: marker.producerEpoch, transactionResult: marker.commit, coordinatorEpoch: marker.coordinatorEpoch,
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      }],
    };
    const codes = new Map<string, number>(tps.map((tp) => [tp, ErrorCode.REQUEST_TIMED_OUT]));
    try {
      const response = await this.cluster.sendToBroker(leader, WriteTxnMarkersApi, WRITE_TXN_MARKERS_VERSION, request);
      for (const m of response.markers) {
        for (const t of m.topics) for (const p of t.partitions) codes.set(topicPartition(t.name, p.partitionIndex), p.errorCode);
      }
    } catch {
      // Not alive, not reachable, no answer in time: the partitions stay REQUEST_TIMED_OUT.
    }
    return codes;
  }
}

function outcomeOf(code: number): MarkerOutcome {
  switch (code) {
    case ErrorCode.NONE: return 'written';
    case ErrorCode.INVALID_PRODUCER_EPOCH: case ErrorCode.TRANSACTION_COORDINATOR_FENCED: return 'refused';
    default: return 'retry';
  }
}
