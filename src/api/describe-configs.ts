// DescribeConfigs (key 32), versions 0-4, for topics (2) and this broker (4). v0 reports
// IsDefault; v1+ ConfigSource and, when asked, synonyms (the broker keys a topic config
// defaults to, KIP-226); v3+ the config type and, when asked, documentation (KIP-569).
// Needs DESCRIBE_CONFIGS on the topic, or on the cluster for the broker (config-resources.ts).
import { DescribeConfigsApi, type DescribeConfigsRequest, type DescribeConfigsResponse } from '../protocol/generated/describe-configs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { describeTopicConfigs, describeBrokerConfigs, ConfigSource } from '../config/describe.js';
import { defineHandler } from './handler.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC, checkConfigAccess } from './config-resources.js';
import { AclOperation } from './authorize.js';

export const describeConfigs = defineHandler(DescribeConfigsApi, { min: 0, max: 4 }, (request: DescribeConfigsRequest, ctx): DescribeConfigsResponse => ({
  throttleTimeMs: 0,
  results: request.resources.map((resource) => {
    const result: DescribeConfigsResponse.DescribeConfigsResult = {
      errorCode: ErrorCode.NONE, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [],
    };
    try {
      let described;
      checkConfigAccess(ctx, AclOperation.DESCRIBE_CONFIGS, resource.resourceType, resource.resourceName);
      if (resource.resourceType === RESOURCE_TOPIC) {
        const topic = ctx.broker.cluster.topic(resource.resourceName);
        if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resource.resourceName} does not exist`);
        described = describeTopicConfigs(ctx.broker.config, topic.configs);
      } else if (resource.resourceType === RESOURCE_BROKER) {
        if (resource.resourceName !== '' && resource.resourceName !== String(ctx.broker.nodeId)) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${ctx.broker.nodeId}, but received ${resource.resourceName}`);
        }
        described = describeBrokerConfigs(ctx.broker.config);
      } else throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resource.resourceType}`);
      const keys = resource.configurationKeys && resource.configurationKeys.length > 0 ? new Set(resource.configurationKeys) : null;
      result.configs = described.filter((c) => !keys || keys.has(c.name)).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        isDefault: ctx.apiVersion === 0 && c.source === ConfigSource.DEFAULT_CONFIG, // v0 only; v1+ tell by source
        configSource: c.source,
        isSensitive: c.isSensitive,
        synonyms: request.includeSynonyms ? c.synonyms : [],
        configType: c.type,
        documentation: request.includeDocumentation ? c.documentation : null,
      }));
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      result.errorCode = e.code;
      result.errorMessage = e.message;
    }
    return result;
  }),
}));
