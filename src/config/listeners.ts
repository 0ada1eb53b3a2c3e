// Kafka listeners as Kafka configures them: `listeners=NAME://host:port,...`, each name mapped
// to a security protocol by `listener.security.protocol.map` (by default each protocol's own
// name is a listener name: PLAINTEXT://, SSL://, SASL_PLAINTEXT://, SASL_SSL://), and
// settings given per listener as `listener.name.<name>.<key>` over the plain `<key>`
// (KIP-103), SASL login settings per listener and mechanism as
// `listener.name.<name>.<mechanism>.sasl.jaas.config`.
import { ConfigError, type Listener } from './config.js';

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A Kafka listener: its address and its security protocol. */
export interface KafkaListener extends Listener {
  securityProtocol: SecurityProtocol;
}

/** Whether a protocol encrypts (SSL, SASL_SSL) and whether it authenticates with SASL. */
export const usesTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol): boolean => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

/** `listener.security.protocol.map`: listener name (upper case) to its protocol. */
export function parseProtocolMap(entries: string[]): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of entries) {
    const m = /^([A-Za-z_][\w-]*):([A-Za-z_]+)$/.exec(entry.trim());
    const protocol = m?.[2].toUpperCase() as SecurityProtocol | undefined;
    if (!m || !SECURITY_PROTOCOLS.includes(protocol!)) {
      throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration listener.security.protocol.map: expected NAME:PROTOCOL with a protocol of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    const name = m[1].toUpperCase();
    if (map.has(name)) throw new ConfigError(`Invalid value for configuration listener.security.protocol.map: listener ${name} is mapped twice`);
    map.set(name, protocol!);
  }
  return map;
}

/**
 * `NAME://host:port` entries of `key` (listeners or advertised.listeners), each name mapped
 * to its protocol; names and (for listeners) ports must be distinct, as Kafka requires.
 */
export function parseListeners(key: string, entries: string[], protocols: ReadonlyMap<string, SecurityProtocol>): KafkaListener[] {
  const out: KafkaListener[] = [];
  for (const entry of entries) {
    const m = /^([A-Za-z_][\w-]*):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(entry);
    if (!m) throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration ${key}: expected NAME://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration ${key}: port out of range`);
    const name = m[1].toUpperCase();
    const securityProtocol = protocols.get(name);
    if (!securityProtocol) {
      throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration ${key}: no security protocol for listener ${name} in listener.security.protocol.map (add ${name}:PLAINTEXT, ${name}:SSL, ${name}:SASL_PLAINTEXT or ${name}:SASL_SSL)`);
    }
    if (out.some((l) => l.name === name)) throw new ConfigError(`Invalid value for configuration ${key}: listener name ${name} appears twice`);
    if (key === 'listeners' && port !== 0 && out.some((l) => l.port === port)) {
      throw new ConfigError(`Invalid value for configuration ${key}: port ${port} is used by two listeners`);
    }
    out.push({ name, host: m[2].replace(/^\[|\]$/g, ''), port, securityProtocol });
  }
  return out;
}

/** Keys that may be given per listener as `listener.name.<name>.<key>`. */
const LISTENER_KEYS: ReadonlySet<string> = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key',
  'ssl.keystore.certificate.chain', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.truststore.certificates', 'ssl.client.auth', 'ssl.enabled.protocols', 'ssl.cipher.suites', 'ssl.principal.mapping.rules', 'ssl.endpoint.identification.algorithm',
  'sasl.enabled.mechanisms', 'connections.max.reauth.ms', 'max.connections', 'max.connection.creation.rate',
]);

/** What a `listener.name.…` key sets: the listener, and the base key or the mechanism's JAAS config. */
type ListenerKey =
  | { listener: string; kind: 'key'; key: string }
  | { listener: string; kind: 'jaas'; mechanism: string };

/** Parses `listener.name.<l>.<key>` / `listener.name.<l>.<mechanism>.sasl.jaas.config`; null for other keys. */
export function parseListenerKey(key: string): ListenerKey | null {
  const m = /^listener\.name\.([a-z_][\w-]*)\.(.+)$/.exec(key);
  if (!m) return null;
  const listener = m[1].toUpperCase();
  if (LISTENER_KEYS.has(m[2])) return { listener, kind: 'key', key: m[2] };
  const jaas = /^([a-z0-9-]+)\.sasl\.jaas\.config$/.exec(m[2]);
  if (jaas) return { listener, kind: 'jaas', mechanism: jaas[1].toUpperCase() };
  return null;
}

/** The `listener.name.…` key of `key` for `listener` (Kafka lower-cases the listener name there). */
export function listenerKeyName(listener: string, key: string): string {
  return `listener.name.${listener.toLowerCase()}.${key}`;
}

/** The per-listener JAAS key of a mechanism: listener.name.<l>.<mechanism>.sasl.jaas.config. */
export function jaasKeyName(listener: string, mechanism: string): string {
  return listenerKeyName(listener, `${mechanism.toLowerCase()}.sasl.jaas.config`);
}
