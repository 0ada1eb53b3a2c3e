// The group coordinator, classic protocol (Kafka's GroupCoordinator): the join/sync
// rebalance protocol with its state machine (Empty → PreparingRebalance →
// CompletingRebalance → Stable), session and rebalance timeouts, static membership
// (KIP-345), MEMBER_ID_REQUIRED (KIP-394), offset commits (checked by offset-commit-checks.ts)
// and fetches, and the admin operations. Every group lives on this broker; persistence is
// GroupStore's.
import { randomUUID } from 'node:crypto';
import type { LogManager } from '../log/log-manager.js';
import type { ClusterView } from '../broker/cluster-view.js';
import type { BrokerConfig } from '../config/config.js';
import type { Core } from '../core/index.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { Group, Member, type JoinResult, type SyncResult, type Protocol, type CommittedOffset } from './group.js';
import { OFFSETS_TOPIC } from './offsets-topic.js';
import { GroupStore } from './store.js';
import { checkOffsets, commitError, txnCommitError, type CommitRequest, type TxnCommitRequest } from './offset-commit-checks.js';
import { ConsumerCoordinator } from './consumer-coordinator.js';
import { Migration } from './migration.js';
import { CoordinatorPartitions } from '../broker/coordinator-partitions.js';
import type { Logger } from '../base/logger.js';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and its id (KIP-394). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a stable group may skip computing assignments. */
  supportsSkipAssignment: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Map<string, Buffer>;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

const NO_BYTES = Buffer.alloc(0);

export class GroupCoordinator {
  readonly store: GroupStore;
  /** KIP-848's consumer groups (ConsumerGroupHeartbeat). */
  readonly consumer: ConsumerCoordinator;
  /** Classic members inside consumer groups, and the conversions between the protocols. */
  private readonly migration: Migration;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** The partitions of __consumer_offsets led here: their groups are loaded, and dropped when they move. */
  private readonly partitions: CoordinatorPartitions;

  constructor(private readonly config: BrokerConfig, logs: LogManager, private readonly cluster: ClusterView, core: Core, private readonly logger: Logger) {
    this.store = new GroupStore(logs, cluster, core, config);
    this.consumer = new ConsumerCoordinator(config, this.store, cluster, logger);
    this.migration = new Migration(config, this.consumer, cluster, {
      prepareRebalance: (group) => this.prepareRebalance(group),
      armSessions: (group) => { for (const m of group.members.values()) this.heartbeatReceived(group, m); },
    }, logger);
    this.consumer.migration = this.migration;
    this.partitions = new CoordinatorPartitions(cluster, OFFSETS_TOPIC, {
      unload: (partition) => {
        for (const group of this.store.groupsOf(partition)) {
          this.stopTimers(group);
          this.store.groups.delete(group.groupId);
        }
      },
      load: async (partition) => {
        const loaded = await this.store.load((p) => p === partition);
        for (const group of this.store.groupsOf(partition)) this.armSessions(group);
        this.logger.info(`coordinator of ${OFFSETS_TOPIC}-${partition}: loaded ${this.store.groupsOf(partition).length} group(s) from ${loaded.records} record(s)`);
      },
    }, logger);
  }

  /**
   * Replays the partitions of __consumer_offsets (if it exists) this broker leads, follows
   * their leadership from then on (a partition led here is loaded, one led elsewhere
   * unloaded: the groups move with it, as Kafka's coordinators do), and starts offset expiration.
   */
  async start(): Promise<void> {
    const initial = this.store.load((p) => this.cluster.leads(OFFSETS_TOPIC, p));
    this.partitions.follow(initial);
    const loaded = await initial;
    if (loaded.records > 0) this.logger.info(`loaded ${loaded.groups} group(s) from ${loaded.records} record(s) of __consumer_offsets`);
    for (const group of this.store.groups.values()) this.armSessions(group);
    const interval = Math.min(this.config.int('offsets.retention.check.interval.ms'), 2 ** 31 - 1);
    this.expiryTimer = setInterval(() => {
      void this.expireOffsets(Date.now()).catch((e) => this.logger.warn(`offset expiration failed: ${(e as Error).message}`));
    }, interval);
    this.expiryTimer.unref();
  }

