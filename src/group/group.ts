// A consumer group as the classic protocol sees it (Kafka's ClassicGroup): members with
// their protocols and assignments (opaque bytes), a generation, a leader, a state, and the
// group's committed offsets. The coordinator drives the state machine; this file holds the
// data and the rules that depend only on it.
import { ErrorCode } from '../protocol/errors.js';
import type { ConsumerGroup } from './consumer-group.js';

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Kafka's allowed transitions (ClassicGroupState): a bug elsewhere fails loudly here. */
const VALID_PREVIOUS: Record<GroupState, GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Only for the leader: every member with its metadata for the chosen protocol. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
  /** v9: the leader is told not to compute assignments (a static leader rejoining a stable group). */
  skipAssignment: boolean;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

const NO_BYTES = Buffer.alloc(0);

export class Member {
  assignment: Buffer = NO_BYTES;
  /** Set while the member waits for the join phase to complete. */
  awaitingJoin: ((result: JoinResult) => void) | null = null;
  /** Set while the member waits for the leader's assignments. */
  awaitingSync: ((result: SyncResult) => void) | null = null;
  /** Joined during the current rebalance and not yet answered (Kafka's isNew). */
  isNew = false;
  /** The session timer: the member is removed when it fires. */
  timer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? NO_BYTES;
  }

  /** Same protocols, in the same order, with the same metadata: a rejoin changes nothing. */
  sameProtocols(protocols: Protocol[]): boolean {
    return protocols.length === this.protocols.length
      && protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata));
  }

  /** Answers a pending JoinGroup (if any) and forgets it. */
  answerJoin(result: JoinResult): void {
    const answer = this.awaitingJoin;
    this.awaitingJoin = null;
    this.isNew = false;
    answer?.(result);
  }

  /** Answers a pending SyncGroup (if any) and forgets it. */
  answerSync(result: SyncResult): void {
    const answer = this.awaitingSync;
    this.awaitingSync = null;
    answer?.(result);
  }
}

export class Group {
  state: GroupState = 'Empty';
  /** When the state last changed (offsets of an empty group expire from here). */
  stateTimestamp = Date.now();
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Members told MEMBER_ID_REQUIRED that have not rejoined yet (KIP-394). */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** group.instance.id → member id (KIP-345 static membership). */
  readonly staticMembers = new Map<string, string>();
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** The timer completing the join phase. */
  joinTimer: NodeJS.Timeout | null = null;
  /** The join phase of a group that was Empty: it waits out group.initial.rebalance.delay.ms. */
  initialRebalance = false;
  /** How much longer new members may still extend the initial delay. */
  initialDelayRemainingMs = 0;
  /**
   * Set while the group runs KIP-848's consumer protocol (a "consumer" group): then its
   * members, epochs and assignments live there and the classic fields above stay empty.
   * Committed offsets are the group's whatever its protocol.
   */
  consumer: ConsumerGroup | null = null;

  constructor(readonly groupId: string) {}

  is(state: GroupState): boolean {
    return this.state === state;
  }

  /** KIP-848's group type: "consumer" for the new protocol, "classic" otherwise. */
  get type(): 'classic' | 'consumer' {
    return this.consumer ? 'consumer' : 'classic';
  }

  /** The state as Kafka reports it for the group's type (DescribeGroups, ListGroups). */
  get stateName(): string {
    return this.consumer ? this.consumer.state : this.state;
  }

  /** No members under either protocol (offsets may then expire, the group may be deleted). */
  get isEmpty(): boolean {
    return this.consumer ? this.consumer.members.size === 0 : this.is('Empty');
  }

  transition(to: GroupState): void {
    if (!VALID_PREVIOUS[to].includes(this.state)) throw new Error(`group ${this.groupId}: illegal transition ${this.state} → ${to}`);
    this.state = to;
    this.stateTimestamp = Date.now();
  }

  get size(): number {
    return this.members.size + this.pendingMembers.size;
  }

  get hasMembers(): boolean {
    return this.members.size > 0;
  }

  /** Every known member has rejoined and nobody is expected to (the join phase may end). */
  get allMembersJoined(): boolean {
    for (const m of this.members.values()) if (!m.awaitingJoin) return false;
    return this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout of the members: how long the join phase may wait. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    let candidates: string[] | null = null;
    for (const m of this.members.values()) {
      const names: string[] = m.protocols.map((p) => p.name);
      candidates = candidates === null ? names : candidates.filter((n) => names.includes(n));
    }
    return new Set(candidates ?? []);
  }

  /**
   * Whether a joining member's protocols fit the group: the same protocol type, and at least
   * one protocol in common with every member (else INCONSISTENT_GROUP_PROTOCOL).
   */
  supports(protocolType: string, protocols: Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (!this.hasMembers) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * Kafka's selectProtocol: among the protocols all members support, each member votes for
   * the first of its own list; the most votes wins (ties: the earliest in voting order).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = '';
    let most = -1;
    for (const [name, count] of votes) if (count > most) [best, most] = [name, count];
    return best;
  }

  /** A static member's id is not the one registered for its instance id. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const registered = this.staticMembers.get(groupInstanceId);
    return registered !== undefined && registered !== memberId;
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    if (member.timer) clearTimeout(member.timer);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** Moves a static member to a new member id (its old id is fenced from now on). */
  replaceStaticMember(groupInstanceId: string, oldId: string, newId: string): Member {
    const member = this.members.get(oldId)!;
    this.members.delete(oldId);
    // The old instance's pending requests learn it was replaced.
    member.answerJoin(this.errorJoin(ErrorCode.FENCED_INSTANCE_ID, oldId));
    member.answerSync({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: NO_BYTES });
    member.memberId = newId;
    this.members.set(newId, member);
    this.staticMembers.set(groupInstanceId, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    return member;
  }

  /** The JoinGroup answer of this generation for `member`. */
  joinResult(member: Member, skipAssignment = false): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader ? [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(this.protocolName ?? ''),
      })) : [],
      skipAssignment,
    };
  }

  errorJoin(errorCode: number, memberId = ''): JoinResult {
    return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
  }

  /** Forgets the classic protocol's state (the group converts to the consumer protocol). */
  resetClassic(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    for (const timer of this.pendingMembers.values()) clearTimeout(timer);
    this.pendingMembers.clear();
    for (const m of this.members.values()) if (m.timer) clearTimeout(m.timer);
    this.members.clear();
    this.staticMembers.clear();
    this.state = 'Empty';
    this.protocolType = null;
    this.protocolName = null;
    this.leaderId = null;
  }

  /** Committed offset of a partition, if any. */
  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, committed: CommittedOffset | null): void {
    let partitions = this.offsets.get(topic);
    if (committed === null) {
      partitions?.delete(partition);
      if (partitions?.size === 0) this.offsets.delete(topic);
      return;
    }
    if (!partitions) this.offsets.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0;
  }
}
