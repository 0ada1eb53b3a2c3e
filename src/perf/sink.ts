// The TCP sink: the ceiling any Node broker could reach on this machine. It answers
// ApiVersions, Metadata, CreateTopics, ListOffsets and InitProducerId (a fresh producer id,
// for --idempotent; sequences are not checked) so the harness (or any client) runs
// against it, acknowledges every Produce after decoding it (no validation, no disk), and
// answers Fetch from memory: the last batch produced to a partition, copied with its base
// offset patched, up to the fetch's limits (a copy, as a broker's read from the page cache
// is one). It is a measuring instrument, not a broker: nothing is stored.
import { createServer, type Server, type Socket } from 'node:net';
import { Reader, Writer } from '../protocol/codec.js';
import { BufferFrameReader } from '../protocol/framing.js';
import { withUserBuffers } from '../server/user-buffer.js';
import { readRequestHeader } from '../protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion } from '../protocol/headers.js';
import { ApiVersionsApi, defaultApiVersionsResponse } from '../protocol/generated/api-versions.js';
import { MetadataApi, defaultMetadataResponse, defaultMetadataResponseMetadataResponseTopic, defaultMetadataResponseMetadataResponsePartition, defaultMetadataResponseMetadataResponseBroker } from '../protocol/generated/metadata.js';
import { ProduceApi, defaultProduceResponse } from '../protocol/generated/produce.js';
import { FetchApi, defaultFetchResponse, defaultFetchResponsePartitionData } from '../protocol/generated/fetch.js';
import { ListOffsetsApi, defaultListOffsetsResponse, defaultListOffsetsResponseListOffsetsPartitionResponse } from '../protocol/generated/list-offsets.js';
import { CreateTopicsApi, defaultCreateTopicsResponse, defaultCreateTopicsResponseCreatableTopicResult } from '../protocol/generated/create-topics.js';
import { InitProducerIdApi } from '../protocol/generated/init-producer-id.js';
import { ErrorCode } from '../protocol/errors.js';
import { ABI } from '../core/index.js';

/** What the sink speaks (the harness's ranges). */
const SERVED: [key: number, min: number, max: number][] = [[0, 3, 9], [1, 4, 12], [2, 1, 7], [3, 1, 12], [18, 0, 3], [19, 2, 7], [22, 0, 4]];
const MAX_FRAME_BYTES = 128 * 1024 * 1024;

interface SinkPartition {
  /** Records acknowledged so far: the log end offset. */
  end: number;
  lastBatch: Buffer | null;
  lastBatchRecords: number;
}

interface SinkOptions {
  port?: number;
  host?: string;
  /** Partitions of an auto-created topic. */
  defaultPartitions?: number;
}

export class TcpSink {
  private server: Server | null = null;
  private readonly topics = new Map<string, SinkPartition[]>();
  port = 0;
  readonly host: string;
  requests = 0;
  private nextProducerId = 0;

  constructor(private readonly options: SinkOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
  }