  stop(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    for (const group of this.store.groups.values()) this.stopTimers(group);
  }

  /** A loaded group's members' sessions start over (Kafka does the same on loading). */
  private armSessions(group: Group): void {
    for (const member of group.members.values()) this.heartbeatReceived(group, member);
    for (const m of group.consumer?.members.values() ?? []) {
      this.consumer.armSession(group.groupId, group.consumer!, m.memberId, m.classic?.sessionTimeoutMs ?? this.config.int('group.consumer.session.timeout.ms'));
    }
  }

  private stopTimers(group: Group): void {
    if (group.joinTimer) clearTimeout(group.joinTimer);
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    for (const member of group.members.values()) if (member.timer) clearTimeout(member.timer);
    group.consumer?.stopTimers();
  }

  /**
   * Whether this broker coordinates `groupId` now: NONE, NOT_COORDINATOR (another broker
   * leads its partition of __consumer_offsets), or COORDINATOR_LOAD_IN_PROGRESS (its groups
   * are being loaded). Before the topic exists, the broker asked coordinates (the first
   * lookup creates it).
   */
  coordinatorError(groupId: string): number {
    if (!this.store.topic.exists) return ErrorCode.NONE;
    return this.partitions.error(this.store.topic.partitionFor(groupId));
  }

  /** Creates __consumer_offsets when the first client looks for a coordinator. */
  ensureReady(): Promise<void> {
    return this.store.topic.ensure();
  }

  expireOffsets(now: number): Promise<number> {
    return this.store.expire(now, this.config.int('offsets.retention.minutes') * 60_000);
  }

  group(groupId: string): Group | undefined {
    return this.store.get(groupId);
  }

  get groups(): IterableIterator<Group> {
    return this.store.groups.values();
  }

  // ---- JoinGroup ------------------------------------------------------------------------

