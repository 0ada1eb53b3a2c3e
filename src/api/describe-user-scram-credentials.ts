// DescribeUserScramCredentials (key 50), version 0 (KIP-554): the mechanisms and iteration
// counts of users' SCRAM credentials (never salts or keys). Null or no users: every user with
// a credential; a named user without one is RESOURCE_NOT_FOUND, a user named twice
// DUPLICATE_RESOURCE, with Kafka's messages. (Kafka asks DESCRIBE on the cluster: the ACL
// check goes here with the authorizer.)
import { DescribeUserScramCredentialsApi, type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';

export const describeUserScramCredentials = defineHandler(DescribeUserScramCredentialsApi, { min: 0, max: 0 }, (request: DescribeUserScramCredentialsRequest, ctx): DescribeUserScramCredentialsResponse => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  results: ctx.broker.credentials.describe(request.users === null ? null : request.users.map((u) => u.name)),
}));
