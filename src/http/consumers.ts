// REST proxy v2 consumer instances. Strom keeps them simple: an instance is assign-only
// (a subscription assigns it every partition of the subscribed topics; no rebalancing among
// instances of one group), with positions kept here and committed offsets stored by the
// group coordinator (generation -1, as Kafka's simple consumers commit), so Kafka tools
// and the v3 lag views see them. Instances unused for http.consumer.instance.timeout.ms
// are deleted.
import { randomUUID } from 'node:crypto';
import type { BrokerContext } from '../api/handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { HttpError, Router, V2_JSON, intParam, json, noContent, objectBody, parseJson, type HttpRequest } from './router.js';
import { embed, readRecords, type EmbeddedFormat } from './records.js';

interface Instance {
  group: string;
  name: string;
  format: EmbeddedFormat;
  reset: 'earliest' | 'latest';
  subscription: string[];
  assigned: { topic: string; partition: number }[] | null;
  positions: Map<string, number>;
  lastUsedMs: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const MAX_TIMEOUT_MS = 30_000;

export class ConsumerInstances {
  private readonly instances = new Map<string, Instance>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly broker: () => BrokerContext, private readonly timeoutMs: number, private readonly defaultMaxBytes: number) {
    this.timer = setInterval(() => this.expire(Date.now()), Math.min(Math.max(100, timeoutMs / 4), 10_000));
    this.timer.unref();
  }

