// AlterConfigs (key 33), versions 0-2: replaces all overrides of each resource with the
// given set (the non-incremental API: keys left out return to their defaults). Needs
// ALTER_CONFIGS on the topic, or on the cluster for the broker (config-resources.ts).
import { AlterConfigsApi, type AlterConfigsRequest, type AlterConfigsResponse } from '../protocol/generated/alter-configs.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { applyConfigs, checkConfigAccess, currentConfigs } from './config-resources.js';
import { AclOperation } from './authorize.js';

export const alterConfigs = defineHandler(AlterConfigsApi, { min: 0, max: 2 }, async (request: AlterConfigsRequest, ctx): Promise<AlterConfigsResponse> => {
  const responses: AlterConfigsResponse.AlterConfigsResourceResponse[] = [];
  for (const r of request.resources) {
    const response = { errorCode: ErrorCode.NONE as number, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      checkConfigAccess(ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
      currentConfigs(ctx.broker, r.resourceType, r.resourceName); // checks the resource exists
      const configs: Record<string, string> = {};
      for (const c of r.configs) {
        if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for ${c.name}`);
        configs[c.name] = c.value;
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
