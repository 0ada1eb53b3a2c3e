// How a Fetch request uses a fetch session (KIP-227; Kafka's FetchManager.newContext), from
// its session id and epoch (v7+; older versions have no session):
//   id 0, epoch -1     no session: a full fetch, answered in full, session id 0
//   any, epoch 0       a full fetch that opens a session (closing the one named): answered
//                      in full with the new session's id, or 0 when the cache has no room
//   id n, epoch -1     closes session n; a full fetch without a session
//   id n, epoch e > 0  incremental: the request names the partitions added or whose position
//                      changed, and those forgotten; the answer holds only the session's
//                      partitions that changed. An unknown id is FETCH_SESSION_ID_NOT_FOUND,
//                      another epoch than the session expects INVALID_FETCH_SESSION_EPOCH.
// From v13 topics are named by id (KIP-516): a session keys its partitions by topic id, an
// unknown id is UNKNOWN_TOPIC_ID (a topic deleted and created again has a new one), and a
// session opened with names used with ids (or the other way) is FETCH_SESSION_TOPIC_ID_ERROR.
import type { FetchRequest, FetchResponse } from '../protocol/generated/fetch.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { FetchSession, FINAL_EPOCH, INITIAL_EPOCH, type FetchPosition, type SessionPartition } from '../broker/fetch-sessions.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { RequestContext } from './handler.js';

/** The first Fetch version with fetch sessions. */
const FIRST_SESSION_VERSION = 7;
/** The first Fetch version that names topics by id. */
const FIRST_TOPIC_ID_VERSION = 13;

/** One partition to answer: what the request (or the session) asks of it, and its log. */
export interface FetchTarget extends FetchPosition {
  log: PartitionLog | undefined;
  /** Named by a topic id no topic has (v13+): UNKNOWN_TOPIC_ID. */
  unknownTopicId: boolean;
  /** Its entry in the session, when there is one. */
  cached: SessionPartition | null;
}

export interface ServedSession {
  kind: 'sessionless' | 'full' | 'incremental';
  targets: FetchTarget[];
  /** The session id the response carries (0: none). */
  responseSessionId: number;
  /** Whether the answer for `target` goes in the response (and, in a session, remember what it said). */
  include(target: FetchTarget, data: FetchResponse.PartitionData): boolean;
}

type SessionContext = { kind: 'error'; errorCode: number } | ServedSession;

export function openSession(ctx: RequestContext, request: FetchRequest): SessionContext {
  const cache = ctx.broker.fetchSessions;
  const { sessionId, sessionEpoch } = request;
  const now = Date.now();
  const byId = ctx.apiVersion >= FIRST_TOPIC_ID_VERSION;
  if (ctx.apiVersion < FIRST_SESSION_VERSION || sessionEpoch === FINAL_EPOCH) {
    if (ctx.apiVersion >= FIRST_SESSION_VERSION && sessionId !== 0) cache.remove(sessionId);
    return { kind: 'sessionless', targets: requested(ctx, request), responseSessionId: 0, include: () => true };
  }
  if (sessionEpoch === INITIAL_EPOCH) {
    if (sessionId !== 0) cache.remove(sessionId);
    const targets = requested(ctx, request);
    const session = cache.create(byId, targets.length, now);
    if (!session) return { kind: 'sessionless', targets, responseSessionId: 0, include: () => true };
    for (const t of targets) {
      t.cached = cachedFrom(t);
      session.partitions.set(keyOf(t, byId), t.cached);
    }
    return { kind: 'full', targets, responseSessionId: session.id, include: (t, data) => remember(t.cached!, data) || true };
  }
  const session = cache.get(sessionId);
  if (!session) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  if (session.epoch !== sessionEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
  if (session.usesTopicIds !== byId) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
  for (const t of requested(ctx, request)) {
    const key = keyOf(t, byId);
    const known = session.partitions.get(key);
    if (known) {
      known.fetchOffset = t.fetchOffset;
      known.maxBytes = t.maxBytes;
      known.currentLeaderEpoch = t.currentLeaderEpoch;
      known.lastFetchedEpoch = t.lastFetchedEpoch;
    } else session.partitions.set(key, cachedFrom(t));
  }
  for (const forgotten of request.forgottenTopicsData) {
    for (const partition of forgotten.partitions) session.partitions.delete(FetchSession.key(byId ? forgotten.topicId : forgotten.topic, partition));
  }
  session.advance(now);
  const targets: FetchTarget[] = [...session.partitions.values()].map((p) => {
    // By id, the topic is looked up again: deleted (and perhaps created again) since, its id is unknown.
    const topic = byId ? ctx.broker.logs.topicById(p.topicId) : undefined;
    const name = byId ? topic?.name ?? '' : p.topic;
    return {
      topic: name, topicId: p.topicId, partition: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.maxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch, lastFetchedEpoch: p.lastFetchedEpoch, log: name === '' ? undefined : ctx.broker.logs.partition(name, p.partition),
      unknownTopicId: byId && !topic, cached: p,
    };
  });
  return {
    kind: 'incremental', targets, responseSessionId: session.id,
    include: (t, data) => {
      const changed = remember(t.cached!, data);
      if (data.records && data.records.length > 0) session.requeue(keyOf(t, byId));
      return changed;
    },
  };
}

type Requested = FetchTarget;

/** The partitions the request names, in its order: by name before v13, by topic id from v13. */
function requested(ctx: RequestContext, request: FetchRequest): Requested[] {
  const byId = ctx.apiVersion >= FIRST_TOPIC_ID_VERSION;
  return request.topics.flatMap((t) => {
    const topic = byId ? ctx.broker.logs.topicById(t.topicId) : ctx.broker.logs.topic(t.topic);
    const name = byId ? topic?.name ?? '' : t.topic;
    return t.partitions.map((p) => ({
      topic: name, topicId: byId ? t.topicId : topic?.topicId ?? ZERO_UUID, partition: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch, lastFetchedEpoch: p.lastFetchedEpoch,
      log: name === '' ? undefined : ctx.broker.logs.partition(name, p.partition), unknownTopicId: byId && !topic, cached: null,
    }));
  });
}

/** A partition's key in its session: by topic id from v13, by name before. */
function keyOf(t: FetchTarget, byId: boolean): string {
  return FetchSession.key(byId ? t.topicId : t.topic, t.partition);
}

function cachedFrom(t: FetchTarget): SessionPartition {
  return {
    topic: t.topic, topicId: t.topicId, partition: t.partition, fetchOffset: t.fetchOffset, maxBytes: t.maxBytes,
    currentLeaderEpoch: t.currentLeaderEpoch, lastFetchedEpoch: t.lastFetchedEpoch, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
  };
}

/**
 * Kafka's CachedPartition.maybeUpdateResponseData: a partition goes in an incremental
 * response when it has records or an error, or its high watermark, last stable offset or
 * log start offset changed since the client was last told; the told values are kept.
 */
function remember(cached: SessionPartition, data: FetchResponse.PartitionData): boolean {
  let changed = (data.records !== null && data.records.length > 0) || data.errorCode !== ErrorCode.NONE;
  if (data.highWatermark !== cached.highWatermark) {
    cached.highWatermark = data.highWatermark;
    changed = true;
  }
  if (data.lastStableOffset !== cached.lastStableOffset) {
    cached.lastStableOffset = data.lastStableOffset;
    changed = true;
  }
  if (data.logStartOffset !== cached.logStartOffset) {
    cached.logStartOffset = data.logStartOffset;
    changed = true;
  }
  return changed;
}
