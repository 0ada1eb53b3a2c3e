// REST proxy v2 consumer instances. As in Confluent's REST Proxy, where each instance is a
// Kafka consumer, a subscribed instance is a real member of its consumer group: it joins the
// broker's group coordinator in process (consumer/group-member.ts's state machine over
// member-transport.ts; the range assignor), heartbeats on a timer, rejoins in the background
// when the group rebalances, and leaves when it is deleted, unsubscribes or expires. So
// instances of one group split the partitions between them and with Kafka consumers of the
// group, and commit with their generation and member id. ACLs (access.ts): every use of an
// instance needs READ on its group; subscribing to, being assigned, reading and committing a
// topic READ on the topic (403 otherwise).
//
// While a rebalance is under way an instance holds no partitions (the classic protocol is
// eager: everything is revoked before rejoining), so GET records answers what it can: often
// nothing. Positions of partitions it keeps survive the rebalance; those moved away are
// dropped; new ones start, as they are assigned, from the committed offset, else
// auto.offset.reset. An explicit assignment (POST .../assignments) is Kafka's assign(): no
// membership, commits with generation -1 (accepted while the group has no live members).
// Instances unused for http.consumer.instance.timeout.ms are deleted (and leave the group).
import { randomUUID } from 'node:crypto';
import type { BrokerContext } from '../broker/context.js';
import { GroupMember } from '../consumer/group-member.js';
import type { TopicPartitions } from '../protocol/consumer-protocol.js';
import { KafkaError } from '../protocol/errors.js';
import { CoordinatorTransport } from './member-transport.js';
import { HttpError, Router, V2_JSON, intParam, json, noContent, objectBody, parseJson, type HttpRequest } from './router.js';
import { embed, readRecords, type EmbeddedFormat } from './records.js';
import { RestErrorCode } from './error-codes.js';
import { mayAccess, requireAccess } from './access.js';
import { AclOperation, ResourceType } from '../security/acl.js';

interface TopicPartition {
  topic: string;
  partition: number;
}

interface Instance {
  group: string;
  name: string;
  format: EmbeddedFormat;
  reset: 'earliest' | 'latest';
  subscription: string[];
  /** The partitions it reads: its explicit assignment, or what the group gave its member. */
  assigned: TopicPartition[];
  /** Set while subscribed: the instance's membership of its group. */
  member: GroupMember | null;
  joining: Promise<void> | null;
  /** Why the last background join gave up; reported by the next GET records. */
  joinError: Error | null;
  positions: Map<string, number>;
  /** GET records requests waiting for the assignment to change. */
  waiters: Set<() => void>;
  lastUsedMs: number;
  closed: boolean;
}

interface ConsumerInstanceOptions {
  /** http.consumer.instance.timeout.ms */
  timeoutMs: number;
  /** http.consumer.request.max.bytes */
  defaultMaxBytes: number;
  /** http.consumer.session.timeout.ms (also the member's rebalance timeout) */
  sessionTimeoutMs: number;
  /** http.consumer.heartbeat.interval.ms */
  heartbeatIntervalMs: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const instanceKey = (group: string, name: string) => `${group}\u0000${name}`;
const MAX_TIMEOUT_MS = 30_000;
/** The client host a REST member shows in DescribeGroups (Kafka clients show /<address>). */
const CLIENT_HOST = '/strom-rest-proxy';

export class ConsumerInstances {
  private readonly instances = new Map<string, Instance>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly broker: () => BrokerContext, private readonly o: ConsumerInstanceOptions) {
    this.timer = setInterval(() => this.expire(Date.now()), Math.min(Math.max(100, o.timeoutMs / 4), 10_000));
    this.timer.unref();
  }

  get size(): number {
    return this.instances.size;
  }

  /** Deletes every instance (their members leave their groups). */
  stop(): void {
    clearInterval(this.timer);
    for (const [id, inst] of this.instances) this.remove(id, inst);
  }

  expire(now: number): void {
    for (const [id, inst] of this.instances) {
      if (now - inst.lastUsedMs <= this.o.timeoutMs) continue;
      if (inst.member) this.broker().logger.info(`REST consumer instance ${inst.name} of group ${inst.group} expired (unused for ${this.o.timeoutMs} ms): it leaves the group`);
      this.remove(id, inst);
    }
  }

  private remove(id: string, inst: Instance): void {
    this.instances.delete(id);
    inst.closed = true;
    this.leave(inst);
    this.wake(inst);
  }