  async join(req: JoinRequest): Promise<JoinResult> {
    await this.ensureReady();
    const fail = (code: number) => new Group(req.groupId).errorJoin(code, req.memberId);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const elsewhere = this.coordinatorError(req.groupId);
    if (elsewhere !== ErrorCode.NONE) return fail(elsewhere);
    const mixed = await this.consumer.forClassicJoin(req.groupId);
    if (mixed) return this.migration.join(mixed, req);
    if (req.sessionTimeoutMs < this.config.int('group.min.session.timeout.ms') || req.sessionTimeoutMs > this.config.int('group.max.session.timeout.ms')) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isNewMember = req.memberId === '';
    const group = isNewMember ? this.store.getOrCreate(req.groupId) : this.store.get(req.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.supports(req.protocolType, req.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const known = group.members.has(req.memberId) || group.pendingMembers.has(req.memberId);
    if (!known && group.size >= this.config.int('group.max.size')) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    return new Promise<JoinResult>((resolve) => {
      if (isNewMember) this.joinNewMember(group, req, resolve);
      else this.joinKnownMember(group, req, resolve);
    });
  }

  private joinNewMember(group: Group, req: JoinRequest, answer: (r: JoinResult) => void): void {
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing !== undefined) return this.rejoinStaticMember(group, req, existing, memberId, answer);
    } else if (req.requireKnownMemberId) {
      // KIP-394: the member must come back with this id within its session timeout.
      const timer = setTimeout(() => this.removePendingMember(group, memberId), req.sessionTimeoutMs);
      timer.unref();
      group.pendingMembers.set(memberId, timer);
      return answer(group.errorJoin(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.addMemberAndRebalance(group, req, memberId, answer);
  }

  private joinKnownMember(group: Group, req: JoinRequest, answer: (r: JoinResult) => void): void {
    if (group.pendingMembers.has(req.memberId)) {
      clearTimeout(group.pendingMembers.get(req.memberId));
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req, req.memberId, answer);
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return answer(group.errorJoin(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    const member = group.members.get(req.memberId);
    if (!member) return answer(group.errorJoin(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, answer);
      case 'CompletingRebalance':
        // The member may have missed the join response: the same protocols get it again.
        if (member.sameProtocols(req.protocols)) return answer(group.joinResult(member));
        return this.updateMemberAndRebalance(group, member, req, answer);
      case 'Stable':
        // A rejoining leader, or changed subscriptions, start a rebalance; anyone else is told the current generation.
        if (member.memberId === group.leaderId || !member.sameProtocols(req.protocols)) return this.updateMemberAndRebalance(group, member, req, answer);
        this.heartbeatReceived(group, member);
        return answer(group.joinResult(member));
      default:
        return answer(group.errorJoin(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  /** KIP-345: a static member restarted with a new member id takes over its old membership. */
  private rejoinStaticMember(group: Group, req: JoinRequest, oldId: string, newId: string, answer: (r: JoinResult) => void): void {
    const previousLeaderId = group.leaderId;
    const member = group.replaceStaticMember(req.groupInstanceId!, oldId, newId);
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    this.heartbeatReceived(group, member);
    if (group.is('Stable') && member.sameProtocols(req.protocols)) {
      // No rebalance: persist the new member id, then answer with the current generation.
      // A Stable group would not apply new assignments, so a rejoining leader must not
      // compute any: from v9 it is told to skip them (KIP-814); before, Kafka names the
      // previous leader id and no members, so the client does not believe it leads.
      const isLeader = member.memberId === group.leaderId;
      const skip = isLeader && req.supportsSkipAssignment;
      void this.store.storeGroup(group, new Map()).then(
        () => answer({ ...group.joinResult(member), leader: req.supportsSkipAssignment ? group.leaderId ?? '' : previousLeaderId ?? '', members: skip ? group.joinResult(member).members : [], skipAssignment: skip }),
        (e) => answer(group.errorJoin(e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR, newId)),
      );
      return;
    }
    this.updateMemberAndRebalance(group, member, req, answer);
  }

  private addMemberAndRebalance(group: Group, req: JoinRequest, memberId: string, answer: (r: JoinResult) => void): void {
    const member = new Member(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols);
    member.isNew = true;
    member.awaitingJoin = answer;
    group.add(member);
    this.heartbeatReceived(group, member);
    this.maybePrepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinRequest, answer: (r: JoinResult) => void): void {
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    // A second join from the same member replaces the first (its answer is the same).
    if (member.awaitingJoin) member.answerJoin(group.errorJoin(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.awaitingJoin = answer;
    this.heartbeatReceived(group, member);
    this.maybePrepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  private maybePrepareRebalance(group: Group): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(group);
  }

  private prepareRebalance(group: Group): void {
    if (group.is('CompletingRebalance')) this.resetAssignments(group, ErrorCode.REBALANCE_IN_PROGRESS);
    const initial = group.is('Empty');
    group.transition('PreparingRebalance');
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.initialRebalance = initial;
    if (initial) {
      // group.initial.rebalance.delay.ms: let the first members of a new group arrive together;
      // a member arriving during the wait extends it by the delay, up to the rebalance timeout.
      const delay = this.config.int('group.initial.rebalance.delay.ms');
      group.initialDelayRemainingMs = Math.max(group.rebalanceTimeoutMs - delay, 0);
      const wait = (ms: number, membersBefore: number) => {
        group.joinTimer = setTimeout(() => {
          group.joinTimer = null;
          if (group.members.size > membersBefore && group.initialDelayRemainingMs > 0) {
            const next = Math.min(delay, group.initialDelayRemainingMs);
            group.initialDelayRemainingMs -= next;
            wait(next, group.members.size);
          } else this.completeJoin(group);
        }, ms);
        group.joinTimer.unref();
      };
      wait(delay, group.members.size);
    } else {
      group.joinTimer = setTimeout(() => { group.joinTimer = null; this.completeJoin(group); }, group.rebalanceTimeoutMs);
      group.joinTimer.unref();
    }
  }

  /** Ends the join phase early once every member has rejoined (never during the initial delay). */
  private tryCompleteJoin(group: Group): void {
    if (!group.is('PreparingRebalance') || !group.allMembersJoined || group.initialRebalance) return;
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = null;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    group.initialRebalance = false;
    // Members that did not rejoin in time are out; so are pending members.
    for (const member of [...group.members.values()]) if (!member.awaitingJoin) group.remove(member.memberId);
    for (const [id, timer] of group.pendingMembers) { clearTimeout(timer); group.pendingMembers.delete(id); }
    group.generationId++;
    if (!group.hasMembers) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty');
      void this.store.storeGroup(group, new Map()).catch((e) => this.logger.warn(`group ${group.groupId}: cannot store the empty group: ${(e as Error).message}`));
      return;
    }
    if (!group.leaderId || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.protocolName = group.selectProtocol();
    group.transition('CompletingRebalance');
    for (const member of group.members.values()) {
      member.assignment = NO_BYTES;
      member.answerJoin(group.joinResult(member));
      this.heartbeatReceived(group, member);
    }
  }

  /** Answers pending syncs with `errorCode` and clears the assignments of the generation. */
  private resetAssignments(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = NO_BYTES;
      member.answerSync({ errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES });
    }
  }

  // ---- SyncGroup ------------------------------------------------------------------------

  async sync(req: SyncRequest): Promise<SyncResult> {
    const fail = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const elsewhere = this.coordinatorError(req.groupId);
    if (elsewhere !== ErrorCode.NONE) return fail(elsewhere);
    const group = this.store.get(req.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.consumer) return this.migration.sync(group, req);
    if (group.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.heartbeatReceived(group, member);
        return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
      case 'CompletingRebalance':
        break;
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    const result = new Promise<SyncResult>((resolve) => {
      if (member.awaitingSync) member.answerSync(fail(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = resolve;
    });
    this.heartbeatReceived(group, member);
    if (member.memberId === group.leaderId) void this.completeSync(group, req.assignments);
    return result;
  }

  /** The leader's assignments: stored with the group, then every member gets its own. */
  private async completeSync(group: Group, assignments: Map<string, Buffer>): Promise<void> {
    const generation = group.generationId;
    let error: number = ErrorCode.NONE;
    try {
      await this.store.storeGroup(group, assignments);
    } catch (e) {
      error = e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    // The group may have moved on while the write was in flight.
    if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
    if (error !== ErrorCode.NONE) {
      this.resetAssignments(group, error);
      this.prepareRebalance(group);
      return;
    }
    for (const member of group.members.values()) member.assignment = assignments.get(member.memberId) ?? NO_BYTES;
    group.transition('Stable');
    for (const member of group.members.values()) {
      member.answerSync({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
    }
  }

  // ---- Heartbeat, sessions, LeaveGroup --------------------------------------------------

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const group = this.store.get(groupId);
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const elsewhere = this.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return elsewhere;
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.consumer) return this.migration.heartbeat(group, generationId, memberId, groupInstanceId);
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty': return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.heartbeatReceived(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.heartbeatReceived(group, member);
        return ErrorCode.NONE;
    }
  }

  /** (Re)arms the member's session timer. */
  private heartbeatReceived(group: Group, member: Member): void {
    if (member.timer) {
      member.timer.refresh();
      return;
    }
    member.timer = setTimeout(() => this.sessionExpired(group, member), member.sessionTimeoutMs);
    member.timer.unref();
  }

  private sessionExpired(group: Group, member: Member): void {
    if (group.members.get(member.memberId) !== member) return;
    // A member waiting on a join or sync response is alive: the rebalance bounds its wait.
    if (member.awaitingJoin || member.awaitingSync) {
      member.timer!.refresh();
      return;
    }
    this.logger.info(`group ${group.groupId}: member ${member.memberId} removed after its session timeout of ${member.sessionTimeoutMs} ms`);
    this.removeMember(group, member.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
  }

  private removePendingMember(group: Group, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    this.tryCompleteJoin(group);
  }

  private removeMember(group: Group, memberId: string, errorCode: number): void {
    const member = group.remove(memberId);
    if (!member) return;
    member.answerJoin(group.errorJoin(errorCode, memberId));
    member.answerSync({ errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES });
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  /** LeaveGroup: each member by id, or (v3+) by group.instance.id alone. */
  async leave(groupId: string, members: MemberIdentity[]): Promise<{ errorCode: number; members: (MemberIdentity & { errorCode: number })[] }> {
    const group = this.store.get(groupId);
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const elsewhere = this.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return { errorCode: elsewhere, members: [] };
    if (group?.consumer) {
      const codes = await this.migration.leave(group, members);
      return { errorCode: ErrorCode.NONE, members: members.map((m, i) => ({ ...m, errorCode: codes[i] })) };
    }
    if (!group) return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return {
      errorCode: ErrorCode.NONE,
      members: members.map((m) => ({ ...m, errorCode: this.leaveOne(group, m) })),
    };
  }

  private leaveOne(group: Group, m: MemberIdentity): number {
    let memberId = m.memberId;
    if (memberId === '' && m.groupInstanceId !== null) {
      const registered = group.staticMembers.get(m.groupInstanceId);
      if (registered === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      memberId = registered;
    }
    if (group.pendingMembers.has(memberId)) {
      clearTimeout(group.pendingMembers.get(memberId));
      this.removePendingMember(group, memberId);
      return ErrorCode.NONE;
    }
    if (group.isStaticMemberFenced(m.groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    return ErrorCode.NONE;
  }

  // ---- Offsets --------------------------------------------------------------------------

  /**
   * OffsetCommit. Generation -1 with no member is a standalone commit (the group only
   * stores offsets), accepted while the group has no members; otherwise the member and
   * generation must be current. Answers one error code per partition, in request order.
   */
  async commitOffsets(req: CommitRequest, partitionExists: (topic: string, partition: number) => boolean): Promise<number[]> {
    const all = (code: number) => req.offsets.map(() => code);
    await this.ensureReady();
    const elsewhere = this.coordinatorError(req.groupId);
    if (elsewhere !== ErrorCode.NONE) return all(elsewhere);
    let group = this.store.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.store.getOrCreate(req.groupId);
    }
    let error = commitError(group, req);
    if (error !== ErrorCode.NONE) return all(error);
    const member = group.members.get(req.memberId);
    if (member) this.heartbeatReceived(group, member);
    const { codes, accepted } = checkOffsets(req, partitionExists, this.config.int('offset.metadata.max.bytes'));
    try {
      await this.store.commit(group, accepted);
    } catch (e) {
      error = e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
      return codes.map((c) => (c === ErrorCode.NONE ? error : c));
    }
    return codes;
  }

  /**
   * TxnOffsetCommit (Kafka's handleTxnCommitOffsets): the member checks of a commit, except
   * that a commit without a member (generation -1, as before KIP-447) is accepted while the
   * group has members; the offsets are written at once as the producer's transactional batch
   * and become the group's committed offsets only when its transaction commits
   * (completeTransaction). One error code per partition, in request order.
   */
  async commitTransactionalOffsets(req: TxnCommitRequest, partitionExists: (topic: string, partition: number) => boolean): Promise<number[]> {
    const all = (code: number) => req.offsets.map(() => code);
    await this.ensureReady();
    const group = this.store.getOrCreate(req.groupId);
    let error = txnCommitError(group, req);
    if (error !== ErrorCode.NONE) return all(error);
    const { codes, accepted } = checkOffsets(req, partitionExists, this.config.int('offset.metadata.max.bytes'));
    try {
      await this.store.commitTransactional(group, { producerId: req.producerId, producerEpoch: req.producerEpoch }, accepted);
    } catch (e) {
      error = e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
      return codes.map((c) => (c === ErrorCode.NONE ? error : c));
    }
    return codes;
  }

  /**
   * A transaction marker of `producerId` was written to `partition` of __consumer_offsets:
   * the offsets its transaction committed to groups of that partition take effect (commit),
   * or are dropped (abort).
   */
  completeTransaction(producerId: number, partition: number, commit: boolean): void {
    this.store.completeTransaction(producerId, partition, commit);
  }

  /** Whether an offset of this partition is pending in a transaction (OffsetFetch's require_stable, KIP-447). */
  isOffsetPending(groupId: string, topic: string, partition: number): boolean {
    return this.store.txnOffsets.isPending(groupId, topic, partition);
  }

  /** OffsetFetch v9's member check, for consumer groups (classic groups do not check). */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const elsewhere = this.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return elsewhere;
    return this.store.get(groupId)?.consumer?.validateOffsetFetch(memberId, memberEpoch) ?? ErrorCode.NONE;
  }

  /** Committed offsets of a group: of the given partitions, or (null) all it has. */
  fetchOffsets(groupId: string, partitions: { topic: string; partitions: number[] }[] | null): { topic: string; partition: number; committed: CommittedOffset | undefined }[] {
    const group = this.store.get(groupId);
    if (partitions === null) {
      if (!group) return [];
      return [...group.offsets].flatMap(([topic, byPartition]) => [...byPartition].map(([partition, committed]) => ({ topic, partition, committed })));
    }
    return partitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, committed: group?.offset(t.topic, partition) })));
  }

  // ---- Admin ----------------------------------------------------------------------------

  /** Groups, filtered by state and (KIP-848) type, as ListGroups v4-5 filters them; case-insensitive. */
  listGroups(statesFilter: string[], typesFilter: string[] = []): { groupId: string; protocolType: string; state: string; type: 'classic' | 'consumer' }[] {
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.toLowerCase()));
    return [...this.store.groups.values()]
      .filter((g) => !g.is('Dead') && (wanted.size === 0 || wanted.has(g.stateName.toLowerCase())) && (types.size === 0 || types.has(g.type)))
      .map((g) => ({ groupId: g.groupId, protocolType: g.consumer ? 'consumer' : g.protocolType ?? '', state: g.stateName, type: g.type }));
  }

  async deleteGroup(groupId: string): Promise<number> {
    const elsewhere = this.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return elsewhere;
    const group = this.store.get(groupId);
    if (!group || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.isEmpty) return ErrorCode.NON_EMPTY_GROUP;
    try {
      await this.store.deleteGroup(group);
      return ErrorCode.NONE;
    } catch (e) {
      return e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }

  /**
   * OffsetDelete: removes committed offsets, except for topics the group's live members
   * subscribe to (GROUP_SUBSCRIBED_TO_TOPIC), as Kafka does.
   */
  async deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[], subscribedTopics: (group: Group) => Set<string>): Promise<{ errorCode: number; partitions: number[] }> {
    const elsewhere = this.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return { errorCode: elsewhere, partitions: [] };
    const group = this.store.get(groupId);
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    if (group.hasMembers && group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
    const subscribed = group.consumer ? new Set(partitions.map((p) => p.topic).filter((t) => group.consumer!.isSubscribedToTopic(t)))
      : group.hasMembers ? subscribedTopics(group) : new Set<string>();
    const codes = partitions.map((p) => (subscribed.has(p.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    try {
      await this.store.deleteOffsets(group, partitions.filter((_, i) => codes[i] === ErrorCode.NONE));
    } catch (e) {
      return { errorCode: e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR, partitions: [] };
    }
    return { errorCode: ErrorCode.NONE, partitions: codes };
  }
}
