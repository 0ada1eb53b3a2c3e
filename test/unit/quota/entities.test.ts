// src/quota/entities.ts: quota entities, values and describe filters, checked with Kafka's
// rules and messages (ClientQuotaControlManager, ClientQuotasImage).
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { filterMatches, isQuotaError, parseEntity, parseFilter, valueError, type QuotaFilter } from '../../../src/quota/entities.js';

describe('parseEntity', () => {
  it('takes users, client ids, both, or an IP address; null is the default', () => {
    expect(parseEntity([{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: null }])).toEqual({ user: 'alice', 'client-id': null });
    expect(parseEntity([{ entityType: 'ip', entityName: '::1' }])).toEqual({ ip: '::1' });
  });

  it('refuses what Kafka refuses', () => {
    const code = (parts: { entityType: string; entityName: string | null }[]) => (parseEntity(parts) as { errorCode: number }).errorCode;
    expect(code([])).toBe(ErrorCode.INVALID_REQUEST);
    expect(code([{ entityType: 'user', entityName: 'a' }, { entityType: 'user', entityName: 'b' }])).toBe(ErrorCode.INVALID_REQUEST);
    expect(code([{ entityType: 'group', entityName: 'g' }])).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(code([{ entityType: 'ip', entityName: 'not-an-ip' }])).toBe(ErrorCode.INVALID_REQUEST);
    expect(code([{ entityType: 'ip', entityName: '10.0.0.1' }, { entityType: 'user', entityName: 'a' }])).toBe(ErrorCode.INVALID_REQUEST);
    expect(code([{ entityType: 'user', entityName: '' }])).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('valueError', () => {
  it('keys by entity kind, positive values, whole byte rates', () => {
    expect(valueError({ user: 'a' }, 'producer_byte_rate', 1024)).toBeNull();
    expect(valueError({ user: 'a' }, 'request_percentage', 12.5)).toBeNull();
    expect(valueError({ user: 'a' }, 'producer_byte_rate', 1.5)?.errorMessage).toBe('Configuration producer_byte_rate must be a LONG value');
    expect(valueError({ user: 'a' }, 'consumer_byte_rate', 0)?.errorMessage).toBe('Quota consumer_byte_rate must be greater than 0');
    expect(valueError({ user: 'a' }, 'connection_creation_rate', 5)?.errorMessage).toBe('Invalid configuration key connection_creation_rate');
    expect(valueError({ ip: null }, 'connection_creation_rate', 5)).toBeNull();
    expect(valueError({ ip: null }, 'producer_byte_rate', 5)?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('filters', () => {
  const filter = (components: { entityType: string; matchType: number; match: string | null }[], strict = false) => parseFilter(components, strict) as QuotaFilter;

  it('EXACT names, DEFAULT the default entity, ANY any entity of the type; strict leaves out the others', () => {
    const alice = { user: 'alice' };
    const aliceApp = { user: 'alice', 'client-id': 'app' };
    const defaultUser = { user: null };
    expect(filterMatches(filter([{ entityType: 'user', matchType: 0, match: 'alice' }]), alice)).toBe(true);
    expect(filterMatches(filter([{ entityType: 'user', matchType: 0, match: 'alice' }]), aliceApp)).toBe(true);
    expect(filterMatches(filter([{ entityType: 'user', matchType: 0, match: 'alice' }], true), aliceApp)).toBe(false);
    expect(filterMatches(filter([{ entityType: 'user', matchType: 1, match: null }]), defaultUser)).toBe(true);
    expect(filterMatches(filter([{ entityType: 'user', matchType: 1, match: null }]), alice)).toBe(false);
    expect(filterMatches(filter([{ entityType: 'client-id', matchType: 2, match: null }]), alice)).toBe(false);
    expect(filterMatches(filter([{ entityType: 'client-id', matchType: 2, match: null }]), aliceApp)).toBe(true);
    expect(filterMatches(filter([]), alice)).toBe(true);
  });

  it('refuses a type twice, unknown types, ip with users, EXACT without a name', () => {
    expect(isQuotaError(parseFilter([{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }], false))).toBe(true);
    expect((parseFilter([{ entityType: 'topic', matchType: 2, match: null }], false) as { errorCode: number }).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(isQuotaError(parseFilter([{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], false))).toBe(true);
    expect(isQuotaError(parseFilter([{ entityType: 'user', matchType: 0, match: null }], false))).toBe(true);
  });
});