  private get(req: HttpRequest): Instance {
    // Every use of an instance is its group's, as Kafka asks READ on the group of every group request.
    requireAccess(this.broker(), req, AclOperation.READ, ResourceType.GROUP, req.params.group);
    const inst = this.instances.get(instanceKey(req.params.group, req.params.instance));
    if (!inst) throw new HttpError(404, RestErrorCode.CONSUMER_NOT_FOUND, 'Consumer instance not found.');
    inst.lastUsedMs = Date.now();
    return inst;
  }

  private wake(inst: Instance): void {
    for (const w of [...inst.waiters]) w();
  }

  /** Sets the partitions an instance reads; positions of the partitions it no longer has are dropped. */
  private assign(inst: Instance, partitions: TopicPartition[]): void {
    const kept = new Set(partitions.map((p) => key(p.topic, p.partition)));
    for (const k of [...inst.positions.keys()]) if (!kept.has(k)) inst.positions.delete(k);
    inst.assigned = partitions;
    this.wake(inst);
  }

  /** Rebalance under way: nothing is the instance's until the group assigns again (positions stay). */
  private revoke(inst: Instance): void {
    inst.assigned = [];
    this.wake(inst);
  }

  /** Ends the instance's group membership (LeaveGroup), if it has one. */
  private leave(inst: Instance): void {
    const member = inst.member;
    inst.member = null;
    inst.joinError = null;
    if (member) void member.leave();
  }

  /** Kafka's unsubscribe(): leaves the group, and drops any explicit assignment too. */
  private unsubscribe(inst: Instance): void {
    this.leave(inst);
    inst.subscription = [];
    this.assign(inst, []);
  }

  private subscribe(inst: Instance, topics: string[]): void {
    inst.subscription = topics;
    if (inst.member) {
      const same = inst.member.topics.length === topics.length && topics.every((t) => inst.member!.topics.includes(t));
      if (!same) inst.member.subscribe(topics); // calls rejoin() through onRejoinNeeded
      return;
    }
    this.revoke(inst);
    const member = new GroupMember(new CoordinatorTransport(this.broker, inst.name, CLIENT_HOST), {
      groupId: inst.group,
      topics,
      sessionTimeoutMs: this.o.sessionTimeoutMs,
      rebalanceTimeoutMs: this.o.sessionTimeoutMs,
      heartbeatIntervalMs: this.o.heartbeatIntervalMs,
      onRejoinNeeded: () => this.rejoin(inst),
    });
    inst.member = member;
    this.rejoin(inst);
  }

  /** Joins the group in the background; the instance holds no partitions until it has joined. */
  private rejoin(inst: Instance): void {
    const member = inst.member;
    if (!member || inst.joining) return;
    this.revoke(inst);
    inst.joining = (async () => {
      try {
        while (inst.member === member && member.needsRejoin) {
          const assignment = await member.join();
          if (inst.member !== member) return;
          const partitions = assignment.flatMap((a: TopicPartitions) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
          this.assign(inst, partitions);
          // New partitions start now (committed offset, else auto.offset.reset), not at the first
          // GET records: a record produced after the assignment showed is read even with "latest".
          for (const p of partitions) if (this.broker().logs.partition(p.topic, p.partition)) this.position(inst, p.topic, p.partition);
        }
      } catch (e) {
        if (inst.member === member) {
          inst.joinError = e as Error;
          this.broker().logger.warn(`REST consumer instance ${inst.name} cannot join group ${inst.group}: ${(e as Error).message}`);
        }
      } finally {
        inst.joining = null;
      }
    })();
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

  /** GET records: what the assignment has from the positions on, waiting up to `timeoutMs` for some. */
  private async poll(inst: Instance, timeoutMs: number, maxBytes: number): Promise<unknown[]> {
    const b = this.broker();
    const deadline = Date.now() + timeoutMs;
    let budget = maxBytes;
    let out: { topic: string; key: unknown; value: unknown; partition: number; offset: number }[] = [];
    for (;;) {
      const assigned = inst.assigned;
      for (const { topic, partition } of assigned) {
        const log = b.logs.partition(topic, partition);
        if (!log || budget <= 0) continue;
        const records = await readRecords(log, b.core, this.position(inst, topic, partition), Math.min(budget, 1 << 20), 10_000);
        if (inst.assigned !== assigned) break; // a rebalance (or an assign) came while reading
        for (const r of records) {
          const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
          if (out.length > 0 && size > budget) break;
          budget -= size;
          out.push({ topic, key: embed(r.key, inst.format), value: embed(r.value, inst.format), partition, offset: r.offset });
          inst.positions.set(key(topic, partition), r.offset + 1);
        }
      }
      if (inst.assigned !== assigned) {
        // Records of partitions taken away are not ours to hand out (their positions are gone).
        const owned = new Set(inst.assigned.map((p) => key(p.topic, p.partition)));
        out = out.filter((r) => owned.has(key(r.topic, r.partition)));
      }
      if (out.length > 0 || Date.now() >= deadline || inst.closed) return out;
      const logs = inst.assigned.map((p) => b.logs.partition(p.topic, p.partition)).filter((l) => l !== undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => finish(), Math.max(1, deadline - Date.now()));
        const cancels = logs.map((l) => l!.onNextAppend(() => finish()));
        const finish = () => { clearTimeout(timer); cancels.forEach((c) => c()); inst.waiters.delete(finish); resolve(); };
        inst.waiters.add(finish);
      });
    }
  }

