// WebSocket live tail: /ws/topics/{t}?from=earliest|latest|<offset>&partition=<p> pushes each
// record as a JSON text message ({type:"record", ...recordJson}); a client may produce on the
// same socket by sending {key?, value, partition?, headers?} (answered {type:"ack"|"error"}).
// Backpressure: after every send the socket's buffered amount is checked, and past
// http.ws.max.buffered.bytes the tail stops reading the log for it until uWS reports the
// socket drained. A slow reader thus holds at most the bound plus one record.
import type { WebSocket } from 'uWebSockets.js';
import type { BrokerContext } from '../broker/context.js';
import { produceRecords, readRecords, recordJson } from './records.js';
import { HttpError } from './router.js';
import { RestErrorCode } from './error-codes.js';
import { notLeader } from './rest-v2.js';

export interface TailData {
  id: number;
  topic: string;
  partition: number | null;
  from: string;
}

interface TailState {
  id: number;
  topic: string;
  ws: WebSocket<TailData>;
  cursors: { partition: number; offset: number }[];
  closed: boolean;
  paused: boolean;
  sent: number;
  peakBuffered: number;
  wake: (() => void) | null;
}

const READ_BYTES = 256 << 10;
const IDLE_RECHECK_MS = 1000;

export class LiveTails {
  readonly tails = new Map<number, TailState>();
  private nextId = 1;
  /** The largest buffered amount ever seen on any tail. */
  peakBuffered = 0;

  constructor(private readonly broker: () => BrokerContext, private readonly maxBufferedBytes: number, private readonly onBytesOut: (topic: string, bytes: number) => void) {}

