// src/api/get-telemetry-subscriptions.ts: GetTelemetrySubscriptions v0 (KIP-714) through the
// handler, on a broker whose HTTP gateway is off (telemetry is served all the same).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTelemetrySubscriptions } from '../../../src/api/get-telemetry-subscriptions.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'strom.telemetry.push.interval.ms': '5000', 'telemetry.max.bytes': '65536' }); });
afterAll(stopHandlerBrokers);

describe('GetTelemetrySubscriptions', () => {
  it('names the client and answers the broker\'s subscription; asking again before the interval is throttled', async () => {
    const first = await hb.call(getTelemetrySubscriptions, 0, { clientInstanceId: ZERO_UUID }, { clientId: 'app', clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.12.0' });
    expect(first).toMatchObject({
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, pushIntervalMs: 5000, telemetryMaxBytes: 65536, deltaTemporality: false,
      acceptedCompressionTypes: [4, 3, 1, 2], requestedMetrics: ['org.apache.kafka.producer.', 'org.apache.kafka.consumer.'],
    });
    expect(first.clientInstanceId).not.toBe(ZERO_UUID);
    expect(hb.broker.context.telemetry.size).toBe(1);
    const again = await hb.call(getTelemetrySubscriptions, 0, { clientInstanceId: first.clientInstanceId });
    expect([again.errorCode, again.clientInstanceId]).toEqual([ErrorCode.THROTTLING_QUOTA_EXCEEDED, first.clientInstanceId]);
  });
});
