// OffsetFetch (key 9), versions 0-9 (Kafka 3.9's maximum; 10+ name topics by id). v2 adds the
// top-level error and a null topic list meaning every partition the group committed; v5 the
// leader epoch; v7 require_stable (KIP-447: a partition whose offset is pending in an open
// transaction answers UNSTABLE_OFFSET_COMMIT, retriable, rather than the offset before it); v8 batches
// groups; v9 carries the member id and epoch of a KIP-848 member, validated for consumer
// groups as Kafka does (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH as the group's error; an
// admin's null member id with epoch -1 always reads). A partition without a committed
// offset answers -1 with no error, as Kafka does.
// Authorization (Kafka's KafkaApis): DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED
// (per partition in v0-1, which have no top-level error); DESCRIBE on each named topic, else
// its partitions are TOPIC_AUTHORIZATION_FAILED; asked for every partition, the group's
// offsets of topics the principal may not describe are left out.
import { OffsetFetchApi, type OffsetFetchRequest, type OffsetFetchResponse } from '../protocol/generated/offset-fetch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

type Topic = { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] };

export const offsetFetch = defineHandler(OffsetFetchApi, { min: 0, max: 9 }, (request: OffsetFetchRequest, ctx): OffsetFetchResponse => {
  const { groups } = ctx.broker;
  if (ctx.apiVersion >= 8) {
    return {
      throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE,
      groups: request.groups.map((g) => {
        const errorCode = !authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED
          : ctx.apiVersion >= 9 ? groups.validateOffsetFetch(g.groupId, g.memberId, g.memberEpoch) : groups.coordinatorError(g.groupId);
        return { groupId: g.groupId, topics: errorCode === ErrorCode.NONE ? fetchGroup(ctx, groups, g.groupId, g.topics, request.requireStable) : [], errorCode };
      }),
    };
  }
  const refused = !authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : groups.coordinatorError(request.groupId);
  if (refused !== ErrorCode.NONE) {
    // v0-1 have no top-level error: each partition asked carries it.
    const topics = ctx.apiVersion >= 2 ? [] : (request.topics ?? []).map((t) => refusedTopic(t.name, t.partitionIndexes, refused));
    return { throttleTimeMs: 0, topics, errorCode: refused, groups: [] };
  }
  // v0 and v1 always name their topics; null (all) exists from v2.
  return { throttleTimeMs: 0, topics: fetchGroup(ctx, groups, request.groupId, request.topics, ctx.apiVersion >= 7 && request.requireStable), errorCode: ErrorCode.NONE, groups: [] };
});

function refusedTopic(name: string, partitions: number[], errorCode: number): Topic {
  return { name, partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })) };
}

function fetchGroup(ctx: RequestContext, groups: GroupCoordinator, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable: boolean): Topic[] {
  const describable = (topic: string) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic, topics === null);
  const allowed = topics?.filter((t) => describable(t.name)) ?? null;
  const found = groups.fetchOffsets(groupId, allowed === null ? null : allowed.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })));
  const byTopic = new Map<string, Topic>();
  const seen = new Map<string, boolean>();
  for (const { topic, partition, committed } of found) {
    if (topics === null) {
      let ok = seen.get(topic);
      if (ok === undefined) seen.set(topic, (ok = describable(topic)));
      if (!ok) continue;
    }
    let t = byTopic.get(topic);
    if (!t) byTopic.set(topic, (t = { name: topic, partitions: [] }));
    if (requireStable && groups.isOffsetPending(groupId, topic, partition)) {
      t.partitions.push({ partitionIndex: partition, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
      continue;
    }
    t.partitions.push({
      partitionIndex: partition,
      committedOffset: committed?.offset ?? -1,
      committedLeaderEpoch: committed?.leaderEpoch ?? -1,
      metadata: committed?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
  }
  const refused = topics?.filter((t) => !allowed!.includes(t)).map((t) => refusedTopic(t.name, t.partitionIndexes, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) ?? [];
  return [...byTopic.values(), ...refused];
}
