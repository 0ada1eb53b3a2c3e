// src/api/describe-cluster.ts: DescribeCluster v0-1 (Java's admin client asks it first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCluster } from '../../../src/api/describe-cluster.js';
import { NO_OPERATIONS } from '../../../src/api/authorize.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultDescribeClusterRequest } from '../../../src/protocol/generated/describe-cluster.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0); // every cluster operation (no authorizer)

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'node.id': '3', 'advertised.listeners': 'PLAINTEXT://kafka.example:19092' }); });
afterAll(stopHandlerBrokers);

describe('DescribeCluster', () => {
  it('describes this broker as the cluster and its controller, at its advertised address', async () => {
    for (const v of [0, 1]) {
      const response = await hb.call(describeCluster, v, { ...defaultDescribeClusterRequest(), endpointType: 1 });
      expect(response).toMatchObject({
        errorCode: ErrorCode.NONE, clusterId: hb.broker.logs.clusterId, controllerId: 3,
        brokers: [{ brokerId: 3, host: 'kafka.example', port: 19092, rack: null }], clusterAuthorizedOperations: NO_OPERATIONS,
      });
    }
  });

  it('v1: a broker serves brokers (endpoint type 1) only', async () => {
    const response = await hb.call(describeCluster, 1, { ...defaultDescribeClusterRequest(), endpointType: 2 });
    expect([response.errorCode, response.brokers, response.endpointType]).toEqual([ErrorCode.INVALID_REQUEST, [], 2]);
    expect(response.errorMessage).toMatch(/Endpoint type 2/);
  });

  it('includes the authorized operations when asked', async () => {
    const response = await hb.call(describeCluster, 0, { ...defaultDescribeClusterRequest(), includeClusterAuthorizedOperations: true });
    expect(response.clusterAuthorizedOperations).toBe(CLUSTER_OPERATIONS);
  });
});
