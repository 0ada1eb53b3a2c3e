// src/cluster/inter-broker.ts: which listener brokers reach each other on, and the TLS and SASL
// a broker uses there, from Kafka's keys; each setting it cannot use refused with one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { BrokerConfig } from '../../../src/config/config.js';
import { interBroker } from '../../../src/cluster/inter-broker.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certs.js';

let certs: TestCertificates;
beforeAll(async () => { certs = await makeCertificates(); });
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const load = (overrides: Record<string, string>) => BrokerConfig.load({ overrides: Object.entries(overrides).map(([k, v]) => `${k}=${v}`), env: {} });
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";';

describe('the inter-broker listener', () => {
  it('is the listener named after security.inter.broker.protocol by default: PLAINTEXT', () => {
    expect(interBroker(load({ listeners: 'PLAINTEXT://:9092,SSL://:9093', 'ssl.keystore.location': certs.serverKeystore })))
      .toEqual({ listener: 'PLAINTEXT', security: { protocol: 'PLAINTEXT' } });
  });

  it('is the first listener of security.inter.broker.protocol when none is named after it', () => {
    expect(interBroker(load({ listeners: 'EXTERNAL://:9093,INTERNAL://:9092', 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT' })))
      .toEqual({ listener: 'INTERNAL', security: { protocol: 'PLAINTEXT' } });
  });

  it('over SASL_SSL: the listener\'s truststore and keystore, and the JAAS username and password of the mechanism', () => {
    const inter = interBroker(load({
      listeners: 'INTERNAL://:9092,EXTERNAL://:9093', 'listener.security.protocol.map': 'INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL',
      'inter.broker.listener.name': 'internal', 'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'ssl.keystore.location': certs.serverKeystore, 'listener.name.internal.ssl.truststore.location': certs.caFile,
      'listener.name.internal.ssl.endpoint.identification.algorithm': '',
      'listener.name.internal.plain.sasl.jaas.config': PLAIN_JAAS,
    }));
    expect(inter.listener).toBe('INTERNAL');
    expect(inter.security).toMatchObject({
      protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', username: 'broker', password: 'broker-secret' },
      tls: { ca: [readFileSync(certs.caFile, 'utf8').trim()], key: certs.serverKeyPem.trim(), cert: certs.serverCertPem.trim(), verify: true, verifyHostname: false },
    });
  });

  it.each([
    [{ listeners: 'INTERNAL://:9092', 'listener.security.protocol.map': 'INTERNAL:SSL', 'ssl.keystore.location': 'x' }, /reach each other on a PLAINTEXT listener \(security.inter.broker.protocol, as inter.broker.listener.name is not set\), and listeners has none: set inter.broker.listener.name to one of INTERNAL/],
    [{ listeners: 'SASL_PLAINTEXT://:9092', 'security.inter.broker.protocol': 'SASL_PLAINTEXT' }, /sasl.mechanism.inter.broker.protocol GSSAPI: brokers log in to each other's SASL_PLAINTEXT listener \(SASL_PLAINTEXT\) with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/],
    [{ listeners: 'SASL_PLAINTEXT://:9092', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism.inter.broker.protocol': 'PLAIN', 'sasl.enabled.mechanisms': 'SCRAM-SHA-512' }, /PLAIN must be one of listener SASL_PLAINTEXT's sasl.enabled.mechanisms/],
    [{ listeners: 'SASL_PLAINTEXT://:9092', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512' }, /set listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config with the username="..." password="..."/],
    [{ listeners: 'SASL_PLAINTEXT://:9092', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism.inter.broker.protocol': 'PLAIN', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b";' }, /no username="..." password="..." options/],
  ])('refuses %j', (overrides, why) => {
    expect(() => interBroker(load(overrides))).toThrow(why);
  });
});
