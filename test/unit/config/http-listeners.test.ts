import { describe, expect, it } from 'vitest';
import { BrokerConfig, ConfigError, parseHttpListeners } from '../../../src/config/config.js';

describe('http.listeners', () => {
  it('defaults to http://0.0.0.0:8082', () => {
    expect(BrokerConfig.load({ overrides: [], env: {} }).httpListeners).toEqual([{ name: 'HTTP', host: '0.0.0.0', port: 8082 }]);
  });

  it('takes port 0 (ephemeral) and an empty value disables the gateway', () => {
    expect(parseHttpListeners(['http://127.0.0.1:0'])).toEqual([{ name: 'HTTP', host: '127.0.0.1', port: 0 }]);
    expect(BrokerConfig.load({ overrides: ['http.listeners='], env: {} }).httpListeners).toEqual([]);
  });

  it('refuses other schemes and bad ports', () => {
    expect(() => BrokerConfig.load({ overrides: ['http.listeners=PLAINTEXT://x:1'], env: {} })).toThrow(ConfigError);
    expect(() => parseHttpListeners(['http://x:70000'])).toThrow(/http\.listeners/);
  });
});
