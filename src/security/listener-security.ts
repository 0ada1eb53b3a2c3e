// What each Kafka listener asks of its clients, from the configuration, built once when the
// broker starts (a bad setting stops it with one line): TLS for SSL and SASL_SSL, the client
// certificate's principal mapping for SSL, and the SASL mechanisms and users for
// SASL_PLAINTEXT and SASL_SSL.
import { ConfigError, type BrokerConfig } from '../config/config.js';
import { usesSasl, usesTls, type KafkaListener } from '../config/listeners.js';
import { jaasPlainUsers, parseJaasConfig, parsePlainUsers } from './jaas.js';
import { SslPrincipalMapper } from './principal.js';
import type { SaslSettings } from './sasl.js';
import { listenerTls, type ListenerTls } from './tls-options.js';

export interface ListenerSecurity {
  listener: KafkaListener;
  /** SSL and SASL_SSL: the TLS server settings. */
  tls: ListenerTls | null;
  /** SSL: how a client certificate's subject becomes a user name. */
  principalMapper: SslPrincipalMapper | null;
  /** SASL_PLAINTEXT and SASL_SSL. */
  sasl: SaslSettings | null;
}

/** The PLAIN users of a listener: its plain.sasl.jaas.config's user_<name> options, else strom.sasl.plain.users. */
function plainUsers(config: BrokerConfig, listener: string): Map<string, string> {
  const jaas = config.jaasConfig(listener, 'PLAIN');
  if (jaas !== null) return jaasPlainUsers(jaas, `listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config`);
  return parsePlainUsers(config.raw('strom.sasl.plain.users'));
}

export function listenerSecurity(config: BrokerConfig, listener: KafkaListener): ListenerSecurity {
  const protocol = listener.securityProtocol;
  const tls = usesTls(protocol) ? listenerTls(config, listener.name) : null;
  const principalMapper = protocol === 'SSL' ? new SslPrincipalMapper(config.listenerValue(listener.name, 'ssl.principal.mapping.rules') as string) : null;
  let sasl: SaslSettings | null = null;
  if (usesSasl(protocol)) {
    const mechanisms = config.listenerValue(listener.name, 'sasl.enabled.mechanisms') as string[];
    if (mechanisms.length === 0) throw new ConfigError(`listener ${listener.name} (${protocol}) has no SASL mechanism: set sasl.enabled.mechanisms (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
    // JAAS configs are checked even for mechanisms that do not read them (SCRAM's), as Kafka reads them all.
    for (const mechanism of mechanisms) {
      const jaas = config.jaasConfig(listener.name, mechanism);
      if (jaas !== null) parseJaasConfig(jaas, `listener.name.${listener.name.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`);
    }
    sasl = {
      listener: listener.name,
      mechanisms,
      plainUsers: mechanisms.includes('PLAIN') ? plainUsers(config, listener.name) : new Map(),
      reauthMs: config.listenerValue(listener.name, 'connections.max.reauth.ms') as number,
    };
  }
  return { listener, tls, principalMapper, sasl };
}
