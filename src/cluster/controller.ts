// What the controller does, as Kafka's controller: it changes partition states in etcd
// (leaders, leader epochs, ISRs, replicas), each write a transaction fenced by its election
// (a deposed controller's write fails) and guarded by the revision of the state it read (two
// writers cannot both win: the loser reads again). It elects leaders from the ISR when a
// leader's broker dies (and removes dead brokers from ISRs), brings back leaderless
// partitions when an ISR member returns, moves leadership back to preferred replicas on
// request (ElectLeaders, preferred or unclean), and runs partition reassignments (KIP-455,
// reassignment.ts): started and cancelled on request, completed by the ISR change that
// brings every new replica in. A partition's leader writes its own ISR changes (alterIsr,
// with the checks of Kafka's AlterPartition, which alterPartition also serves here). Topics
// themselves are written by the broker an admin request reaches (topics.ts).
import type { Namespace } from 'etcd3';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Logger } from '../base/logger.js';
import type { ControllerElection } from './election.js';
import type { MetadataImage, VersionedState } from './image.js';
import { KEYS, NO_LEADER, type PartitionState } from './model.js';
import { cancelReassignment, completeReassignment, reassigning, startReassignment } from './reassignment.js';
import {
  checkTargetReplicas, ELECTION_PREFERRED, unknownPartition,
  type ElectionType, type PartitionResult, type ReassignmentChange, type TopicPartition,
} from '../broker/cluster-view.js';

interface ControllerOptions {
  /** Whether a partition of `topic` may elect a replica outside its ISR (unclean.leader.election.enable). */
  uncleanLeaderElection(topic: string): boolean;
}

/** A write lost to another: read again and retry, this many times at most. */
const MAX_ATTEMPTS = 5;
/** A reconcile pass that left a partition unsettled runs again after this long. */
const RETRY_MS = 200;

