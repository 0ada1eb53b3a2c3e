import { describe, expect, it } from 'vitest';
import { BrokerConfig, ConfigError, parseHttpListeners } from '../../../src/config/config.js';
import { BROKER_CONFIGS } from '../../../src/config/definitions.js';

describe('http.listeners', () => {
  it('defaults to localhost:8082, like the Kafka listener, not to every interface', () => {
    const config = BrokerConfig.load({ overrides: [], env: {} });
    expect(config.httpListeners).toEqual([{ name: 'HTTP', host: 'localhost', port: 8082 }]);
    expect(config.listeners[0].host).toBe('localhost');
  });

  it('has no listener default bound to all interfaces', () => {
    const listenerKeys = BROKER_CONFIGS.filter((d) => /listeners$/.test(d.name));
    expect(listenerKeys.map((d) => d.name)).toEqual(expect.arrayContaining(['listeners', 'http.listeners']));
    for (const d of listenerKeys) expect(d.default ?? '', d.name).not.toMatch(/0\.0\.0\.0|\[::\]|:\/\/:/);
  });

  it('takes port 0 (ephemeral) and an empty value disables the gateway', () => {
    expect(parseHttpListeners(['http://127.0.0.1:0'])).toEqual([{ name: 'HTTP', host: '127.0.0.1', port: 0 }]);
    expect(BrokerConfig.load({ overrides: ['http.listeners='], env: {} }).httpListeners).toEqual([]);
  });

  it('takes https:// listeners', () => {
    expect(parseHttpListeners(['https://0.0.0.0:8443', 'http://localhost:8082'])).toEqual([{ name: 'HTTPS', host: '0.0.0.0', port: 8443 }, { name: 'HTTP', host: 'localhost', port: 8082 }]);
  });

  it('refuses other schemes and bad ports', () => {
    expect(() => BrokerConfig.load({ overrides: ['http.listeners=PLAINTEXT://x:1'], env: {} })).toThrow(ConfigError);
    expect(() => parseHttpListeners(['http://x:70000'])).toThrow(/http\.listeners/);
  });
});

describe('http.allowed.origins', () => {
  const origins = (value: string) => BrokerConfig.load({ overrides: [`http.allowed.origins=${value}`], env: {} }).httpAllowedOrigins;

  it('is empty by default: only the gateway\'s own origin', () => {
    expect(BrokerConfig.load({ overrides: [], env: {} }).httpAllowedOrigins).toEqual([]);
  });

  it('takes origins as browsers send them, normalized, and * for any', () => {
    expect(origins('http://App.Example:3000/, https://console.example:443,http://[::1]:80')).toEqual(['http://app.example:3000', 'https://console.example', 'http://[::1]']);
    expect(origins('null')).toEqual(['null']);
    expect(origins('http://a.example, *')).toEqual(['*']);
  });

  it('refuses what is no origin', () => {
    for (const bad of ['localhost:3000', 'http://a.example/path', 'ftp://a.example', 'http://user@a.example', 'http://a.example?x=1', '*.example']) {
      expect(() => origins(bad), bad).toThrow(ConfigError);
    }
    expect(() => origins('localhost:3000')).toThrow(/http\.allowed\.origins: expected an origin such as http:\/\/localhost:3000, or \*/);
  });
});