  async listen(): Promise<number> {
    this.server = createServer({ pauseOnConnect: true }, (s) => this.onConnection(s));
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, this.host, resolve));
    this.port = (this.server!.address() as { port: number }).port;
    return this.port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private topic(name: string, create: number): SinkPartition[] | undefined {
    let t = this.topics.get(name);
    if (!t && create > 0) {
      t = Array.from({ length: create }, () => ({ end: 0, lastBatch: null, lastBatchRecords: 0 }));
      this.topics.set(name, t);
    }
    return t;
  }

  /** `accepted` comes from a server created with pauseOnConnect: nothing has been read yet. */
  private onConnection(accepted: Socket): void {
    // Requests are read as the broker reads them: straight into the reader's buffers, no copy.
    const reader = new BufferFrameReader('request', MAX_FRAME_BYTES);
    const socket = withUserBuffers(accepted, () => reader.nextBuffer(), (n) => reader.filled(n)) ?? accepted;
    if (socket === accepted) {
      socket.on('data', (chunk: Buffer) => reader.write(chunk));
      socket.resume();
    }
    reader.onFrame = (frame) => this.onFrame(socket, frame);
    reader.onInvalid = () => socket.destroy();
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
  }

  private onFrame(socket: Socket, frame: Buffer): void {
    this.requests++;
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const r = new Reader(frame);
    const header = readRequestHeader(r, requestHeaderVersion(apiKey, version));
    const w = new Writer();
    w.int32(0);
    w.int32(header.correlationId);
    const served = SERVED.find((s) => s[0] === apiKey);
    if (apiKey === 18 && (!served || version > served[2])) {
      // KIP-511: answer in v0 with our range.
      ApiVersionsApi.writeResponse(w, 0, { ...defaultApiVersionsResponse(), errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: SERVED.map(([k, min, max]) => ({ apiKey: k, minVersion: min, maxVersion: max })) });
      return this.reply(socket, w);
    }
    if (!served || version < served[1] || version > served[2]) return void socket.destroy();
    if (responseHeaderVersion(apiKey, version) >= 1) w.uvarint(0);
    switch (apiKey) {
      case 18:
        ApiVersionsApi.writeResponse(w, version, { ...defaultApiVersionsResponse(), apiKeys: SERVED.map(([k, min, max]) => ({ apiKey: k, minVersion: min, maxVersion: max })) });
        break;
      case 3: {
        const req = MetadataApi.readRequest(r, version);
        const names = req.topics === null ? [...this.topics.keys()] : req.topics.map((t) => t.name ?? '');
        MetadataApi.writeResponse(w, version, {
          ...defaultMetadataResponse(), clusterId: 'strom-tcp-sink', controllerId: 1,
          brokers: [{ ...defaultMetadataResponseMetadataResponseBroker(), nodeId: 1, host: this.host, port: this.port }],
          topics: names.map((name) => {
            const t = this.topic(name, req.allowAutoTopicCreation ? (this.options.defaultPartitions ?? 1) : 0);
            return {
              ...defaultMetadataResponseMetadataResponseTopic(), name, errorCode: t ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              partitions: (t ?? []).map((_, i) => ({ ...defaultMetadataResponseMetadataResponsePartition(), partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] })),
            };
          }),
        });
        break;
      }
      case 22:
        InitProducerIdApi.readRequest(r, version);
        InitProducerIdApi.writeResponse(w, version, { throttleTimeMs: 0, errorCode: 0, producerId: this.nextProducerId++, producerEpoch: 0 });
        break;
      case 19: {
        const req = CreateTopicsApi.readRequest(r, version);
        CreateTopicsApi.writeResponse(w, version, {
          ...defaultCreateTopicsResponse(),
          topics: req.topics.map((t) => {
            const exists = this.topics.has(t.name);
            this.topic(t.name, t.numPartitions > 0 ? t.numPartitions : (this.options.defaultPartitions ?? 1));
            return { ...defaultCreateTopicsResponseCreatableTopicResult(), name: t.name, errorCode: exists ? ErrorCode.TOPIC_ALREADY_EXISTS : 0, numPartitions: t.numPartitions, replicationFactor: 1 };
          }),
        });
        break;
      }
      case 2: {
        const req = ListOffsetsApi.readRequest(r, version);
        ListOffsetsApi.writeResponse(w, version, {
          ...defaultListOffsetsResponse(),
          topics: req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => {
              const part = this.topics.get(t.name)?.[p.partitionIndex];
              return { ...defaultListOffsetsResponseListOffsetsPartitionResponse(), partitionIndex: p.partitionIndex, errorCode: part ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: p.timestamp === -1 ? (part?.end ?? -1) : 0 };
            }),
          })),
        });
        break;
      }
      case 0: {
        const req = ProduceApi.readRequest(r, version);
        const responses = req.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => {
            const part = this.topics.get(t.name)?.[p.index];
            if (!part || !p.records || p.records.length < ABI.BATCH_HEADER_SIZE) return { index: p.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
            const base = part.end;
            const count = p.records.readInt32BE(ABI.BATCH_RECORDS_COUNT);
            part.end += count;
            part.lastBatch = p.records; // a view into the frame: kept, not copied
            part.lastBatchRecords = count;
            return { index: p.index, errorCode: 0, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
          }),
        }));
        if (req.acks === 0) return;
        ProduceApi.writeResponse(w, version, { ...defaultProduceResponse(), responses });
        break;
      }
      case 1: {
        const req = FetchApi.readRequest(r, version);
        let budget = req.maxBytes;
        let any = false;
        const responses = req.topics.map((t) => ({
          topic: t.topic, topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            const part = this.topics.get(t.topic)?.[p.partition];
            const base = { ...defaultFetchResponsePartitionData(), partitionIndex: p.partition, highWatermark: part?.end ?? -1, lastStableOffset: part?.end ?? -1, logStartOffset: 0, abortedTransactions: null, records: null as Buffer | null };
            if (!part) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            if (!part.lastBatch || p.fetchOffset >= part.end) return base;
            const batch = part.lastBatch;
            const n = Math.max(1, Math.min(Math.floor(Math.min(p.partitionMaxBytes, budget) / batch.length), Math.ceil((part.end - p.fetchOffset) / part.lastBatchRecords)));
            const out = Buffer.allocUnsafe(n * batch.length);
            for (let i = 0; i < n; i++) {
              batch.copy(out, i * batch.length);
              out.writeBigInt64BE(BigInt(p.fetchOffset + i * part.lastBatchRecords), i * batch.length + ABI.BATCH_BASE_OFFSET);
            }
            budget -= out.length;
            any = true;
            return { ...base, records: out };
          }),
        }));
        const write = () => {
          FetchApi.writeResponse(w, version, { ...defaultFetchResponse(), responses });
          this.reply(socket, w);
        };
        // No long-poll wake-up: an empty fetch is answered after its wait (or 100 ms).
        if (!any) setTimeout(write, Math.min(req.maxWaitMs, 100));
        else write();
        return;
      }
    }
    this.reply(socket, w);
  }

  private reply(socket: Socket, w: Writer): void {
    const chunks = w.finish();
    chunks[0].writeInt32BE(w.size - 4, 0);
    if (chunks.length === 1) socket.write(chunks[0]);
    else {
      socket.cork();
      for (const c of chunks) socket.write(c);
      socket.uncork();
    }
  }
}
