// src/api/acl-operations.ts: KIP-430 authorized-operations bitfields (bit n = AclOperation
// code n; Kafka's codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
// CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12,
// CREATE_TOKENS 13, DESCRIBE_TOKENS 14), as kafkajs and the Java admin decode them.
import { describe, expect, it } from 'vitest';
import { CLUSTER_OPERATIONS, GROUP_OPERATIONS, NO_OPERATIONS, TOPIC_OPERATIONS } from '../../../src/api/acl-operations.js';

const NAMES: Record<number, string> = {
  3: 'READ', 4: 'WRITE', 5: 'CREATE', 6: 'DELETE', 7: 'ALTER', 8: 'DESCRIBE', 9: 'CLUSTER_ACTION',
  10: 'DESCRIBE_CONFIGS', 11: 'ALTER_CONFIGS', 12: 'IDEMPOTENT_WRITE', 13: 'CREATE_TOKENS', 14: 'DESCRIBE_TOKENS',
};
/** The operations a client reads out of a bitfield. */
const operations = (mask: number) => Array.from({ length: 32 }, (_, bit) => bit).filter((bit) => (mask >>> bit) & 1).map((bit) => NAMES[bit] ?? `bit ${bit}`);

describe('authorized operations', () => {
  it("a topic allows what Kafka's topic resource can do", () => {
    expect(operations(TOPIC_OPERATIONS)).toEqual(['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);
  });

  it('the cluster and a group likewise', () => {
    expect(operations(CLUSTER_OPERATIONS)).toEqual(['CREATE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS']);
    expect(operations(GROUP_OPERATIONS)).toEqual(['READ', 'DELETE', 'DESCRIBE']);
  });

  it('"not requested" is INT32_MIN, as the protocol defines it', () => {
    expect(NO_OPERATIONS).toBe(-(2 ** 31));
    expect(NO_OPERATIONS | 0).toBe(NO_OPERATIONS);
  });
});
