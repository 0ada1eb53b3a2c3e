// src/api/incremental-alter-configs.ts: IncrementalAlterConfigs v0-1 (KIP-339): SET, DELETE,
// APPEND and SUBTRACT (the last two for list configs only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incrementalAlterConfigs } from '../../../src/api/incremental-alter-configs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultIncrementalAlterConfigsRequest } from '../../../src/protocol/generated/incremental-alter-configs.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];
const TOPIC = 2;
const BROKER = 4;
type Op = [name: string, op: number, value: string | null];
const alter = async (resourceType: number, resourceName: string, ops: Op[], validateOnly = false) => (await hb.call(incrementalAlterConfigs, 1, {
  ...defaultIncrementalAlterConfigsRequest(), validateOnly,
  resources: [{ resourceType, resourceName, configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })) }],
})).responses[0];
const overrides = (name: string) => hb.broker.logs.topic(name)!.overrides;

describe('IncrementalAlterConfigs', () => {
  it('SET and DELETE change only the keys named', async () => {
    await hb.topic('iac-set', 1, {}, { 'retention.ms': '1000', 'segment.bytes': '90000' });
    expect((await alter(TOPIC, 'iac-set', [['retention.ms', SET, '2000'], ['segment.bytes', DELETE, null]])).errorCode).toBe(ErrorCode.NONE);
    expect(overrides('iac-set')).toEqual({ 'retention.ms': '2000' });
  });

  it('APPEND and SUBTRACT edit a list config, starting from its default', async () => {
    await hb.topic('iac-list', 1);
    expect((await alter(TOPIC, 'iac-list', [['cleanup.policy', APPEND, 'compact']])).errorCode).toBe(ErrorCode.NONE);
    expect(overrides('iac-list')).toEqual({ 'cleanup.policy': 'delete,compact' });
    expect((await alter(TOPIC, 'iac-list', [['cleanup.policy', APPEND, 'compact']])).errorCode).toBe(ErrorCode.NONE); // no duplicate
    expect(overrides('iac-list')).toEqual({ 'cleanup.policy': 'delete,compact' });
    expect((await alter(TOPIC, 'iac-list', [['cleanup.policy', SUBTRACT, 'delete']])).errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.logs.topic('iac-list')!.config.list('cleanup.policy')).toEqual(['compact']);
  });

  it('refuses APPEND on a config that is not a list, duplicate keys and unknown operations', async () => {
    await hb.topic('iac-bad', 1, {}, { 'retention.ms': '1000' });
    const notList = await alter(TOPIC, 'iac-bad', [['retention.ms', APPEND, '5']]);
    expect([notList.errorCode, notList.errorMessage]).toEqual([ErrorCode.INVALID_CONFIG, expect.stringMatching(/not a list/)]);
    expect((await alter(TOPIC, 'iac-bad', [['retention.ms', SET, '5'], ['retention.ms', SET, '6']])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await alter(TOPIC, 'iac-bad', [['retention.ms', 9, '5']])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await alter(TOPIC, 'iac-bad', [['retention.ms', SET, null]])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter(TOPIC, 'iac-bad', [['retention.ms', SET, 'soon']])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(overrides('iac-bad')).toEqual({ 'retention.ms': '1000' }); // nothing applied
  });

  it('validateOnly changes nothing; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await hb.topic('iac-dry', 1);
    expect((await alter(TOPIC, 'iac-dry', [['retention.ms', SET, '5']], true)).errorCode).toBe(ErrorCode.NONE);
    expect(overrides('iac-dry')).toEqual({});
    expect((await alter(TOPIC, 'iac-none', [['retention.ms', SET, '5']])).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('changes one dynamic broker config, keeping the others', async () => {
    expect((await alter(BROKER, '', [['log.retention.ms', SET, '3600000'], ['log.segment.bytes', SET, '2000000']])).errorCode).toBe(ErrorCode.NONE);
    expect((await alter(BROKER, '', [['log.segment.bytes', DELETE, null]])).errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.config.dynamicEntries()).toEqual([['log.retention.ms', '3600000']]);
    expect((await alter(BROKER, '', [['broker.id', SET, '3']])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });
});
