// What AlterConfigs and IncrementalAlterConfigs change: topic overrides (TOPIC, 2) or the
// broker's runtime configs (BROKER, 4; named by node id, or "" for the cluster default,
// which on one broker is the same thing). Both APIs compute the complete new set here,
// validate it, and apply it unless ValidateOnly. Access (Kafka's ConfigHelper and
// ConfigAdminManager): DESCRIBE_CONFIGS or ALTER_CONFIGS on the topic, or on the cluster for
// the broker's configs: TOPIC_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { TopicConfig, ConfigError } from '../config/config.js';
import { TOPIC_CONFIG_BY_NAME, BROKER_CONFIG_BY_NAME } from '../config/definitions.js';
import type { BrokerContext } from '../broker/context.js';
import type { RequestContext } from './handler.js';
import { ResourceType, authorized, clusterAuthorized } from './authorize.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Throws the authorization error of `operation` (DESCRIBE_CONFIGS, ALTER_CONFIGS) on a config resource, if refused. */
export function checkConfigAccess(ctx: RequestContext, operation: number, type: number, name: string): void {
  if (type === RESOURCE_TOPIC && !authorized(ctx, operation, ResourceType.TOPIC, name)) {
    throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
  }
  if (type === RESOURCE_BROKER && !clusterAuthorized(ctx, operation)) {
    throw new KafkaError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  }
}

/** The current configs of a resource that alterations start from. */
export function currentConfigs(broker: BrokerContext, type: number, name: string): Record<string, string> {
  if (type === RESOURCE_TOPIC) {
    const topic = broker.cluster.topic(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist`);
    return { ...topic.configs };
  }
  if (type === RESOURCE_BROKER) {
    if (name !== '' && name !== String(broker.nodeId)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`);
    return Object.fromEntries(broker.config.dynamicEntries());
  }
  throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type}`);
}

/** Whether the key is a list config (APPEND/SUBTRACT apply to those only). */
export function isList(type: number, key: string): boolean {
  const def = type === RESOURCE_TOPIC ? TOPIC_CONFIG_BY_NAME.get(key) : BROKER_CONFIG_BY_NAME.get(key);
  return def?.type === 'list';
}

/** Validates the new set and, unless validateOnly, applies it. */
export async function applyConfigs(broker: BrokerContext, type: number, name: string, configs: Record<string, string>, validateOnly: boolean): Promise<void> {
  try {
    if (type === RESOURCE_TOPIC) {
      TopicConfig.validate(configs);
      if (!validateOnly) await broker.cluster.setTopicConfigs(name, configs);
    } else {
      for (const [key, value] of Object.entries(configs)) broker.config.validateDynamic(key, value);
      if (!validateOnly) await broker.cluster.setBrokerConfigs(name === '' ? 'default' : Number(name), configs);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, e.message);
    throw e;
  }
}
