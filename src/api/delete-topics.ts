// DeleteTopics (key 20), versions 0-6. v0-5 name topics in TopicNames; v6 in Topics, each
// by name or by topic id (KIP-516), never both. As Kafka's controller: an entry with both a
// name and an id, or neither, is INVALID_REQUEST, as is a name or id given twice (every
// entry of it), or a name whose topic is also named by id; an unknown id is
// UNKNOWN_TOPIC_ID, an unknown name UNKNOWN_TOPIC_OR_PARTITION. v6 results carry the
// deleted topic's id. Results keep the request's order (Kafka shuffles them; clients match
// them by name or id).
// Authorization (Kafka's ControllerApis): DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED;
// a topic named by id needs DESCRIBE too (without, it is refused with no name).
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../protocol/generated/delete-topics.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

type Result = DeleteTopicsResponse.DeletableTopicResult;

export const deleteTopics = defineHandler(DeleteTopicsApi, { min: 0, max: 6 }, async (request: DeleteTopicsRequest, ctx): Promise<DeleteTopicsResponse> => {
  const wanted = ctx.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const times = new Map<string, number>();
  const count = (key: string) => times.set(key, (times.get(key) ?? 0) + 1);
  for (const t of wanted) {
    if (t.name !== null && t.topicId === ZERO_UUID) count(`name:${t.name}`);
    if (t.name === null && t.topicId !== ZERO_UUID) count(`id:${t.topicId}`);
  }
  // A name whose topic is also asked for by id is that topic twice.
  for (const t of wanted) {
    const byName = t.name !== null && t.topicId === ZERO_UUID ? ctx.broker.cluster.topic(t.name) : undefined;
    if (byName && times.has(`id:${byName.topicId}`)) {
      times.set(`name:${t.name}`, 2);
      times.set(`id:${byName.topicId}`, 2);
    }
  }
  const responses: Result[] = [];
  for (const t of wanted) {
    const invalid = (errorMessage: string) => responses.push({ name: t.name, topicId: t.topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
    if (t.name !== null && t.topicId !== ZERO_UUID) invalid('You may not specify both topic name and topic id.');
    else if (t.name === null && t.topicId === ZERO_UUID) invalid('Neither topic name nor id were specified.');
    else if (t.name !== null && times.get(`name:${t.name}`)! > 1) invalid('Duplicate topic name.');
    else if (t.name === null && times.get(`id:${t.topicId}`)! > 1) invalid('Duplicate topic id.');
    else responses.push(await deleteOne(ctx, t));
  }
  return { throttleTimeMs: 0, responses };
});

async function deleteOne(ctx: RequestContext, t: DeleteTopicsRequest.DeleteTopicState): Promise<Result> {
  const { cluster, logger } = ctx.broker;
  const topic = t.name !== null ? cluster.topic(t.name) : cluster.topicById(t.topicId);
  if (!topic && t.name === null) {
    return { name: null, topicId: t.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `Topic id ${t.topicId} does not exist.` };
  }
  const name = topic?.name ?? t.name!;
  if (t.name === null && !authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) {
    return { name: null, topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
  }
  if (!authorized(ctx, AclOperation.DELETE, ResourceType.TOPIC, name)) {
    return { name: t.name, topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
  }
  const result: Result = { name, topicId: topic?.topicId ?? ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null };
  try {
    await cluster.deleteTopic(name);
    logger.info(`deleted topic ${name} (topic id ${result.topicId})`);
  } catch (e) {
    if (!(e instanceof KafkaError)) throw e;
    return { ...result, errorCode: e.code, errorMessage: e.message };
  }
  return result;
}
