// ApiVersions (key 18), versions 0-4. Every client asks first (kafka-python v0, kafkajs v2,
// librdkafka v3, Java v3/v4). The answer lists exactly the handler table; an unsupported
// version is answered by the connection in the v0 layout (KIP-511). v3+ requests carry the
// client software name and version (the connection keeps them for KIP-714 telemetry). Handlers
// the broker does not serve now (Handler.enabled) are left out, as Kafka leaves out the
// telemetry APIs without a metrics plugin.
import { ApiVersionsApi, type ApiVersionsRequest, type ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import { defineHandler, type Handler } from './handler.js';

export function apiVersionsHandler(table: () => readonly Handler[]): Handler<ApiVersionsRequest, ApiVersionsResponse> {
  return defineHandler(ApiVersionsApi, { min: 0, max: 4 }, (_request, ctx) => ({
    errorCode: 0,
    apiKeys: table().filter((h) => h.enabled?.(ctx.broker) ?? true).map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    throttleTimeMs: 0,
    // No features: a client turns transactions V2 on only when the finalized feature transaction.version >= 2 is listed.
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }));
}
