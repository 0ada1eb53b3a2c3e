// PushTelemetry (key 72), version 0 (KIP-714). A client's metrics, an OTLP MetricsData message
// compressed with a codec the subscription accepted, every push interval, and once more with
// Terminating when it closes. Errors as Kafka answers them: INVALID_REQUEST (the zero id, or a
// push after a terminating one), THROTTLING_QUOTA_EXCEEDED (sooner than the push interval),
// UNKNOWN_SUBSCRIPTION_ID (the subscription changed: the client asks again),
// UNSUPPORTED_COMPRESSION_TYPE, TELEMETRY_TOO_LARGE (above telemetry.max.bytes), INVALID_RECORD
// (metrics that do not decode). Accepted values show on /metrics (http/metrics.ts).
import { PushTelemetryApi, type PushTelemetryRequest, type PushTelemetryResponse } from '../protocol/generated/push-telemetry.js';
import { defineHandler, type Handler, type RequestContext } from './handler.js';
import type { ClientIdentity } from '../telemetry/client-telemetry.js';

export const pushTelemetry: Handler<PushTelemetryRequest, PushTelemetryResponse> = {
  ...defineHandler(PushTelemetryApi, { min: 0, max: 0 }, async (request, ctx): Promise<PushTelemetryResponse> => ({
    throttleTimeMs: 0,
    errorCode: await ctx.broker.telemetry.push(request, clientIdentity(ctx)),
  })),
  enabled: (broker) => broker.config.bool('strom.telemetry.enable'),
};

/** The client as its connection knows it (KIP-714's client_id, client_software_name and _version). */
export function clientIdentity(ctx: RequestContext): ClientIdentity {
  return { clientId: ctx.clientId, softwareName: ctx.clientSoftwareName ?? null, softwareVersion: ctx.clientSoftwareVersion ?? null, address: ctx.clientAddress };
}