  private async commit(inst: Instance, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    const b = this.broker();
    for (const o of offsets) if (!b.logs.partition(o.topic, o.partition)) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, `Partition ${o.topic}-${o.partition} not found.`);
    try {
      if (inst.member) await inst.member.commit(offsets);
      else await new CoordinatorTransport(this.broker, inst.name, CLIENT_HOST).commitOffsets({ groupId: inst.group, generationId: -1, memberId: '', groupInstanceId: null }, offsets);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      const why = inst.member
        ? (inst.member.needsRejoin ? ' (the group is rebalancing: commit again once the instance has its new assignment)' : '')
        : ' (an assigned instance commits outside the group: refused while the group has live members)';
      throw new HttpError(500, RestErrorCode.KAFKA_ERROR, `${e.message}${why}`);
    }
  }

  routes(router: Router): void {
    router.on('POST', '/consumers/:group', (req) => {
      requireAccess(this.broker(), req, AclOperation.READ, ResourceType.GROUP, req.params.group);
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'The request body must be a JSON object.');
      const name = body.name === undefined ? `rest-consumer-${randomUUID()}` : String(body.name);
      const format = (body.format ?? 'binary') as string;
      if (format !== 'json' && format !== 'binary') throw new HttpError(422, RestErrorCode.INVALID_CONSUMER_CONFIG, `format ${format} is not supported (json or binary)`);
      const reset = (body['auto.offset.reset'] ?? 'latest') as string;
      if (reset !== 'earliest' && reset !== 'latest') throw new HttpError(422, RestErrorCode.INVALID_CONSUMER_CONFIG, 'auto.offset.reset must be earliest or latest');
      const id = instanceKey(req.params.group, name);
      if (this.instances.has(id)) throw new HttpError(409, RestErrorCode.CONSUMER_ALREADY_EXISTS, `Consumer with specified consumer ID already exists in the specified consumer group.`);
      this.instances.set(id, {
        group: req.params.group, name, format, reset, subscription: [], assigned: [], member: null, joining: null, joinError: null,
        positions: new Map(), waiters: new Set(), lastUsedMs: Date.now(), closed: false,
      });
      return json({ instance_id: name, base_uri: `http://${req.host}/consumers/${encodeURIComponent(req.params.group)}/instances/${encodeURIComponent(name)}` }, 200, V2_JSON);
    });
    router.on('DELETE', '/consumers/:group/instances/:instance', (req) => {
      this.remove(instanceKey(req.params.group, req.params.instance), this.get(req));
      return noContent();
    });
    router.on('POST', '/consumers/:group/instances/:instance/subscription', (req) => {
      const inst = this.get(req);
      const body = objectBody(req);
      if (!Array.isArray(body.topics) || body.topics.some((t) => typeof t !== 'string')) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'topics must be an array of topic names');
      for (const t of body.topics as string[]) {
        requireAccess(this.broker(), req, AclOperation.READ, ResourceType.TOPIC, t);
        if (!this.broker().logs.topic(t)) throw new HttpError(404, RestErrorCode.TOPIC_NOT_FOUND, `Topic ${t} not found.`);
      }
      if (body.topics.length === 0) this.unsubscribe(inst); // as Kafka's subscribe([])
      else this.subscribe(inst, [...new Set(body.topics as string[])]);
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/subscription', (req) => json({ topics: this.get(req).subscription }, 200, V2_JSON));
    router.on('DELETE', '/consumers/:group/instances/:instance/subscription', (req) => {
      this.unsubscribe(this.get(req));
      return noContent();
    });
    const partitionList = (req: HttpRequest, body: Record<string, unknown>) => {
      if (!Array.isArray(body.partitions)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'partitions must be an array of {topic, partition}');
      return (body.partitions as TopicPartition[]).map((p) => {
        requireAccess(this.broker(), req, AclOperation.READ, ResourceType.TOPIC, String(p.topic));
        if (!this.broker().logs.partition(String(p.topic), Number(p.partition))) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, `Partition ${p.topic}-${p.partition} not found.`);
        return { topic: String(p.topic), partition: Number(p.partition) };
      });
    };
    router.on('POST', '/consumers/:group/instances/:instance/assignments', (req) => {
      const inst = this.get(req);
      const partitions = partitionList(req, objectBody(req));
      this.leave(inst); // assign() is Kafka's: no group membership
      inst.subscription = [];
      this.assign(inst, partitions);
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/assignments', (req) => json({ partitions: this.get(req).assigned }, 200, V2_JSON));
    router.on('POST', '/consumers/:group/instances/:instance/positions', (req) => {
      const inst = this.get(req);
      const body = objectBody(req);
      if (!Array.isArray(body.offsets)) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'offsets must be an array of {topic, partition, offset}');
      for (const o of body.offsets as { topic: string; partition: number; offset: number }[]) {
        requireAccess(this.broker(), req, AclOperation.READ, ResourceType.TOPIC, String(o.topic));
        if (!this.broker().logs.partition(String(o.topic), Number(o.partition))) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, `Partition ${o.topic}-${o.partition} not found.`);
        if (!Number.isInteger(o.offset) || o.offset < 0) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'offset must be a non-negative integer');
        inst.positions.set(key(o.topic, o.partition), o.offset);
      }
      return noContent();
    });
    for (const end of ['beginning', 'end'] as const) {
      router.on('POST', `/consumers/:group/instances/:instance/positions/${end}`, (req) => {
        const inst = this.get(req);
        for (const p of partitionList(req, objectBody(req))) {
          const log = this.broker().logs.partition(p.topic, p.partition)!;
          inst.positions.set(key(p.topic, p.partition), end === 'beginning' ? log.logStartOffset : log.logEndOffset);
        }
        return noContent();
      });
    }
    router.on('GET', '/consumers/:group/instances/:instance/records', async (req) => {
      const inst = this.get(req);
      const timeoutMs = Math.min(intParam(req.query.get('timeout'), 'timeout', 1000), MAX_TIMEOUT_MS);
      const maxBytes = intParam(req.query.get('max_bytes'), 'max_bytes', this.o.defaultMaxBytes);
      if (inst.joinError) {
        const e = inst.joinError;
        inst.joinError = null;
        this.rejoin(inst); // try again; this request reports why the last attempt failed
        throw new HttpError(500, RestErrorCode.KAFKA_ERROR, `Cannot join consumer group ${inst.group}: ${e.message}`);
      }
      // As a Kafka consumer's Fetch: READ on every topic it reads.
      for (const topic of new Set([...inst.subscription, ...inst.assigned.map((p) => p.topic)])) requireAccess(this.broker(), req, AclOperation.READ, ResourceType.TOPIC, topic);
      return json(await this.poll(inst, timeoutMs, maxBytes), 200, `application/vnd.kafka.${inst.format}.v2+json`);
    });
    router.on('POST', '/consumers/:group/instances/:instance/offsets', async (req) => {
      const inst = this.get(req);
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      const offsets = Array.isArray(body.offsets)
        ? (body.offsets as { topic: string; partition: number; offset: number }[]).map((o) => ({ topic: String(o.topic), partition: Number(o.partition), offset: Number(o.offset) }))
        : [...inst.positions].map(([k, offset]) => { const [topic, p] = k.split('\u0000'); return { topic, partition: Number(p), offset }; });
      for (const topic of new Set(offsets.map((o) => o.topic))) requireAccess(this.broker(), req, AclOperation.READ, ResourceType.TOPIC, topic);
      if (offsets.length > 0) await this.commit(inst, offsets);
      return noContent();
    });
    router.on('GET', '/consumers/:group/instances/:instance/offsets', (req) => {
      const inst = this.get(req);
      const body = (parseJson(req) ?? {}) as Record<string, unknown>;
      const parts = (Array.isArray(body.partitions) ? body.partitions as TopicPartition[] : inst.assigned)
        .filter((p) => mayAccess(this.broker(), req, AclOperation.DESCRIBE, ResourceType.TOPIC, String(p.topic)));
      const rows = this.broker().groups.fetchOffsets(inst.group, parts.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
      return json({ offsets: rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.committed?.offset ?? -1, metadata: r.committed?.metadata ?? '' })) }, 200, V2_JSON);
    });
  }
}
