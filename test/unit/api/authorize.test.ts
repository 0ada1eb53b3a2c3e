// src/api/authorize.ts: what handlers ask, with and without an authorizer. Without one, every
// check passes and the KIP-430 authorized-operations bitfields (bit n = AclOperation code n;
// Kafka's codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, CREATE_TOKENS 13,
// DESCRIBE_TOKENS 14) hold every operation Kafka's resource type has (AclEntry.supportedOperations),
// as kafkajs and the Java admin decode them; with one, the principal's.
import { describe, expect, it } from 'vitest';
import { NO_OPERATIONS, authorized, authorizedNames, authorizedOperations } from '../../../src/api/authorize.js';
import type { RequestContext } from '../../../src/api/handler.js';
import { AclAuthorizer } from '../../../src/security/authorizer.js';
import { AclOperation, AclPermission, PatternType, ResourceType, type AclBinding } from '../../../src/security/acl.js';
import type { AclStore } from '../../../src/security/acl-store.js';
import { user } from '../../../src/security/principal.js';

const NAMES: Record<number, string> = {
  3: 'READ', 4: 'WRITE', 5: 'CREATE', 6: 'DELETE', 7: 'ALTER', 8: 'DESCRIBE', 9: 'CLUSTER_ACTION',
  10: 'DESCRIBE_CONFIGS', 11: 'ALTER_CONFIGS', 12: 'IDEMPOTENT_WRITE', 13: 'CREATE_TOKENS', 14: 'DESCRIBE_TOKENS',
};
/** The operations a client reads out of a bitfield. */
const operations = (mask: number) => Array.from({ length: 32 }, (_, bit) => bit).filter((bit) => (mask >>> bit) & 1).map((bit) => NAMES[bit] ?? `bit ${bit}`);

function context(authorizer: AclAuthorizer | null, name = 'alice'): RequestContext {
  const logged: string[] = [];
  return {
    apiKey: 3, apiVersion: 12, clientAddress: '10.0.0.1:5000', clientHost: '10.0.0.1', clientId: 'c', principal: user(name),
    broker: { authorizer, logger: { info: (m: string) => logged.push(m) } },
  } as unknown as RequestContext;
}

function authorizerWith(bindings: AclBinding[], logged: string[] = []): AclAuthorizer {
  const store: AclStore = { bindings: () => bindings, add: async () => {}, remove: async () => {}, onChange: () => {} };
  return new AclAuthorizer(store, new Set(), false, { info: (m) => logged.push(m), warn: () => {}, error: () => {}, debug: () => {} });
}

const allow = (resourceType: number, name: string, operation: number): AclBinding => ({
  pattern: { resourceType, name, patternType: PatternType.LITERAL }, entry: { principal: 'User:alice', host: '*', operation, permission: AclPermission.ALLOW },
});

describe('without an authorizer', () => {
  it("a topic has every operation of Kafka's topic resource", () => {
    expect(operations(authorizedOperations(context(null), ResourceType.TOPIC, 't'))).toEqual(['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);
  });

  it('the cluster and a group likewise (the cluster has no token operations: those are a user\'s)', () => {
    expect(operations(authorizedOperations(context(null), ResourceType.CLUSTER, 'kafka-cluster'))).toEqual(['CREATE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE']);
    expect(operations(authorizedOperations(context(null), ResourceType.GROUP, 'g'))).toEqual(['READ', 'DELETE', 'DESCRIBE']);
  });

  it('every check passes', () => {
    expect(authorized(context(null), AclOperation.DELETE, ResourceType.TOPIC, 'anything')).toBe(true);
  });

  it('"not requested" is INT32_MIN, as the protocol defines it', () => {
    expect(NO_OPERATIONS).toBe(-(2 ** 31));
    expect(NO_OPERATIONS | 0).toBe(NO_OPERATIONS);
  });
});

describe('with an authorizer', () => {
  it("authorized operations are the principal's, implied ones included", () => {
    const authorizer = authorizerWith([allow(ResourceType.TOPIC, 't', AclOperation.WRITE), allow(ResourceType.CLUSTER, 'kafka-cluster', AclOperation.ALTER)]);
    expect(operations(authorizedOperations(context(authorizer), ResourceType.TOPIC, 't'))).toEqual(['WRITE', 'DESCRIBE']);
    expect(operations(authorizedOperations(context(authorizer), ResourceType.CLUSTER, 'kafka-cluster'))).toEqual(['ALTER', 'DESCRIBE']);
    expect(authorizedOperations(context(authorizer, 'bob'), ResourceType.TOPIC, 't')).toBe(0);
  });

  it('a refusal is logged once a minute per principal, operation and resource; a quiet one not at all', () => {
    const logged: string[] = [];
    const authorizer = authorizerWith([allow(ResourceType.TOPIC, 't', AclOperation.WRITE)], logged);
    const ctx = context(authorizer, 'bob');
    expect(authorized(ctx, AclOperation.READ, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorized(ctx, AclOperation.READ, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorized(ctx, AclOperation.WRITE, ResourceType.TOPIC, 'u', true)).toBe(false);
    expect(logged).toEqual(['Principal = User:bob is Denied operation = READ from host = 10.0.0.1 on resource = TOPIC:t for request = API key 3 v12 from 10.0.0.1:5000 (client c)']);
  });

  it('authorizedNames asks each name once and keeps the allowed ones', () => {
    const authorizer = authorizerWith([allow(ResourceType.TOPIC, 'a', AclOperation.READ)]);
    expect([...authorizedNames(context(authorizer), AclOperation.READ, ResourceType.TOPIC, ['a', 'b', 'a'])]).toEqual(['a']);
  });
});
