// How the client (the strom tools) secures its connections, from the client properties
// Kafka's tools read with --command-config (and librdkafka's spellings, so one file serves
// kcat too): security.protocol; sasl.mechanism with sasl.jaas.config or sasl.username and
// sasl.password; ssl.truststore.* / ssl.ca.location for the CAs the broker's certificate must
// chain to (default: the system's); ssl.keystore.* / ssl.certificate.location and
// ssl.key.location for a client certificate (mTLS); ssl.endpoint.identification.algorithm
// (https, the default, checks the broker's name; empty does not). Keys it does not know are
// left to other programs reading the same file.
import { readFileSync } from 'node:fs';
import { getProperties } from 'properties-file';
import type { SecurityProtocol } from '../config/listeners.js';
import { jaasCredentials } from '../security/jaas.js';
import { pemBlocks } from '../security/tls-options.js';

type ClientSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Plain data (it crosses to the perf harness's worker threads). */
export interface ClientSecurity {
  protocol: SecurityProtocol;
  tls?: {
    /** CA certificates (PEM); none: the system's. */
    ca?: string[];
    /** A client certificate: key and chain (PEM), or a PKCS12 file. */
    key?: string;
    cert?: string;
    pfx?: Buffer;
    passphrase?: string;
    /** Check the broker's certificate at all (librdkafka's enable.ssl.certificate.verification). */
    verify: boolean;
    /** Check that it names the host connected to (ssl.endpoint.identification.algorithm=https). */
    verifyHostname: boolean;
  };
  sasl?: { mechanism: ClientSaslMechanism; username: string; password: string };
}

/** A client properties file the user named that cannot be used: one line, exit code 1. */
export class ClientConfigError extends Error {
  override name = 'ClientConfigError';
}

function read(path: string, key: string, encoding?: BufferEncoding): string | Buffer {
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    throw new ClientConfigError(`cannot read ${key} ${path}: ${(e as Error).message}`);
  }
}

/** Reads a client properties file (--command-config). */
export function readClientProperties(path: string): Record<string, string> {
  return getProperties(read(path, '--command-config', 'utf8') as string);
}

/** The client security the properties ask for; throws ClientConfigError naming the key at fault. */
export function clientSecurity(props: Record<string, string>): ClientSecurity {
  const get = (...keys: string[]) => {
    for (const key of keys) if (props[key] !== undefined && props[key].trim() !== '') return props[key].trim();
    return undefined;
  };
  const protocol = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase() as SecurityProtocol;
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) throw new ClientConfigError(`security.protocol ${protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`);
  const security: ClientSecurity = { protocol };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls: NonNullable<ClientSecurity['tls']> = {
      verify: (get('enable.ssl.certificate.verification') ?? 'true').toLowerCase() !== 'false',
      verifyHostname: (props['ssl.endpoint.identification.algorithm'] ?? 'https').trim().toLowerCase() === 'https',
    };
    const trustType = (get('ssl.truststore.type') ?? 'PEM').toUpperCase();
    const trustInline = get('ssl.truststore.certificates');
    const trustFile = get('ssl.truststore.location', 'ssl.ca.location');
    if ((trustInline || trustFile) && trustType !== 'PEM') throw new ClientConfigError(`ssl.truststore.type ${trustType} is not read: give the CA certificates as PEM (ssl.truststore.type=PEM)`);
    const trustText = trustInline ?? (trustFile ? read(trustFile, 'ssl.truststore.location', 'utf8') as string : undefined);
    if (trustText !== undefined) {
      tls.ca = pemBlocks(trustText, /^CERTIFICATE$/);
      if (tls.ca.length === 0) throw new ClientConfigError('the truststore holds no certificate');
    }
    const keystoreType = (get('ssl.keystore.type') ?? 'PEM').toUpperCase();
    const keystoreFile = get('ssl.keystore.location');
    if (keystoreType === 'PKCS12' && keystoreFile) {
      tls.pfx = read(keystoreFile, 'ssl.keystore.location') as Buffer;
      tls.passphrase = get('ssl.keystore.password');
    } else if (keystoreType !== 'PEM' && keystoreFile) {
      throw new ClientConfigError(`ssl.keystore.type ${keystoreType} is not read: use PEM or PKCS12`);
    } else {
      const keyText = get('ssl.keystore.key') ?? (get('ssl.key.location') ? read(get('ssl.key.location')!, 'ssl.key.location', 'utf8') as string : undefined)
        ?? (keystoreFile ? read(keystoreFile, 'ssl.keystore.location', 'utf8') as string : undefined);
      const certText = get('ssl.keystore.certificate.chain') ?? (get('ssl.certificate.location') ? read(get('ssl.certificate.location')!, 'ssl.certificate.location', 'utf8') as string : undefined)
        ?? (keystoreFile ? read(keystoreFile, 'ssl.keystore.location', 'utf8') as string : undefined);
      if (keyText !== undefined || certText !== undefined) {
        const keys = pemBlocks(keyText ?? '', /PRIVATE KEY$/);
        const certs = pemBlocks(certText ?? '', /^CERTIFICATE$/);
        if (keys.length !== 1 || certs.length === 0) throw new ClientConfigError('a client certificate needs one private key and its certificate chain in PEM (ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain, or ssl.key.location and ssl.certificate.location)');
        tls.key = keys[0];
        tls.cert = certs.join('\n');
        tls.passphrase = get('ssl.key.password');
      }
    }
    security.tls = tls;
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = (get('sasl.mechanism', 'sasl.mechanisms') ?? '').toUpperCase();
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) {
      throw new ClientConfigError(mechanism === '' ? 'sasl.mechanism is not set: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' : `sasl.mechanism ${mechanism} is not served by the strom tools: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
    }
    const jaas = get('sasl.jaas.config');
    let username = get('sasl.username');
    let password = props['sasl.password'];
    if (jaas !== undefined) {
      try {
        ({ username, password } = jaasCredentials(jaas, 'sasl.jaas.config'));
      } catch (e) {
        throw new ClientConfigError((e as Error).message);
      }
    }
    if (username === undefined || password === undefined) throw new ClientConfigError(`${mechanism} needs a user: sasl.jaas.config (username="..." password="..."), or sasl.username and sasl.password`);
    security.sasl = { mechanism: mechanism as ClientSaslMechanism, username, password };
  }
  return security;
}
