// IncrementalAlterConfigs (key 44), versions 0-1 (KIP-339): SET (0), DELETE (1) back to
// the default, APPEND (2) and SUBTRACT (3) for list configs (e.g. cleanup.policy). Needs
// ALTER_CONFIGS on the topic, or on the cluster for the broker (config-resources.ts).
import { IncrementalAlterConfigsApi, type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { applyConfigs, checkConfigAccess, currentConfigs, isList } from './config-resources.js';
import { AclOperation } from './authorize.js';
import { TOPIC_CONFIG_BY_NAME, BROKER_CONFIG_BY_NAME } from '../config/definitions.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

export const incrementalAlterConfigs = defineHandler(IncrementalAlterConfigsApi, { min: 0, max: 1 }, async (request: IncrementalAlterConfigsRequest, ctx): Promise<IncrementalAlterConfigsResponse> => {
  const responses: IncrementalAlterConfigsResponse.AlterConfigsResourceResponse[] = [];
  for (const r of request.resources) {
    const response = { errorCode: ErrorCode.NONE as number, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      checkConfigAccess(ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      const configs = currentConfigs(ctx.broker, r.resourceType, r.resourceName);
      const seen = new Set<string>();
      for (const c of r.configs) {
        if (seen.has(c.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate config ${c.name}`);
        seen.add(c.name);
        const current = configs[c.name] ?? defaultOf(r.resourceType, c.name);
        const list = (v: string | null) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);
        switch (c.configOperation) {
          case SET:
            if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for ${c.name}`);
            configs[c.name] = c.value;
            break;
          case DELETE:
            delete configs[c.name];
            break;
          case APPEND: case SUBTRACT: {
            if (!isList(r.resourceType, c.name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config ${c.name} is not a list: APPEND and SUBTRACT do not apply`);
            const items = list(current);
            const changes = list(c.value);
            configs[c.name] = (c.configOperation === APPEND ? [...items, ...changes.filter((x) => !items.includes(x))] : items.filter((x) => !changes.includes(x))).join(',');
            break;
          }
          default:
            throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
        }
      }
      await applyConfigs(ctx.broker, r.resourceType, r.resourceName, configs, request.validateOnly);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      response.errorCode = e.code;
      response.errorMessage = e.message;
    }
    responses.push(response);
  }
  return { throttleTimeMs: 0, responses };
});

function defaultOf(type: number, key: string): string | null {
  return (type === 2 ? TOPIC_CONFIG_BY_NAME.get(key) : BROKER_CONFIG_BY_NAME.get(key))?.default ?? null;
}
