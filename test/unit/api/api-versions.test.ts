// src/api/api-versions.ts: the answer lists exactly the handler table, at every version a
// client asks with (kafka-python v0, kafkajs v2, librdkafka v3, Java v3/v4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersionsHandler } from '../../../src/api/api-versions.js';
import { HANDLERS } from '../../../src/api/index.js';
import { defineHandler } from '../../../src/api/handler.js';
import { HeartbeatApi } from '../../../src/protocol/generated/heartbeat.js';
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/api-versions.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const served = HANDLERS.map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }));

describe('ApiVersions', () => {
  it.each([0, 1, 2, 3, 4])('v%i lists every handler with the versions it serves', async (v) => {
    const handler = HANDLERS.find((h) => h.api.key === 18)!;
    const request = { ...defaultApiVersionsRequest(), clientSoftwareName: v >= 3 ? 'strom-test' : '', clientSoftwareVersion: v >= 3 ? '1.0' : '' };
    const response = await hb.call(handler, v, request);
    expect(response.errorCode).toBe(0);
    expect(response.apiKeys).toEqual(served);
    expect(response.apiKeys.find((k: { apiKey: number }) => k.apiKey === 18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
    // No features: transactions V2 stays off.
    if (v >= 3) expect([response.supportedFeatures, response.finalizedFeatures, response.finalizedFeaturesEpoch]).toEqual([[], [], -1]);
  });

  it('leaves out what the broker does not serve now: the telemetry APIs with strom.telemetry.enable=false', async () => {
    const off = await startHandlerBroker({ 'strom.telemetry.enable': 'false' });
    const handler = HANDLERS.find((h) => h.api.key === 18)!;
    const keys = (await off.call(handler, 3, defaultApiVersionsRequest())).apiKeys.map((k: { apiKey: number }) => k.apiKey);
    expect(keys).toEqual(served.map((k) => k.apiKey).filter((k) => k !== 71 && k !== 72));
    expect(served.map((k) => k.apiKey)).toEqual(expect.arrayContaining([71, 72])); // on by default
  });

  it('follows the table it is given, never a list of its own', async () => {
    const table = [defineHandler(HeartbeatApi, { min: 1, max: 2 }, () => null)];
    const handler = apiVersionsHandler(() => table);
    const response = await hb.call(handler, 3, defaultApiVersionsRequest());
    expect(response.apiKeys).toEqual([{ apiKey: 12, minVersion: 1, maxVersion: 2 }]);
  });
});
