// src/protocol/errors.ts: one error class for a Kafka error code, as the broker answers with
// it and as a client reports it.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError, check, errorName } from '../../../src/protocol/errors.js';

describe('KafkaError', () => {
  it("is the broker's answer: its message is what the response carries, else the error's name", () => {
    const e = new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    expect(e.code).toBe(37);
    expect(e.message).toBe('Number of partitions must be larger than 0.');
    expect(e.reason).toBe(e.message);
    expect(new KafkaError(ErrorCode.NOT_COORDINATOR).message).toBe('NOT_COORDINATOR');
  });

  it("is a client's report: what the request was for, then the broker's words or the error's name", () => {
    const e = new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'a' already exists.", 'creating topic a');
    expect(e.message).toBe("creating topic a: Topic 'a' already exists.");
    expect(e.reason).toBe("Topic 'a' already exists.");
    expect(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, 'topic b').message).toBe('topic b: UNKNOWN_TOPIC_OR_PARTITION');
    expect(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '', 'topic b').reason).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('check() throws for any code but NONE', () => {
    expect(() => check(ErrorCode.NONE, 'x')).not.toThrow();
    expect(() => check(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'joining group g', null)).toThrow(expect.objectContaining({ code: 30, message: 'joining group g: GROUP_AUTHORIZATION_FAILED' }));
  });

  it('names codes it does not know by number', () => {
    expect(errorName(9999)).toBe('ERROR_9999');
  });
});
