// src/client/security.ts: client properties (Kafka's and librdkafka's spellings) as the
// tools' TLS and SASL settings; each problem one line naming the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientConfigError, clientSecurity, readClientProperties } from '../../../src/client/security.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certs.js';

let certs: TestCertificates;
beforeAll(async () => { certs = await makeCertificates(); });
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

describe('client properties', () => {
  it('default to PLAINTEXT', () => {
    expect(clientSecurity({})).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('read a Java client file: SASL_SSL, SCRAM through sasl.jaas.config, a PEM truststore (line continuations and all)', () => {
    const file = join(certs.dir, 'client.properties');
    writeFileSync(file, [
      'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
      '    username="alice" password="alice-secret";',
      'ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caFile}`, 'acks=all',
    ].join('\n'));
    const s = clientSecurity(readClientProperties(file));
    expect(s.protocol).toBe('SASL_SSL');
    expect(s.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' });
    expect(s.tls).toMatchObject({ verify: true, verifyHostname: true });
    expect(s.tls!.ca).toHaveLength(1);
  });

  it('read librdkafka\'s spellings: sasl.mechanisms, sasl.username/password, ssl.ca.location, a client certificate', () => {
    const alice = certs.client('alice');
    const s = clientSecurity({
      'security.protocol': 'ssl', 'ssl.ca.location': certs.caFile, 'ssl.certificate.location': alice.certFile, 'ssl.key.location': alice.keyFile,
      'ssl.endpoint.identification.algorithm': '', 'enable.ssl.certificate.verification': 'false',
    });
    expect(s.tls).toMatchObject({ verify: false, verifyHostname: false });
    expect(s.tls!.key).toMatch(/PRIVATE KEY/);
    expect(s.tls!.cert).toMatch(/CERTIFICATE/);
    expect(clientSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'plain', 'sasl.username': 'a', 'sasl.password': 'b' }).sasl).toEqual({ mechanism: 'PLAIN', username: 'a', password: 'b' });
    expect(clientSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.location': alice.keystore }).tls!.key).toMatch(/PRIVATE KEY/);
    expect(clientSecurity({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.serverP12, 'ssl.keystore.password': 'p' }).tls!.pfx).toBeInstanceOf(Buffer);
  });

  it.each([
    [{ 'security.protocol': 'SASL' }, /security.protocol SASL is not one of/],
    [{ 'security.protocol': 'SASL_SSL' }, /sasl.mechanism is not set/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'GSSAPI' }, /GSSAPI is not served by the strom tools/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' }, /PLAIN needs a user/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x.Y required' }, /sasl.jaas.config: a missing ";"/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.location': '/no/such.pem' }, /cannot read ssl.truststore.location \/no\/such.pem/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': 'x.jks' }, /JKS is not read/],
    [{ 'security.protocol': 'SSL', 'ssl.keystore.key': 'nothing' }, /one private key and its certificate chain/],
  ])('refuse %j', (props, why) => {
    expect(() => clientSecurity(props)).toThrow(ClientConfigError);
    expect(() => clientSecurity(props)).toThrow(why);
  });
});