  get size(): number {
    return this.instances.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  expire(now: number): void {
    for (const [id, inst] of this.instances) if (now - inst.lastUsedMs > this.timeoutMs) this.instances.delete(id);
  }

  private get(req: HttpRequest): Instance {
    const inst = this.instances.get(key(req.params.group, Number.NaN) + req.params.instance);
    if (!inst) throw new HttpError(404, 40403, 'Consumer instance not found.');
    inst.lastUsedMs = Date.now();
    return inst;
  }

  /** The partitions an instance reads: its assignment, else all partitions of its subscription. */
  private partitions(inst: Instance): { topic: string; partition: number }[] {
    if (inst.assigned) return inst.assigned;
    const logs = this.broker().logs;
    return inst.subscription.flatMap((topic) => (logs.topic(topic)?.partitions ?? []).map((_, partition) => ({ topic, partition })));
  }

  private position(inst: Instance, topic: string, partition: number): number {
    const k = key(topic, partition);
    let pos = inst.positions.get(k);
    if (pos === undefined) {
      const b = this.broker();
      const log = b.logs.partition(topic, partition)!;
      const committed = b.groups.fetchOffsets(inst.group, [{ topic, partitions: [partition] }])[0]?.committed?.offset;
      pos = committed !== undefined && committed >= 0 ? committed : inst.reset === 'earliest' ? log.logStartOffset : log.logEndOffset;
      inst.positions.set(k, pos);
    }
    return pos;
  }

  routes(router: Router): void {
    router.on('POST', '/consumers/:group', (req) => {
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(422, 42200, 'The request body must be a JSON object.');
      const name = body.name === undefined ? `rest-consumer-${randomUUID()}` : String(body.name);
      const format = (body.format ?? 'binary') as string;
      if (format !== 'json' && format !== 'binary') throw new HttpError(422, 42204, `format ${format} is not supported (json or binary)`);
      const reset = (body['auto.offset.reset'] ?? 'latest') as string;
      if (reset !== 'earliest' && reset !== 'latest') throw new HttpError(422, 42204, 'auto.offset.reset must be earliest or latest');
      const id = key(req.params.group, Number.NaN) + name;
      if (this.instances.has(id)) throw new HttpError(409, 40902, `Consumer with specified consumer ID already exists in the specified consumer group.`);
      this.instances.set(id, { group: req.params.group, name, format, reset, subscription: [], assigned: null, positions: new Map(), lastUsedMs: Date.now() });
      return json({ instance_id: name, base_uri: `http://${req.host}/consumers/${encodeURIComponent(req.params.group)}/instances/${encodeURIComponent(name)}` }, 200, V2_JSON);
    });
    router.on('DELETE', '/consumers/:group/instances/:instance', (req) => {
      this.get(req);
      this.instances.delete(key(req.params.group, Number.NaN) + req.params.instance);
      return noContent();
    });
    router.on('POST', '/consumers/:group/instances/:instance/subscription', (req) => {
      const inst = this.get(req);
      const body = objectBody(req);
      if (!Array.isArray(body.topics) || body.topics.some((t) => typeof t !== 'string')) throw new HttpError(422, 42200, 'topics must be an array of topic names');
      for (const t of body.topics as string[]) if (!this.broker().logs.topic(t)) throw new HttpError(404, 40401, `Topic ${t} not found.`);
      inst.subscription = body.topics as string[];
      inst.assigned = null;
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/subscription', (req) => json({ topics: this.get(req).subscription }, 200, V2_JSON));
    router.on('DELETE', '/consumers/:group/instances/:instance/subscription', (req) => {
      this.get(req).subscription = [];
      return noContent();
    });
    const partitionList = (body: Record<string, unknown>) => {
      if (!Array.isArray(body.partitions)) throw new HttpError(422, 42200, 'partitions must be an array of {topic, partition}');
      return (body.partitions as { topic: string; partition: number }[]).map((p) => {
        if (!this.broker().logs.partition(String(p.topic), Number(p.partition))) throw new HttpError(404, 40402, `Partition ${p.topic}-${p.partition} not found.`);
        return { topic: String(p.topic), partition: Number(p.partition) };
      });
    };
    router.on('POST', '/consumers/:group/instances/:instance/assignments', (req) => {
      const inst = this.get(req);
      inst.assigned = partitionList(objectBody(req));
      inst.subscription = [];
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/assignments', (req) => json({ partitions: this.partitions(this.get(req)) }, 200, V2_JSON));
    router.on('POST', '/consumers/:group/instances/:instance/positions', (req) => {
      const inst = this.get(req);
      const body = objectBody(req);
      if (!Array.isArray(body.offsets)) throw new HttpError(422, 42200, 'offsets must be an array of {topic, partition, offset}');
      for (const o of body.offsets as { topic: string; partition: number; offset: number }[]) {
        if (!this.broker().logs.partition(String(o.topic), Number(o.partition))) throw new HttpError(404, 40402, `Partition ${o.topic}-${o.partition} not found.`);
        if (!Number.isInteger(o.offset) || o.offset < 0) throw new HttpError(422, 42200, 'offset must be a non-negative integer');
        inst.positions.set(key(o.topic, o.partition), o.offset);
      }
      return noContent();
    });
    for (const end of ['beginning', 'end'] as const) {
      router.on('POST', `/consumers/:group/instances/:instance/positions/${end}`, (req) => {
        const inst = this.get(req);
        for (const p of partitionList(objectBody(req))) {
          const log = this.broker().logs.partition(p.topic, p.partition)!;
          inst.positions.set(key(p.topic, p.partition), end === 'beginning' ? log.logStartOffset : log.logEndOffset);
        }
        return noContent();
      });
    }
    router.on('GET', '/consumers/:group/instances/:instance/records', async (req) => {
      const inst = this.get(req);
      const timeoutMs = Math.min(intParam(req.query.get('timeout'), 'timeout', 1000), MAX_TIMEOUT_MS);
      let budget = intParam(req.query.get('max_bytes'), 'max_bytes', this.defaultMaxBytes);
      const b = this.broker();
      const deadline = Date.now() + timeoutMs;
      const out: unknown[] = [];
      for (;;) {
        for (const { topic, partition } of this.partitions(inst)) {
          const log = b.logs.partition(topic, partition);
          if (!log || budget <= 0) continue;
          const pos = this.position(inst, topic, partition);
          const records = await readRecords(log, b.core, pos, Math.min(budget, 1 << 20), 10_000);
          for (const r of records) {
            const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
            if (out.length > 0 && size > budget) break;
            budget -= size;
            out.push({ topic, key: embed(r.key, inst.format), value: embed(r.value, inst.format), partition, offset: r.offset });
            inst.positions.set(key(topic, partition), r.offset + 1);
          }
        }
        if (out.length > 0 || Date.now() >= deadline) break;
        const logs = this.partitions(inst).map((p) => b.logs.partition(p.topic, p.partition)).filter((l) => l !== undefined);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => finish(), Math.max(1, deadline - Date.now()));
          const cancels = logs.map((l) => l!.onNextAppend(() => finish()));
          const finish = () => { clearTimeout(timer); cancels.forEach((c) => c()); resolve(); };
        });
      }
      return json(out, 200, `application/vnd.kafka.${inst.format}.v2+json`);
    });
    router.on('POST', '/consumers/:group/instances/:instance/offsets', async (req) => {
      const inst = this.get(req);
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      const offsets = Array.isArray(body.offsets)
        ? (body.offsets as { topic: string; partition: number; offset: number }[]).map((o) => ({ topic: String(o.topic), partition: Number(o.partition), offset: Number(o.offset) }))
        : [...inst.positions].map(([k, offset]) => { const [topic, p] = k.split('\u0000'); return { topic, partition: Number(p), offset }; });
      if (offsets.length === 0) return noContent();
      const b = this.broker();
      const codes = await b.groups.commitOffsets({
        groupId: inst.group, generationId: -1, memberId: '', groupInstanceId: null,
        offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1, metadata: '' })),
      } as Parameters<typeof b.groups.commitOffsets>[0], (t, p) => b.logs.partition(t, p) !== undefined);
      const failed = codes.findIndex((c) => c !== ErrorCode.NONE);
      if (failed >= 0) {
        const o = offsets[failed];
        if (codes[failed] === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new HttpError(404, 40402, `Partition ${o.topic}-${o.partition} not found.`);
        throw new HttpError(500, 50002, `Kafka error ${codes[failed]} committing ${o.topic}-${o.partition} (the group may have live Kafka members)`);
      }
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/offsets', (req) => {
      const inst = this.get(req);
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      const parts = Array.isArray(body.partitions) ? body.partitions as { topic: string; partition: number }[] : this.partitions(inst);
      const rows = this.broker().groups.fetchOffsets(inst.group, parts.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
      return json({ offsets: rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.committed?.offset ?? -1, metadata: r.committed?.metadata ?? '' })) }, 200, V2_JSON);
    });
  }
}
