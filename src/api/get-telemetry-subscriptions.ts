// GetTelemetrySubscriptions (key 71), version 0 (KIP-714). A client asks, on connect and when a
// push fails with UNKNOWN_SUBSCRIPTION_ID, which metrics to push and how often; with the zero
// client instance id it is given one. Every client gets Strom's default subscription
// (strom.telemetry.*; telemetry/client-telemetry.ts). Advertised only while
// strom.telemetry.enable is on, as Kafka advertises it only with a metrics plugin.
import { GetTelemetrySubscriptionsApi, type GetTelemetrySubscriptionsRequest, type GetTelemetrySubscriptionsResponse } from '../protocol/generated/get-telemetry-subscriptions.js';
import { defineHandler, type Handler } from './handler.js';
import { clientIdentity } from './push-telemetry.js';

export const getTelemetrySubscriptions: Handler<GetTelemetrySubscriptionsRequest, GetTelemetrySubscriptionsResponse> = {
  ...defineHandler(GetTelemetrySubscriptionsApi, { min: 0, max: 0 }, (request, ctx): GetTelemetrySubscriptionsResponse => ({
    throttleTimeMs: 0,
    ...ctx.broker.telemetry.subscribe(request.clientInstanceId, clientIdentity(ctx)),
  })),
  enabled: (broker) => broker.config.bool('strom.telemetry.enable'),
};
