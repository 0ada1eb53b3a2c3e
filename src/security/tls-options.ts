// TLS settings of a listener from Kafka's ssl.* keys (each also settable per listener as
// listener.name.<l>.ssl.*), as node:tls takes them: the key and certificate chain (PEM, from
// ssl.keystore.location or inline as ssl.keystore.key + ssl.keystore.certificate.chain, or
// a PKCS12 file), the CAs client certificates must chain to (ssl.truststore.*), client
// authentication (ssl.client.auth), the TLS versions (ssl.enabled.protocols) and cipher
// suites (ssl.cipher.suites, IANA names as Java spells them, or OpenSSL's). Every problem is a
// ConfigError naming the listener and the key, found when the broker starts.
import { readFileSync } from 'node:fs';
import { createSecureContext, getCiphers, type SecureVersion, type TlsOptions } from 'node:tls';
import { ConfigError, type BrokerConfig } from '../config/config.js';

type ClientAuth = 'required' | 'requested' | 'none';

export interface ListenerTls {
  /** What tls.createServer takes (key, cert, ca, versions, ciphers, client certificates). */
  options: TlsOptions;
  clientAuth: ClientAuth;
  /** The key and chain as PEM text (the HTTPS gateway writes them for uWebSockets.js); null for PKCS12. */
  keyPem: string | null;
  certPem: string | null;
  passphrase: string | undefined;
}

const TLS_VERSIONS: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Java's (IANA) names of the TLS 1.2 suites worth enabling, and OpenSSL's names for them.
 * TLS 1.3 suites have one name in both (TLS_AES_256_GCM_SHA384, ...).
 */
const IANA_TO_OPENSSL: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
};

/**
 * The PEM blocks of a text whose label matches `label` (e.g. /PRIVATE KEY$/, /^CERTIFICATE$/),
 * each in OpenSSL's layout. Kafka's inline PEM values (ssl.keystore.key, ...) are written in
 * server.properties with continuation lines, which the properties format joins into one line
 * of space-separated pieces: OpenSSL reads no such block, so the base64 is re-wrapped in lines
 * of 64. A block with headers (legacy encrypted keys: Proc-Type, DEK-Info) is kept as it is.
 */
export function pemBlocks(text: string, label: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (!label.test(m[1])) continue;
    if (m[2].includes(':')) {
      out.push(m[0]);
      continue;
    }
    const body = m[2].replace(/\s+/g, '');
    out.push(`-----BEGIN ${m[1]}-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END ${m[1]}-----`);
  }
  return out;
}

/** ssl.enabled.protocols as node's minVersion and maxVersion (the list must be a contiguous range). */
export function tlsVersions(protocols: string[], key: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const indexes = [...new Set(protocols)].map((p) => TLS_VERSIONS.indexOf(p as SecureVersion)).sort();
  if (indexes.length === 0 || indexes.includes(-1)) throw new ConfigError(`Invalid value ${JSON.stringify(protocols.join(','))} for configuration ${key}: expected some of ${TLS_VERSIONS.join(', ')}`);
  if (indexes[indexes.length - 1] - indexes[0] !== indexes.length - 1) throw new ConfigError(`Invalid value ${JSON.stringify(protocols.join(','))} for configuration ${key}: the versions must be a contiguous range (Node cannot enable ${protocols.join(' and ')} alone)`);
  return { minVersion: TLS_VERSIONS[indexes[0]], maxVersion: TLS_VERSIONS[indexes[indexes.length - 1]] };
}

/** ssl.cipher.suites as an OpenSSL cipher string (TLS 1.3 suites included), or undefined for Node's defaults. */
export function cipherString(suites: string[], key: string): string | undefined {
  if (suites.length === 0) return undefined;
  const known = new Set(getCiphers());
  return suites.map((suite) => {
    const name = IANA_TO_OPENSSL[suite.toUpperCase()] ?? suite;
    if (!known.has(name.toLowerCase())) throw new ConfigError(`Invalid value ${JSON.stringify(suite)} in configuration ${key}: not a cipher suite this Node's OpenSSL offers (e.g. TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)`);
    return name.startsWith('tls_') ? name.toUpperCase() : name;
  }).join(':');
}

