// Throw-away certificates for the TLS tests, made with openssl in a temporary directory when a
// test starts (nothing is committed): a CA, a broker certificate for localhost and 127.0.0.1
// signed by it (PEM key and chain in one file, as Kafka's PEM keystores hold them, and as
// PKCS12), client certificates signed by it (mTLS), and a client certificate of another CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCertificate {
  /** Key and certificate in one PEM file (ssl.keystore.location). */
  keystore: string;
  keyFile: string;
  certFile: string;
}

export interface TestCertificates {
  dir: string;
  /** The CA's certificate (ssl.truststore.location, ssl.ca.location). */
  caFile: string;
  serverKeyPem: string;
  serverCertPem: string;
  /** The broker's key and certificate in one PEM file. */
  serverKeystore: string;
  serverP12: string;
  p12Password: string;
  /** A key with another key's certificate: a keystore TLS cannot use. */
  mismatchedKeystore: string;
  /** A client certificate the CA signed, subject C=US,O=Strom Test,OU=eng,CN=<name>. */
  client(name: string): ClientCertificate;
  /** A client certificate signed by a CA the broker does not trust. */
  untrustedClient: ClientCertificate;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function key(dir: string, file: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', file]);
}

/** A certificate for `name`'s key, signed by the CA in `ca` (a prefix: <ca>.pem, <ca>.key). */
function signed(dir: string, name: string, subject: string, ca: string, extensions: string): void {
  key(dir, `${name}.key`);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
}

function ca(dir: string, name: string, subject: string): void {
  key(dir, `${name}.key`);
  openssl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', subject, '-days', '2', '-out', `${name}.pem`]);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

function keystore(dir: string, name: string): ClientCertificate {
  const path = join(dir, `${name}-keystore.pem`);
  writeFileSync(path, read(dir, `${name}.key`) + read(dir, `${name}.pem`));
  return { keystore: path, keyFile: join(dir, `${name}.key`), certFile: join(dir, `${name}.pem`) };
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'strom-certs-'));
  ca(dir, 'ca', '/O=Strom Test/CN=Strom Test CA');
  signed(dir, 'server', '/O=Strom Test/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const serverKeystore = keystore(dir, 'server').keystore;
  const p12Password = 'test-only';
  openssl(dir, ['pkcs12', '-export', '-inkey', 'server.key', '-in', 'server.pem', '-out', 'server.p12', '-passout', `pass:${p12Password}`]);
  key(dir, 'other.key');
  writeFileSync(join(dir, 'mismatched.pem'), read(dir, 'other.key') + read(dir, 'server.pem'));
  ca(dir, 'rogue-ca', '/O=Elsewhere/CN=Rogue CA');
  signed(dir, 'rogue', '/O=Elsewhere/CN=alice', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const clients = new Map<string, ClientCertificate>();
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverKeyPem: read(dir, 'server.key'),
    serverCertPem: read(dir, 'server.pem'),
    serverKeystore,
    serverP12: join(dir, 'server.p12'),
    p12Password,
    mismatchedKeystore: join(dir, 'mismatched.pem'),
    client(name: string) {
      let c = clients.get(name);
      if (!c) {
        signed(dir, `client-${name}`, `/C=US/O=Strom Test/OU=eng/CN=${name}`, 'ca', 'extendedKeyUsage=clientAuth\n');
        clients.set(name, (c = keystore(dir, `client-${name}`)));
      }
      return c;
    },
    untrustedClient: keystore(dir, 'rogue'),
  };
}