  /** Checks an upgrade request's query; throws HttpError for an unknown topic or a bad parameter. */
  prepare(topic: string, query: URLSearchParams): TailData {
    const b = this.broker();
    const t = b.cluster.topic(topic);
    if (!t) throw new HttpError(404, RestErrorCode.TOPIC_NOT_FOUND, 'Topic not found.');
    const p = query.get('partition');
    let partition: number | null = null;
    if (p !== null && p !== '') {
      if (!/^\d+$/.test(p) || Number(p) >= t.partitionCount) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, 'Partition not found.');
      partition = Number(p);
      if (!b.logs.partition(topic, partition)) throw notLeader(b, topic, partition, t.partition(partition)!.leader);
    }
    const from = query.get('from') ?? 'latest';
    if (from !== 'earliest' && from !== 'latest' && !/^\d+$/.test(from)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'from must be earliest, latest or an offset');
    return { id: this.nextId++, topic, partition, from };
  }

  open(ws: WebSocket<TailData>): void {
    const data = ws.getUserData();
    // Every partition of the topic this broker holds (in a cluster, the others' gateways tail theirs).
    const t = this.broker().logs.topic(data.topic);
    const logs = t ? (data.partition === null ? [...t.partitions.values()] : [t.partitions.get(data.partition)].filter((l) => l !== undefined)) : [];
    const cursors = logs.map((log) => {
      const partition = log.partition;
      const offset = data.from === 'earliest' ? log.logStartOffset : data.from === 'latest' ? log.logEndOffset : Math.min(Number(data.from), log.logEndOffset);
      return { partition, offset };
    });
    const state: TailState = { id: data.id, topic: data.topic, ws, cursors, closed: false, paused: false, sent: 0, peakBuffered: 0, wake: null };
    this.tails.set(data.id, state);
    this.pump(state).catch((e) => {
      this.broker().logger.warn(`live tail ${data.topic} #${data.id} stopped: ${(e as Error).message}`);
      if (!state.closed) ws.end(1011, 'tail failed');
    });
  }

  drain(ws: WebSocket<TailData>): void {
    const state = this.tails.get(ws.getUserData().id);
    if (state && ws.getBufferedAmount() <= this.maxBufferedBytes) this.wakeUp(state);
  }

  close(ws: WebSocket<TailData>): void {
    const state = this.tails.get(ws.getUserData().id);
    if (!state) return;
    state.closed = true;
    this.tails.delete(state.id);
    this.wakeUp(state);
  }

  /** A message from the client: a record to produce to the tailed topic. */
  async message(ws: WebSocket<TailData>, text: string): Promise<void> {
    const state = this.tails.get(ws.getUserData().id);
    if (!state) return;
    let reply: Record<string, unknown>;
    try {
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (e) {
        throw new HttpError(400, RestErrorCode.MALFORMED_REQUEST, `Malformed JSON: ${(e as Error).message}`);
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'a message must be a JSON object {key?, value, partition?}');
      const r = record as { key?: unknown; value?: unknown; partition?: number; headers?: [] };
      // Text key and value as given (strings stay unquoted), so what the tail shows is what was sent.
      const asText = (v: unknown) => (v === undefined || v === null ? null : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64'));
      const [offset] = await produceRecords(this.broker(), state.topic, [{ key: asText(r.key), value: asText(r.value), partition: r.partition, headers: r.headers }], 'binary', null);
      reply = offset.error_code === null ? { type: 'ack', partition: offset.partition, offset: offset.offset } : { type: 'error', error_code: offset.error_code, message: offset.error };
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      reply = { type: 'error', error_code: e.errorCode, message: e.message };
    }
    if (!state.closed) ws.send(JSON.stringify(reply), false);
  }

  /** The largest buffered amount now, the peak, and how many tails are paused. */
  buffered(): { max: number; peak: number; paused: number } {
    let max = 0;
    let paused = 0;
    for (const s of this.tails.values()) {
      max = Math.max(max, s.ws.getBufferedAmount());
      if (s.paused) paused++;
    }
    return { max, peak: this.peakBuffered, paused };
  }

  describe(): unknown[] {
    return [...this.tails.values()].map((s) => ({
      id: s.id, topic: s.topic, partitions: s.cursors.map((c) => c.partition), buffered_bytes: s.ws.getBufferedAmount(),
      peak_buffered_bytes: s.peakBuffered, paused: s.paused, records_sent: s.sent, positions: s.cursors.map((c) => c.offset),
    }));
  }

  closeAll(): void {
    for (const s of [...this.tails.values()]) if (!s.closed) s.ws.end(1001, 'broker shutting down');
  }

  private wakeUp(state: TailState): void {
    const wake = state.wake;
    state.wake = null;
    wake?.();
  }

  /** Waits for `state.wake` (drain, append or close), at most `ms`. */
  private sleep(state: TailState, ms: number, arm: (wake: () => void) => (() => void) | void): Promise<void> {
    return new Promise((resolve) => {
      let disarm: (() => void) | void;
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        disarm?.();
        state.wake = null;
        resolve();
      };
      state.wake = done;
      disarm = arm(done);
    });
  }

  private async pump(state: TailState): Promise<void> {
    const broker = this.broker();
    while (!state.closed) {
      if (state.ws.getBufferedAmount() > this.maxBufferedBytes) {
        state.paused = true;
        await this.sleep(state, IDLE_RECHECK_MS, () => {});
        continue;
      }
      state.paused = false;
      let progressed = false;
      for (const cursor of state.cursors) {
        const log = broker.logs.partition(state.topic, cursor.partition);
        if (!log || state.closed) continue;
        if (cursor.offset < log.logStartOffset) cursor.offset = log.logStartOffset;
        if (cursor.offset >= log.logEndOffset) continue;
        const records = await readRecords(log, broker.core, cursor.offset, READ_BYTES, Number.MAX_SAFE_INTEGER);
        if (state.closed) return;
        if (records.length === 0) {
          cursor.offset = log.logEndOffset > cursor.offset ? cursor.offset + 1 : cursor.offset; // past a batch with nothing to show
          continue;
        }
        for (const r of records) {
          const message = JSON.stringify({ type: 'record', ...recordJson(state.topic, cursor.partition, r) });
          state.ws.send(message, false);
          this.onBytesOut(state.topic, message.length);
          state.sent++;
          cursor.offset = r.offset + 1;
          progressed = true;
          const buffered = state.ws.getBufferedAmount();
          if (buffered > state.peakBuffered) state.peakBuffered = buffered;
          if (buffered > this.peakBuffered) this.peakBuffered = buffered;
          if (buffered > this.maxBufferedBytes) break;
        }
        if (state.ws.getBufferedAmount() > this.maxBufferedBytes) break;
      }
      if (!progressed && !state.closed) {
        await this.sleep(state, IDLE_RECHECK_MS, (wake) => {
          const cancels = state.cursors.map((c) => broker.logs.partition(state.topic, c.partition)?.onNextAppend(wake));
          return () => cancels.forEach((c) => c?.());
        });
      }
    }
  }
}