function readText(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read ${key} ${path}: ${(e as Error).message}`);
  }
}

/** The TLS settings of an SSL or SASL_SSL listener (or, as listener "HTTPS", of the gateway's HTTPS). */
export function listenerTls(config: BrokerConfig, listener: string): ListenerTls {
  const prefixed = (key: string) => (config.isListenerSpecific(listener, key) ? `listener.name.${listener.toLowerCase()}.${key}` : key);
  const str = (key: string) => config.listenerValue(listener, key) as string | null;
  const where = `listener ${listener}`;
  const keystoreType = str('ssl.keystore.type');
  const location = str('ssl.keystore.location');
  const keyPassword = str('ssl.key.password') ?? undefined;
  const options: TlsOptions = {};
  let keyPem: string | null = null;
  let certPem: string | null = null;
  let passphrase: string | undefined;
  if (keystoreType === 'JKS') {
    throw new ConfigError(`${where}: ${prefixed('ssl.keystore.type')} JKS is not read; convert the keystore with keytool -importkeystore -srckeystore server.jks -destkeystore server.p12 -deststoretype PKCS12 and set ssl.keystore.type=PKCS12 (or use PEM)`);
  }
  if (keystoreType === 'PKCS12') {
    if (!location) throw new ConfigError(`${where} (SSL) needs ${prefixed('ssl.keystore.location')}: its PKCS12 keystore`);
    try {
      options.pfx = readFileSync(location);
    } catch (e) {
      throw new ConfigError(`Cannot read ${prefixed('ssl.keystore.location')} ${location}: ${(e as Error).message}`);
    }
    options.passphrase = passphrase = str('ssl.keystore.password') ?? undefined;
  } else {
    const inlineKey = str('ssl.keystore.key');
    const inlineChain = str('ssl.keystore.certificate.chain');
    // Inline PEM (ssl.keystore.key and .certificate.chain) wins over a file.
    const text = location && (inlineKey === null || inlineChain === null) ? readText(location, prefixed('ssl.keystore.location')) : null;
    const keys = pemBlocks(inlineKey ?? text ?? '', /PRIVATE KEY$/);
    const certs = pemBlocks(inlineChain ?? text ?? '', /^CERTIFICATE$/);
    if (!location && (inlineKey === null || inlineChain === null)) {
      throw new ConfigError(`${where} (SSL) needs a key and certificate: ${prefixed('ssl.keystore.location')} (a PEM file with both), or ${prefixed('ssl.keystore.key')} and ${prefixed('ssl.keystore.certificate.chain')}`);
    }
    if (keys.length !== 1) throw new ConfigError(`${where}: the PEM keystore holds ${keys.length} private keys, not one`);
    if (certs.length === 0) throw new ConfigError(`${where}: the PEM keystore holds no certificate`);
    keyPem = keys[0];
    certPem = certs.join('\n');
    options.key = keyPem;
    options.cert = certPem;
    options.passphrase = passphrase = keyPassword;
  }
  const trustType = str('ssl.truststore.type');
  const trustLocation = str('ssl.truststore.location');
  const trustInline = str('ssl.truststore.certificates');
  if ((trustLocation || trustInline) && trustType !== 'PEM') {
    throw new ConfigError(`${where}: ${prefixed('ssl.truststore.type')} ${trustType} is not read; give the CA certificates as PEM (ssl.truststore.type=PEM)`);
  }
  const trustText = trustInline ?? (trustLocation ? readText(trustLocation, prefixed('ssl.truststore.location')) : null);
  if (trustText !== null) {
    const cas = pemBlocks(trustText, /^CERTIFICATE$/);
    if (cas.length === 0) throw new ConfigError(`${where}: the truststore holds no certificate`);
    options.ca = cas;
  }
  const clientAuth = str('ssl.client.auth') as ClientAuth;
  options.requestCert = clientAuth !== 'none';
  // requested: a client may go without a certificate; one it presents must verify (checked
  // after the handshake, as Java's SSLEngine refuses a bad one with want-client-auth).
  options.rejectUnauthorized = clientAuth === 'required';
  Object.assign(options, tlsVersions(config.listenerValue(listener, 'ssl.enabled.protocols') as string[], prefixed('ssl.enabled.protocols')));
  const ciphers = cipherString(config.listenerValue(listener, 'ssl.cipher.suites') as string[], prefixed('ssl.cipher.suites'));
  if (ciphers) options.ciphers = ciphers;
  try {
    createSecureContext(options);
  } catch (e) {
    throw new ConfigError(`${where}: cannot use its TLS settings: ${(e as Error).message}`);
  }
  return { options, clientAuth, keyPem, certPem, passphrase };
}