export class Controller {
  /** A reconcile pass running, and whether another is due after it (passes never overlap). */
  private reconciling: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ns: Namespace,
    private readonly image: MetadataImage,
    private readonly election: ControllerElection,
    private readonly options: ControllerOptions,
    private readonly logger: Logger,
  ) {}

  /** Follows broker arrivals and departures, and new topics (acted on while this broker is the controller). */
  start(): void {
    this.unsubscribe = this.image.onChange((change) => {
      // A new topic's first leader may have died before its state was written.
      if (change.kind === 'broker' || (change.kind === 'topic' && change.record && !change.previous)) this.schedule();
    });
  }

  stop(): void {
    clearTimeout(this.retry);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Runs reconcile() now, or once more after the pass in progress. A pass that did not
   * settle every partition (a write lost to another, or etcd failing) is run again after
   * RETRY_MS while this broker is the controller: nothing else would bring it back, as the
   * broker change that called for it has come and gone.
   */
  schedule(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    clearTimeout(this.retry);
    this.reconciling = (async () => {
      let settled = true;
      do {
        this.again = false;
        try {
          settled = await this.reconcile();
        } catch (e) {
          settled = false;
          this.logger.warn(`controller: elections failed, tried again in ${RETRY_MS} ms: ${(e as Error).message}`);
        }
      } while (this.again);
      this.reconciling = null;
      if (!settled && this.active) this.retry = setTimeout(() => void this.schedule(), RETRY_MS).unref();
    })();
    return this.reconciling;
  }

  get active(): boolean {
    return this.election.record !== null;
  }

  private requireActive(): void {
    if (!this.active) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'this broker is not the controller');
  }

  /**
   * A leader's change to its ISR (Kafka's AlterPartition): accepted only from the current
   * leader at the current leader epoch and partition epoch, with an ISR of live replicas
   * that keeps the leader. Returns the state written.
   */
  async alterPartition(topicId: string, partition: number, leaderId: number, leaderEpoch: number, partitionEpoch: number, isr: number[]): Promise<PartitionState> {
    this.requireActive();
    const state = this.image.partition(topicId, partition);
    const next = checkIsrChange(this.image, topicId, partition, state, leaderId, leaderEpoch, partitionEpoch, isr);
    if (!(await this.write(topicId, partition, state!, next))) throw new KafkaError(this.active ? ErrorCode.INVALID_UPDATE_VERSION : ErrorCode.NOT_CONTROLLER, 'the partition changed meanwhile');
    return next;
  }

  /**
   * Elections after brokers came or went: a partition whose leader is gone gets the first live
   * replica of its ISR (or, unclean, any live replica; else no leader), dead brokers leave
   * ISRs, and a leaderless partition takes back an ISR member that returned. Each change is
   * computed from the state it is written over. Returns whether every write went in (false:
   * another writer came between, or this image had not caught up yet; a later pass reads again).
   */
  async reconcile(): Promise<boolean> {
    if (!this.active) return true;
    const live = new Set(this.image.brokers.keys());
    let settled = true;
    for (const [key, state] of this.image.partitions) {
      const [topicId, p] = key.split('/');
      const topic = this.image.topicNames.get(topicId);
      if (!topic) continue;
      let next = this.afterBrokerChange(topic, state, live);
      // A reassignment whose new replicas are all in sync (a controller that died before completing it).
      const completed = completeReassignment(next ?? strip(state), live);
      if (completed) next = { ...completed, partitionEpoch: state.partitionEpoch + 1 };
      if (next && !(await this.write(topicId, Number(p), state, next))) settled = false;
      if (!this.active) return true;
    }
    return settled;
  }

  /**
   * ElectLeaders (KIP-460). Preferred: the partition's first replica leads if it is alive and
   * in the ISR. Unclean: a partition without a leader gets the first live replica of its ISR,
   * else any live replica (what an admin asks for, whatever unclean.leader.election.enable
   * says). `partitions` null: every partition, and those that needed no election are left
   * out of the results, as Kafka's controller answers.
   */
  async electLeaders(type: ElectionType, partitions: TopicPartition[] | null): Promise<PartitionResult[]> {
    this.requireActive();
    const wanted = partitions ?? [...this.image.topics].flatMap(([topic, record]) => record.replicas.map((_, partition) => ({ topic, partition })));
    const results: PartitionResult[] = [];
    for (const { topic, partition } of wanted) {
      const result = await this.change(topic, partition, (state) => this.elect(type, state));
      if (partitions === null && result.errorCode === ErrorCode.ELECTION_NOT_NEEDED) continue;
      results.push(result);
    }
    return results;
  }

  private elect(type: ElectionType, state: PartitionState): PartitionState {
    const alive = (id: number) => this.image.brokers.has(id);
    if (type === ELECTION_PREFERRED) {
      const preferred = state.replicas[0];
      if (state.leader === preferred) throw new KafkaError(ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
      if (!alive(preferred) || !state.isr.includes(preferred)) {
        throw new KafkaError(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `The preferred leader ${preferred} is ${alive(preferred) ? 'not in the ISR' : 'not alive'}.`);
      }
      return { ...state, leader: preferred, leaderEpoch: state.leaderEpoch + 1 };
    }
    if (state.leader !== NO_LEADER && alive(state.leader)) throw new KafkaError(ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
    const clean = state.replicas.find((id) => alive(id) && state.isr.includes(id));
    if (clean !== undefined) return { ...state, leader: clean, leaderEpoch: state.leaderEpoch + 1, isr: state.isr.filter(alive) };
    const any = state.replicas.find(alive);
    if (any === undefined) throw new KafkaError(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, 'No replica of the partition is alive.');
    this.logger.warn(`controller: unclean leader election (ElectLeaders): ${any} leads without being in the ISR; records may be lost`);
    return { ...state, leader: any, leaderEpoch: state.leaderEpoch + 1, isr: [any] };
  }

  /**
   * AlterPartitionReassignments (KIP-455): each partition's target replicas (alive, none
   * twice) start a reassignment, or replace the one in progress; null cancels it.
   */
  async alterPartitionReassignments(changes: ReassignmentChange[]): Promise<PartitionResult[]> {
    this.requireActive();
    const live = new Set(this.image.brokers.keys());
    const results: PartitionResult[] = [];
    for (const { topic, partition, replicas } of changes) {
      results.push(await this.change(topic, partition, (state) => {
        if (replicas === null) return cancelReassignment(state, live, this.options.uncleanLeaderElection(topic), `${topic}-${partition}`);
        checkTargetReplicas(replicas, (id) => live.has(id));
        return startReassignment(state, replicas, live);
      }));
    }
    return results;
  }

  /**
   * Writes `compute(state)` over a partition's state, read and computed again when another
   * write came between (a bounded number of times); a KafkaError `compute` throws is the
   * partition's result. Resolves once this broker's image has the write.
   */
  private async change(topic: string, partition: number, compute: (state: PartitionState) => PartitionState): Promise<PartitionResult> {
    const record = this.image.topics.get(topic);
    try {
      for (let attempt = 1; ; attempt++) {
        const state = record && this.image.partition(record.id, partition);
        if (!record || !state) return unknownPartition(topic, partition);
        const next = { ...compute(strip(state)), partitionEpoch: state.partitionEpoch + 1 };
        const revision = await this.write(record.id, partition, state, next);
        if (revision) {
          await this.image.caughtUp(revision);
          return { topic, partition, errorCode: ErrorCode.NONE, errorMessage: null };
        }
        this.requireActive();
        if (attempt === MAX_ATTEMPTS) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${topic}-${partition} kept changing under ${MAX_ATTEMPTS} attempts to change it: try again`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (e) {
      if (!(e instanceof KafkaError) || e.code === ErrorCode.NOT_CONTROLLER) throw e;
      return { topic, partition, errorCode: e.code, errorMessage: e.reason };
    }
  }

  private afterBrokerChange(topic: string, state: VersionedState, live: Set<number>): PartitionState | null {
    const leaderAlive = state.leader !== NO_LEADER && live.has(state.leader);
    const liveIsr = state.isr.filter((id) => live.has(id));
    if (leaderAlive) {
      // Dead followers leave the ISR at once (Kafka fences their registrations).
      if (liveIsr.length === state.isr.length) return null;
      return { ...strip(state), isr: liveIsr, partitionEpoch: state.partitionEpoch + 1 };
    }
    const candidates = state.replicas.filter((id) => liveIsr.includes(id));
    let leader = candidates[0] ?? NO_LEADER;
    let isr = liveIsr;
    if (leader === NO_LEADER && this.options.uncleanLeaderElection(topic)) {
      leader = state.replicas.find((id) => live.has(id)) ?? NO_LEADER;
      if (leader !== NO_LEADER) {
        isr = [leader];
        this.logger.warn(`controller: unclean leader election for ${topic}: ${leader} leads without being in the ISR; records may be lost`);
      }
    }
    // No live replica of the ISR: no leader, and the ISR keeps its last members, so one of them, when back, leads again.
    if (leader === NO_LEADER) {
      if (state.leader === NO_LEADER) return null;
      return { ...strip(state), leader: NO_LEADER, partitionEpoch: state.partitionEpoch + 1 };
    }
    return { ...strip(state), leader, leaderEpoch: state.leaderEpoch + 1, isr, partitionEpoch: state.partitionEpoch + 1 };
  }

  /** Writes `next` over `read`, fenced and guarded by read's revision; the revision written at, or null when either moved. */
  private async write(topicId: string, partition: number, read: VersionedState, next: PartitionState): Promise<string | null> {
    const key = KEYS.partition(topicId, partition);
    const result = await this.election.fenced().and(key, 'Mod', '==', read.modRevision).then(this.ns.put(key).value(JSON.stringify(next))).commit();
    if (!result.succeeded) return null;
    const moving = reassigning(next) ? `, adding ${JSON.stringify(next.addingReplicas)}, removing ${JSON.stringify(next.removingReplicas)}` : '';
    this.logger.info(`controller: ${topicId}/${partition} leader ${next.leader} epoch ${next.leaderEpoch}, replicas ${JSON.stringify(next.replicas)}, ISR ${JSON.stringify(next.isr)}${moving}`);
    return result.header.revision;
  }
}

/**
 * A leader's ISR change (AlterPartition) checked against the partition's state: only from
 * the current leader at the current leader and partition epochs, an ISR of replicas that
 * keeps the leader, new members alive. Returns the state to write.
 */
function checkIsrChange(image: MetadataImage, topicId: string, partition: number, state: VersionedState | undefined,
  leaderId: number, leaderEpoch: number, partitionEpoch: number, isr: number[]): PartitionState {
  if (!state) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${topicId}/${partition}`);
  if (leaderId !== state.leader || leaderEpoch !== state.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader ${leaderId} at epoch ${leaderEpoch}; the partition has ${state.leader} at ${state.leaderEpoch}`);
  if (partitionEpoch !== state.partitionEpoch) throw new KafkaError(ErrorCode.INVALID_UPDATE_VERSION, `partition epoch ${partitionEpoch}, current ${state.partitionEpoch}`);
  if (!isr.includes(leaderId) || isr.some((id) => !state.replicas.includes(id))) throw new KafkaError(ErrorCode.INVALID_REQUEST, `ISR ${JSON.stringify(isr)} must hold the leader and only replicas`);
  const ineligible = isr.filter((id) => !state.isr.includes(id) && !image.brokers.has(id));
  if (ineligible.length > 0) throw new KafkaError(ErrorCode.INELIGIBLE_REPLICA, `replicas ${ineligible.join(', ')} are not alive`);
  const next: PartitionState = { ...strip(state), isr: [...isr].sort((a, b) => state.replicas.indexOf(a) - state.replicas.indexOf(b)), partitionEpoch: state.partitionEpoch + 1 };
  // The ISR now holding every replica being added completes a reassignment, in the same write
  // (the replicas become the target; a leader that was removed hands over).
  return completeReassignment(next, new Set(image.brokers.keys())) ?? next;
}

/**
 * A leader's own ISR change, written by the leader: the same checks as the controller's
 * AlterPartition, in one etcd transaction guarded by the revision of the state it checked,
 * so that it never overwrites an election or another change made meanwhile (the controller's
 * own writes are guarded the same way). Returns the state written.
 */
export async function alterIsr(ns: Namespace, image: MetadataImage, topicId: string, partition: number,
  leaderId: number, leaderEpoch: number, partitionEpoch: number, isr: number[]): Promise<PartitionState> {
  const state = image.partition(topicId, partition);
  const next = checkIsrChange(image, topicId, partition, state, leaderId, leaderEpoch, partitionEpoch, isr);
  const key = KEYS.partition(topicId, partition);
  const result = await ns.if(key, 'Mod', '==', state!.modRevision).then(ns.put(key).value(JSON.stringify(next))).commit();
  if (!result.succeeded) throw new KafkaError(ErrorCode.INVALID_UPDATE_VERSION, `${topicId}/${partition} changed meanwhile`);
  return next;
}

/** The state as etcd keeps it (the image's revision left out, a reassignment in progress kept). */
function strip(state: PartitionState): PartitionState {
  const { leader, leaderEpoch, isr, replicas, partitionEpoch, addingReplicas, removingReplicas } = state;
  return reassigning(state) ? { leader, leaderEpoch, isr, replicas, partitionEpoch, addingReplicas, removingReplicas } : { leader, leaderEpoch, isr, replicas, partitionEpoch };
}
