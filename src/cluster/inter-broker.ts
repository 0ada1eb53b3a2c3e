// The listener brokers of a cluster reach each other on (a follower's replica fetches), and
// how a broker secures its own connections there, as Kafka configures it:
// inter.broker.listener.name, else the listener named after security.inter.broker.protocol
// (PLAINTEXT by default) or the first of that protocol; over TLS the listener's own truststore checks the other broker's
// certificate (its name too, with ssl.endpoint.identification.algorithm=https) and the
// listener's keystore is the certificate this broker presents when asked (ssl.client.auth);
// over SASL the mechanism is sasl.mechanism.inter.broker.protocol and the broker logs in with
// the username and password of the listener's JAAS config for it, as Kafka's brokers do.
import { ConfigError, type BrokerConfig } from '../config/config.js';
import { jaasKeyName, usesSasl, usesTls } from '../config/listeners.js';
import type { ClientSecurity } from '../client/security.js';
import { jaasCredentials } from '../security/jaas.js';
import { listenerTls } from '../security/tls-options.js';

const CLIENT_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface InterBroker {
  /** The listener name whose endpoints brokers connect to. */
  listener: string;
  security: ClientSecurity;
}

/** Resolved once when a broker joins a cluster; a setting it cannot use stops the start with one line. */
export function interBroker(config: BrokerConfig): InterBroker {
  const explicit = config.raw('inter.broker.listener.name');
  const protocolName = config.string('security.inter.broker.protocol').toUpperCase();
  // Kafka takes the listener named after the protocol; a listener of that protocol under
  // another name (INTERNAL://, mapped to PLAINTEXT) serves as well.
  const listener = explicit !== null
    ? config.listeners.find((l) => l.name === explicit.toUpperCase())
    : config.listeners.find((l) => l.name === protocolName) ?? config.listeners.find((l) => l.securityProtocol === protocolName);
  if (!listener) {
    // Checked with the configuration when inter.broker.listener.name is set.
    throw new ConfigError(`brokers of a cluster reach each other on a ${protocolName} listener (security.inter.broker.protocol, as inter.broker.listener.name is not set), and listeners has none: set inter.broker.listener.name to one of ${config.listeners.map((l) => l.name).join(', ')}`);
  }
  const name = listener.name;
  const protocol = listener.securityProtocol;
  const security: ClientSecurity = { protocol };
  if (usesTls(protocol)) {
    const tls = listenerTls(config, name);
    security.tls = {
      ca: tls.options.ca as string[] | undefined,
      key: tls.keyPem ?? undefined, cert: tls.certPem ?? undefined, pfx: tls.options.pfx as Buffer | undefined, passphrase: tls.passphrase,
      verify: true,
      verifyHostname: String(config.listenerValue(name, 'ssl.endpoint.identification.algorithm') ?? '').toLowerCase() === 'https',
    };
  }
  if (usesSasl(protocol)) {
    const mechanism = config.string('sasl.mechanism.inter.broker.protocol').toUpperCase();
    if (!(CLIENT_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new ConfigError(`sasl.mechanism.inter.broker.protocol ${mechanism}: brokers log in to each other's ${name} listener (${protocol}) with ${CLIENT_MECHANISMS.join(', ')}`);
    }
    if (!(config.listenerValue(name, 'sasl.enabled.mechanisms') as string[]).includes(mechanism)) {
      throw new ConfigError(`sasl.mechanism.inter.broker.protocol ${mechanism} must be one of listener ${name}'s sasl.enabled.mechanisms, as brokers log in to each other there`);
    }
    const key = jaasKeyName(name, mechanism);
    const jaas = config.jaasConfig(name, mechanism);
    if (jaas === null) throw new ConfigError(`brokers log in to each other's ${name} listener with ${mechanism}: set ${key} with the username="..." password="..." this broker uses`);
    security.sasl = { mechanism: mechanism as (typeof CLIENT_MECHANISMS)[number], ...jaasCredentials(jaas, key) };
  }
  return { listener: name, security };
}
