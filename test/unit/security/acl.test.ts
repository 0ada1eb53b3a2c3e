// src/security/acl.ts: which bindings Kafka accepts (AclControlManager, AclApis) and how
// filters match bindings (AclBindingFilter.matches, ResourcePatternFilter.matches).
import { describe, expect, it } from 'vitest';
import {
  AclOperation, AclPermission, PatternType, ResourceType, bindingError, filterError, filterMatches,
  type AclBinding, type AclBindingFilter,
} from '../../../src/security/acl.js';

const binding = (over: { resourceType?: number; name?: string; patternType?: number; principal?: string; host?: string; operation?: number; permission?: number } = {}): AclBinding => ({
  pattern: { resourceType: over.resourceType ?? ResourceType.TOPIC, name: over.name ?? 'orders', patternType: over.patternType ?? PatternType.LITERAL },
  entry: { principal: over.principal ?? 'User:alice', host: over.host ?? '*', operation: over.operation ?? AclOperation.READ, permission: over.permission ?? AclPermission.ALLOW },
});

const any: AclBindingFilter = {
  resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY,
};

describe('bindingError', () => {
  it('accepts literal and prefixed bindings of every concrete resource type', () => {
    expect(bindingError(binding())).toBeNull();
    expect(bindingError(binding({ patternType: PatternType.PREFIXED, name: 'ord' }))).toBeNull();
    expect(bindingError(binding({ resourceType: ResourceType.CLUSTER, name: 'kafka-cluster', operation: AclOperation.ALTER }))).toBeNull();
    expect(bindingError(binding({ resourceType: ResourceType.TRANSACTIONAL_ID, name: 'tx', operation: AclOperation.WRITE }))).toBeNull();
    expect(bindingError(binding({ resourceType: ResourceType.DELEGATION_TOKEN, name: 'tok', operation: AclOperation.DESCRIBE }))).toBeNull();
  });

  it("refuses what Kafka refuses, with Kafka's words", () => {
    expect(bindingError(binding({ resourceType: ResourceType.ANY }))).toBe('Invalid resourceType ANY');
    expect(bindingError(binding({ resourceType: 99 }))).toBe('Invalid resourceType UNKNOWN');
    expect(bindingError(binding({ patternType: PatternType.MATCH }))).toBe('Invalid patternType MATCH');
    expect(bindingError(binding({ operation: AclOperation.ANY }))).toBe('Invalid operation ANY');
    expect(bindingError(binding({ permission: AclPermission.ANY }))).toBe('Invalid permissionType ANY');
    expect(bindingError(binding({ name: '' }))).toBe('Resource name should not be empty');
    expect(bindingError(binding({ resourceType: ResourceType.CLUSTER, name: 'prod' }))).toBe('The only valid name for the CLUSTER resource is kafka-cluster');
    expect(bindingError(binding({ principal: 'alice' }))).toMatch(/^Could not parse principal from `alice`/);
  });
});

describe('filterMatches', () => {
  it('ANY and nulls match every binding', () => {
    expect(filterMatches(any, binding())).toBe(true);
    expect(filterMatches(any, binding({ patternType: PatternType.PREFIXED, permission: AclPermission.DENY }))).toBe(true);
  });

  it('each given field must be equal', () => {
    expect(filterMatches({ ...any, principal: 'User:bob' }, binding())).toBe(false);
    expect(filterMatches({ ...any, host: '10.0.0.1' }, binding())).toBe(false);
    expect(filterMatches({ ...any, operation: AclOperation.WRITE }, binding())).toBe(false);
    expect(filterMatches({ ...any, permission: AclPermission.DENY }, binding())).toBe(false);
    expect(filterMatches({ ...any, resourceType: ResourceType.GROUP }, binding())).toBe(false);
    expect(filterMatches({ ...any, resourceType: ResourceType.TOPIC, principal: 'User:alice', operation: AclOperation.READ }, binding())).toBe(true);
  });

  it('a LITERAL or PREFIXED filter matches that pattern type and the exact name only', () => {
    const prefixed = binding({ patternType: PatternType.PREFIXED, name: 'ord' });
    expect(filterMatches({ ...any, patternType: PatternType.PREFIXED, name: 'ord' }, prefixed)).toBe(true);
    expect(filterMatches({ ...any, patternType: PatternType.PREFIXED, name: 'orders' }, prefixed)).toBe(false);
    expect(filterMatches({ ...any, patternType: PatternType.LITERAL, name: 'ord' }, prefixed)).toBe(false);
    expect(filterMatches({ ...any, patternType: PatternType.ANY, name: 'ord' }, prefixed)).toBe(true);
  });

  it('MATCH matches every pattern that applies to the name: itself, the wildcard, its prefixes', () => {
    const match = { ...any, patternType: PatternType.MATCH, name: 'orders' };
    expect(filterMatches(match, binding())).toBe(true);
    expect(filterMatches(match, binding({ name: '*' }))).toBe(true);
    expect(filterMatches(match, binding({ patternType: PatternType.PREFIXED, name: 'ord' }))).toBe(true);
    expect(filterMatches(match, binding({ patternType: PatternType.PREFIXED, name: 'orders-eu' }))).toBe(false);
    expect(filterMatches(match, binding({ name: 'ord' }))).toBe(false);
  });
});

describe('filterError', () => {
  it('refuses UNKNOWN elements', () => {
    expect(filterError(any)).toBeNull();
    expect(filterError({ ...any, operation: AclOperation.UNKNOWN })).toBe('The filter must not contain UNKNOWN elements');
    expect(filterError({ ...any, patternType: 77 })).toBe('The filter must not contain UNKNOWN elements');
  });
});
