// src/security/tls-options.ts: a listener's TLS from the ssl.* keys (and listener.name.<l>.ssl.*),
// each problem one ConfigError naming the key; keys and certificates made here, thrown away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import { BrokerConfig } from '../../../src/config/config.js';
import { cipherString, listenerTls, pemBlocks, tlsVersions } from '../../../src/security/tls-options.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certs.js';

let certs: TestCertificates;
beforeAll(async () => { certs = await makeCertificates(); });
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const config = (overrides: Record<string, string>) => new BrokerConfig({ listeners: 'SSL://127.0.0.1:0,OTHER://127.0.0.1:0', 'listener.security.protocol.map': 'SSL:SSL,OTHER:SSL', ...overrides });

describe('listener TLS', () => {
  it('reads a PEM keystore file holding the key and the chain, and a PEM truststore', () => {
    const tls = listenerTls(config({ 'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caFile, 'ssl.client.auth': 'required' }), 'SSL');
    expect(tls.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pemBlocks(tls.certPem!, /^CERTIFICATE$/)).toHaveLength(1);
    expect(tls.options).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(tls.options.ca).toHaveLength(1);
    expect(tls.clientAuth).toBe('required');
  });

  it('takes the key and chain inline, and per listener over the plain keys', () => {
    const c = config({
      'ssl.keystore.location': '/no/such/file',
      'listener.name.ssl.ssl.keystore.key': certs.serverKeyPem, 'listener.name.ssl.ssl.keystore.certificate.chain': certs.serverCertPem,
      'listener.name.ssl.ssl.client.auth': 'requested',
    });
    const tls = listenerTls(c, 'SSL');
    expect(tls.options).toMatchObject({ requestCert: true, rejectUnauthorized: false });
    expect(() => listenerTls(c, 'OTHER')).toThrow(/Cannot read ssl.keystore.location \/no\/such\/file/);
  });

  it('reads inline PEM as Kafka documents it in server.properties: continuation lines, joined by the properties format', () => {
    const continued = (pem: string) => pem.trim().split('\n').join(' \\\n  ');
    const file = join(certs.dir, 'inline.properties');
    writeFileSync(file, [
      'listeners=SSL://127.0.0.1:0', 'ssl.keystore.type=PEM',
      `ssl.keystore.key=${continued(certs.serverKeyPem)}`, `ssl.keystore.certificate.chain=${continued(certs.serverCertPem)}`,
      `ssl.truststore.certificates=${continued(readFileSync(certs.caFile, 'utf8'))}`, 'ssl.client.auth=required',
    ].join('\n'));
    const c = BrokerConfig.load({ file, env: {} });
    expect(c.raw('ssl.keystore.key')).toMatch(/^-----BEGIN PRIVATE KEY----- \S+ /);
    const tls = listenerTls(c, 'SSL');
    expect(tls.keyPem).toBe(certs.serverKeyPem.trim());
    expect(tls.certPem).toBe(certs.serverCertPem.trim());
    expect(() => createSecureContext(tls.options)).not.toThrow();
  });

  it('decrypts an encrypted PKCS#8 key with ssl.key.password', () => {
    const encrypted = join(certs.dir, 'encrypted.pem');
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', join(certs.dir, 'server.key'), '-passout', 'pass:key-secret', '-out', encrypted]);
    writeFileSync(encrypted, readFileSync(encrypted, 'utf8') + certs.serverCertPem);
    const tls = listenerTls(config({ 'ssl.keystore.location': encrypted, 'ssl.key.password': 'key-secret' }), 'SSL');
    expect(tls.keyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(() => createSecureContext(tls.options)).not.toThrow();
    expect(() => listenerTls(config({ 'ssl.keystore.location': encrypted, 'ssl.key.password': 'wrong' }), 'SSL')).toThrow(/listener SSL: cannot use its TLS settings: .*bad decrypt/);
  });

  it('reads a PKCS12 keystore', () => {
    const tls = listenerTls(config({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.serverP12, 'ssl.keystore.password': certs.p12Password }), 'SSL');
    expect(tls.options.pfx).toBeInstanceOf(Buffer);
    expect(tls.keyPem).toBeNull();
  });

  it.each([
    [{}, /listener SSL \(SSL\) needs a key and certificate: ssl.keystore.location/],
    [{ 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': 'x.jks' }, /JKS is not read; convert the keystore with keytool/],
    [{ 'ssl.keystore.type': 'PKCS12' }, /needs ssl.keystore.location: its PKCS12 keystore/],
    [{ 'ssl.keystore.location': 'CA' }, /holds 0 private keys/],
    [{ 'ssl.keystore.location': 'KEY+CERT', 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': 'x.jks' }, /ssl.truststore.type JKS is not read/],
    [{ 'ssl.keystore.location': 'KEY+CERT', 'ssl.enabled.protocols': 'TLSv1.1,TLSv1.3' }, /contiguous range/],
    [{ 'ssl.keystore.location': 'KEY+CERT', 'ssl.cipher.suites': 'TLS_NOT_A_SUITE' }, /not a cipher suite/],
    [{ 'ssl.keystore.location': 'OTHER_KEY' }, /cannot use its TLS settings/],
  ])('refuses %j with one line naming the key', (overrides, why) => {
    const paths: Record<string, string> = { CA: certs.caFile, 'KEY+CERT': certs.serverKeystore, OTHER_KEY: certs.mismatchedKeystore };
    const resolved = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, paths[v] ?? v]));
    expect(() => listenerTls(config(resolved), 'SSL')).toThrow(why);
  });
});

describe('versions and cipher suites', () => {
  it('turn ssl.enabled.protocols into Node\'s range', () => {
    expect(tlsVersions(['TLSv1.3'], 'k')).toEqual({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    expect(tlsVersions(['TLSv1.3', 'TLSv1.2'], 'k')).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(() => tlsVersions(['SSLv3'], 'k')).toThrow(/expected some of/);
  });

  it('take Java\'s (IANA) names and OpenSSL\'s', () => {
    expect(cipherString([], 'k')).toBeUndefined();
    expect(cipherString(['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'], 'k'))
      .toBe('TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305');
  });
});

it('pemBlocks picks blocks by label', () => {
  const text = `junk\n${certs.serverKeyPem}\n${certs.serverCertPem}\n`;
  writeFileSync(join(certs.dir, 'both.pem'), text);
  expect(pemBlocks(text, /PRIVATE KEY$/)).toEqual([certs.serverKeyPem.trim()]);
  expect(pemBlocks(text, /^CERTIFICATE$/)).toEqual([certs.serverCertPem.trim()]);
});
