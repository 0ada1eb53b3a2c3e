// src/api/handler.ts: a handler serves a range of its API's versions, never beyond the spec.
import { describe, expect, it } from 'vitest';
import { defineHandler } from '../../../src/api/handler.js';
import { HeartbeatApi } from '../../../src/protocol/generated/heartbeat.js';

describe('defineHandler', () => {
  it('keeps the API, the versions served and the function', () => {
    const handle = () => ({ throttleTimeMs: 0, errorCode: 0 });
    const h = defineHandler(HeartbeatApi, { min: 1, max: 3 }, handle);
    expect([h.api.key, h.minVersion, h.maxVersion, h.handle]).toEqual([12, 1, 3, handle]);
  });

  it("refuses versions outside the spec's, naming the API", () => {
    const handle = () => null;
    expect(() => defineHandler(HeartbeatApi, { min: 0, max: HeartbeatApi.maxVersion + 1 }, handle)).toThrow(/Heartbeat: versions 0-5 outside the spec's 0-4/);
    expect(() => defineHandler(HeartbeatApi, { min: -1, max: 2 }, handle)).toThrow(/outside the spec's/);
    expect(() => defineHandler(HeartbeatApi, { min: 0, max: HeartbeatApi.maxVersion }, handle)).not.toThrow();
  });
});
