// src/api/push-telemetry.ts: PushTelemetry v0 (KIP-714) through the handler: the pushed values
// land in the broker's telemetry store with the client's identity from its connection (client
// id, and the software it named in ApiVersions), on a broker whose HTTP gateway is off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTelemetrySubscriptions } from '../../../src/api/get-telemetry-subscriptions.js';
import { pushTelemetry } from '../../../src/api/push-telemetry.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { telemetryFixtures } from '../../helpers/otlp.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const who = { clientId: 'orders-producer', clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.12.0', clientHost: '10.1.2.3' };

describe('PushTelemetry', () => {
  it('keeps what librdkafka pushed, under the client\'s identity', async () => {
    const producer = telemetryFixtures.find((f) => f.role === 'producer')!;
    const sub = await hb.call(getTelemetrySubscriptions, 0, { clientInstanceId: ZERO_UUID }, who);
    const pushed = await hb.call(pushTelemetry, 0, {
      clientInstanceId: sub.clientInstanceId, subscriptionId: sub.subscriptionId, terminating: false, compressionType: producer.compressionType, metrics: producer.bytes,
    }, who);
    expect(pushed).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE });
    const [client] = hb.broker.context.telemetry.clients();
    expect([client.id, client.identity]).toEqual([sub.clientInstanceId, { clientId: 'orders-producer', softwareName: 'librdkafka', softwareVersion: '2.12.0', address: '10.1.2.3:40000' }]);
    expect([...client.series.values()].find((s) => s.name === 'org.apache.kafka.producer.node.request.latency.avg')).toMatchObject({ kind: 'gauge', attributes: [['node.id', '1']] });
  });

  it('answers the store\'s errors: a wrong subscription id', async () => {
    const sub = await hb.call(getTelemetrySubscriptions, 0, { clientInstanceId: ZERO_UUID }, who);
    const pushed = await hb.call(pushTelemetry, 0, { clientInstanceId: sub.clientInstanceId, subscriptionId: sub.subscriptionId ^ 1, terminating: false, compressionType: 0, metrics: Buffer.alloc(0) }, who);
    expect(pushed.errorCode).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
  });
});
