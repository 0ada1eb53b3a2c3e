// src/config/listeners.ts and BrokerConfig's listeners: named listeners, their security
// protocols (listener.security.protocol.map), advertised.listeners, and listener.name.<l>.*
// settings, each bad one refused with one line.
import { describe, expect, it } from 'vitest';
import { BrokerConfig, ConfigError } from '../../../src/config/config.js';
import { parseListenerKey } from '../../../src/config/listeners.js';

const load = (...overrides: string[]) => BrokerConfig.load({ overrides, env: {} });
const refusal = (...overrides: string[]) => {
  try {
    load(...overrides);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return null;
};

describe('listeners', () => {
  it('map each protocol\'s own name to itself by default', () => {
    const c = load('listeners=PLAINTEXT://:9092,SSL://:9093,SASL_PLAINTEXT://h:9094,sasl_ssl://[::1]:9095');
    expect(c.listeners).toEqual([
      { name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'SSL', host: '', port: 9093, securityProtocol: 'SSL' },
      { name: 'SASL_PLAINTEXT', host: 'h', port: 9094, securityProtocol: 'SASL_PLAINTEXT' },
      { name: 'SASL_SSL', host: '::1', port: 9095, securityProtocol: 'SASL_SSL' },
    ]);
  });

  it('take names of their own through listener.security.protocol.map', () => {
    const c = load('listeners=INTERNAL://localhost:9092,EXTERNAL://:9093', 'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL');
    expect(c.listeners.map((l) => [l.name, l.securityProtocol])).toEqual([['INTERNAL', 'PLAINTEXT'], ['EXTERNAL', 'SASL_SSL']]);
  });

  it.each([
    [['listeners=INTERNAL://:9092'], /no security protocol for listener INTERNAL/],
    [['listeners=PLAINTEXT://:9092,PLAINTEXT://:9093'], /listener name PLAINTEXT appears twice/],
    [['listeners=PLAINTEXT://:9092,SSL://:9092'], /port 9092 is used by two listeners/],
    [['listener.security.protocol.map=A:TLS'], /expected NAME:PROTOCOL/],
    [['listener.security.protocol.map=A:SSL,a:PLAINTEXT'], /listener A is mapped twice/],
    [['advertised.listeners=SSL://example.com:9093'], /advertised.listeners: SSL is not a listener \(listeners: PLAINTEXT\)/],
    [['inter.broker.listener.name=INTERNAL'], /inter.broker.listener.name: not a listener \(listeners: PLAINTEXT\)/],
    [['inter.broker.listener.name=PLAINTEXT', 'security.inter.broker.protocol=PLAINTEXT'], /Only one of inter.broker.listener.name and security.inter.broker.protocol/],
    [['security.inter.broker.protocol=TLS'], /expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
  ])('refuse %j', (overrides, why) => {
    expect(refusal(...overrides)).toMatch(why);
  });

  it('take the inter-broker keys of a Kafka server.properties without a warning', () => {
    const c = load('listeners=INTERNAL://:9092,EXTERNAL://:9093', 'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL',
      'inter.broker.listener.name=internal', 'sasl.mechanism.inter.broker.protocol=PLAIN');
    expect(c.warnings).toEqual([]);
  });

  it('two listeners on port 0 (ephemeral) are fine', () => {
    expect(load('listeners=PLAINTEXT://:0,SSL://:0').listeners).toHaveLength(2);
  });
});

describe('listener.name.<listener>.<key>', () => {
  it('sets a key for one listener, over the plain key; a JAAS config per mechanism', () => {
    const c = load(
      'listeners=PLAINTEXT://:9092,SASL_SSL://:9093', 'ssl.client.auth=requested',
      'listener.name.sasl_ssl.ssl.client.auth=required', 'listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config=x.Y required user_a="b";',
    );
    expect(c.warnings).toEqual([]);
    expect(c.listenerValue('SASL_SSL', 'ssl.client.auth')).toBe('required');
    expect(c.listenerValue('PLAINTEXT', 'ssl.client.auth')).toBe('requested');
    expect(c.listenerValue('SASL_SSL', 'sasl.enabled.mechanisms')).toEqual(['SCRAM-SHA-512']);
    expect(c.isListenerSpecific('SASL_SSL', 'ssl.client.auth')).toBe(true);
    expect(c.jaasConfig('SASL_SSL', 'PLAIN')).toBe('x.Y required user_a="b";');
    expect(c.jaasConfig('SASL_SSL', 'SCRAM-SHA-256')).toBeNull();
  });

  it('checks the value as the key it stands for, and warns about a listener that does not exist', () => {
    expect(refusal('listener.name.plaintext.ssl.client.auth=sometimes')).toMatch(/listener.name.plaintext.ssl.client.auth: expected one of required, requested, none/);
    expect(refusal('sasl.enabled.mechanisms=GSSAPI')).toMatch(/GSSAPI is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/);
    expect(load('listener.name.nowhere.ssl.client.auth=required').warnings).toEqual(['Configuration listener.name.nowhere.ssl.client.auth names no listener of listeners (ignored)']);
    expect(load('listener.name.plaintext.no.such.key=1').warnings).toEqual(['Unknown configuration listener.name.plaintext.no.such.key (ignored)']);
  });

  it('comes from the environment too, as Kafka\'s images spell it', () => {
    const c = BrokerConfig.load({ env: { KAFKA_LISTENERS: 'SASL_SSL://:9093', KAFKA_LISTENER_NAME_SASL__SSL_SSL_CLIENT_AUTH: 'required' } });
    expect(c.warnings).toEqual([]);
    expect(c.listenerValue('SASL_SSL', 'ssl.client.auth')).toBe('required');
  });

  it('is parsed into the listener and the key', () => {
    expect(parseListenerKey('listener.name.external.ssl.keystore.location')).toEqual({ listener: 'EXTERNAL', kind: 'key', key: 'ssl.keystore.location' });
    expect(parseListenerKey('listener.name.external.scram-sha-256.sasl.jaas.config')).toEqual({ listener: 'EXTERNAL', kind: 'jaas', mechanism: 'SCRAM-SHA-256' });
    expect(parseListenerKey('listener.name.external.log.dirs')).toBeNull();
  });
});
