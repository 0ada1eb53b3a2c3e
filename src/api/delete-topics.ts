// DeleteTopics (key 20), versions 0-6. v0-5 name topics in TopicNames; v6 in Topics, which
// may carry topic ids instead: Strom has none, so an id is unknown (UNKNOWN_TOPIC_ID).
import { DeleteTopicsApi, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../protocol/generated/delete-topics.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { defineHandler } from './handler.js';

export const deleteTopics = defineHandler(DeleteTopicsApi, { min: 0, max: 6 }, async (request: DeleteTopicsRequest, ctx): Promise<DeleteTopicsResponse> => {
  const wanted = ctx.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const responses: DeleteTopicsResponse.DeletableTopicResult[] = [];
  for (const t of wanted) {
    const result = { name: t.name, topicId: t.topicId, errorCode: ErrorCode.NONE as number, errorMessage: null as string | null };
    if (t.name === null || t.topicId !== ZERO_UUID) {
      responses.push({ ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'Topic ids are not supported; name the topic' });
      continue;
    }
    try {
      await ctx.broker.logs.deleteTopic(t.name);
      ctx.broker.logger.info(`deleted topic ${t.name}`);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      result.errorCode = e.code;
      result.errorMessage = e.message;
    }
    responses.push(result);
  }
  return { throttleTimeMs: 0, responses };
});
