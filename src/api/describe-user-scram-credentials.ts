// DescribeUserScramCredentials (key 50), version 0 (KIP-554): the mechanisms and iteration
// counts of users' SCRAM credentials (never salts or keys). Null or no users: every user with
// a credential; a named user without one is RESOURCE_NOT_FOUND, a user named twice
// DUPLICATE_RESOURCE, with Kafka's messages. Needs DESCRIBE on the cluster
// (CLUSTER_AUTHORIZATION_FAILED for the request).
import { DescribeUserScramCredentialsApi, type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const describeUserScramCredentials = defineHandler(DescribeUserScramCredentialsApi, { min: 0, max: 0 }, (request: DescribeUserScramCredentialsRequest, ctx): DescribeUserScramCredentialsResponse => (!clusterAuthorized(ctx, AclOperation.DESCRIBE) ? {
  throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [],
} : {
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  results: ctx.broker.credentials.describe(request.users === null ? null : request.users.map((u) => u.name)),
}));
