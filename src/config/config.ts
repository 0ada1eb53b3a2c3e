// Broker configuration: Kafka's keys from a server.properties-style file, then environment
// variables, then --override flags (each later source wins). Unknown keys warn; bad values
// refuse to start with one line naming the key, the value and the reason.
import { readFileSync } from 'node:fs';
import { getProperties } from 'properties-file';
import {
  BROKER_CONFIG_BY_NAME, TOPIC_CONFIGS, TOPIC_CONFIG_BY_NAME, UNIT_FACTORS,
  type BrokerKey, type BrokerValue, type ConfigDef, type IntegerType, type NumberType, type TopicConfigDef, type TopicKey, type TopicValue,
} from './definitions.js';
import { parseListeners, parseListenerKey, parseProtocolMap, listenerKeyName, jaasKeyName, type KafkaListener, type SecurityProtocol } from './listeners.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type ConfigValue = string | number | boolean | string[];

/** Parses and checks a value against its definition; throws ConfigError. */
function parseValue(def: ConfigDef, raw: string): ConfigValue {
  const text = raw.trim();
  const bad = (why: string) => new ConfigError(`Invalid value ${JSON.stringify(raw)} for configuration ${def.name}: ${why}`);
  let value: ConfigValue;
  switch (def.type) {
    case 'boolean':
      if (!/^(true|false)$/i.test(text)) throw bad('expected true or false');
      value = text.toLowerCase() === 'true';
      break;
    case 'int': case 'short': case 'long': {
      if (!/^-?\d+$/.test(text)) throw bad('expected a whole number');
      const limit = def.type === 'int' ? 2n ** 31n : def.type === 'short' ? 2n ** 15n : 2n ** 63n;
      if (BigInt(text) >= limit || BigInt(text) < -limit) throw bad(`out of range for ${def.type}`);
      value = Number(text); // longs beyond 2^53 (Long.MAX_VALUE "never") only compare, never count
      break;
    }
    case 'double':
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw bad('expected a number');
      value = Number(text);
      break;
    case 'list':
      value = text === '' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (def.choices) for (const item of value) if (!def.choices.includes(item)) throw bad(`${item} is not one of ${def.choices.join(', ')}`);
      break;
    default:
      value = text;
      if (def.choices && !def.choices.includes(text)) throw bad(`expected one of ${def.choices.join(', ')}`);
  }
  if (typeof value === 'number') {
    if (def.min !== undefined && value < def.min) throw bad(`must be at least ${def.min}`);
    if (def.max !== undefined && value > def.max) throw bad(`must be at most ${def.max}`);
  }
  const refused = def.check?.(text);
  if (refused) throw bad(refused);
  return value;
}

/** A listener's address (name: the Kafka listener's name, or HTTP / HTTPS); an empty host means all interfaces. */
export interface Listener {
  name: string;
  host: string;
  port: number;
}

/** "http://host:port" and "https://host:port" entries (http.listeners); an empty host means all interfaces. */
export function parseHttpListeners(entries: string[]): Listener[] {
  return entries.filter((e) => e.trim() !== '').map((entry) => {
    const m = /^(https?):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/i.exec(entry.trim());
    if (!m || Number(m[3]) > 65535) throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration http.listeners: expected http://host:port or https://host:port`);
    return { name: m[1].toUpperCase(), host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
  });
}

/**
 * An origin as browsers serialize it in the Origin header (scheme://host[:port], lowercase
 * host, no default port), or null when the value is no http(s) origin. "null" (the origin
 * of sandboxed frames and local files) stays itself.
 */
export function normalizeOrigin(value: string): string | null {
  if (value === 'null') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  // Scheme and authority only (a trailing slash is tolerated in configuration), no user info.
  const bare = /^https?:\/\/[^/?#@]+\/?$/i.test(value);
  return bare ? `${url.protocol}//${url.host}` : null;
}

/** http.allowed.origins: normalized origins, or ['*'] for any. */
function parseAllowedOrigins(entries: string[]): string[] {
  if (entries.includes('*')) return ['*'];
  return entries.map((entry) => {
    const origin = normalizeOrigin(entry);
    if (origin === null) throw new ConfigError(`Invalid value ${JSON.stringify(entry)} for configuration http.allowed.origins: expected an origin such as http://localhost:3000, or *`);
    return origin;
  });
}

interface ConfigSources {
  /** A server.properties-style file. */
  file?: string;
  /** key=value strings, as kafka-server-start.sh --override takes them. */
  overrides?: string[];
  /** Environment (STROM_* and Docker-style KAFKA_* variables). */
  env?: NodeJS.ProcessEnv;
}

/** Environment variables that Kafka images use for the JVM, not for configuration. */
const NOT_CONFIG_ENV = /^KAFKA_(HEAP_OPTS|JVM_PERFORMANCE_OPTS|OPTS|JMX_OPTS|LOG4J_OPTS|GC_LOG_OPTS|DEBUG|HOME|VERSION|CLUSTER_ID|CFG_|NODE_ID_FILE)/;
/** Strom's own environment switches (the log level, assertions, the debug core, the tests' installs), not configuration. */
const NOT_CONFIG_STROM_ENV = /^STROM_(LOG_LEVEL|ASSERTIONS|CORE_DEBUG|TEST_INSTALL)$/;

/**
 * Config key for an environment variable: STROM_LOG_DIRS -> log.dirs; KAFKA_LOG_DIRS ->
 * log.dirs, spelled as Kafka's Docker images spell them (_ = ".", __ = "_", ___ = "-").
 */
export function envKey(variable: string): string | null {
  let rest: string;
  if (variable.startsWith('STROM_') && !NOT_CONFIG_STROM_ENV.test(variable)) rest = variable.slice(6);
  else if (variable.startsWith('KAFKA_') && !NOT_CONFIG_ENV.test(variable)) rest = variable.slice(6);
  else return null;
  const key = rest.toLowerCase().replace(/___/g, '\u0000').replace(/__/g, '\u0001').replace(/_/g, '.')
    .replace(/\u0000/g, '-').replace(/\u0001/g, '_');
  // STROM_APPEND_WORKERS -> strom.append.workers
  if (variable.startsWith('STROM_') && !BROKER_CONFIG_BY_NAME.has(key) && BROKER_CONFIG_BY_NAME.has(`strom.${key}`)) return `strom.${key}`;
  return key;
}

export class BrokerConfig {
  /** Values set explicitly (file, env, overrides), raw strings. */
  private readonly explicit: Map<string, string>;
  private readonly parsed = new Map<string, ConfigValue | null>();
  /** Keys changed at runtime (AlterConfigs on the broker). */
  private readonly dynamicValues = new Map<string, string>();
  readonly warnings: string[];
  /** Per-listener values (`listener.name.<l>.<key>`, and `…<mechanism>.sasl.jaas.config`), raw, by full key. */
  private readonly listenerValues = new Map<string, string>();

  constructor(explicit: Record<string, string> = {}, warnings: string[] = []) {
    this.explicit = new Map();
    this.warnings = [...warnings];
    for (const [key, raw] of Object.entries(explicit)) {
      const def = BROKER_CONFIG_BY_NAME.get(key);
      if (!def) {
        if (key === 'zookeeper.connect') throw new ConfigError('zookeeper.connect: Strom keeps cluster metadata in etcd, not ZooKeeper. Set etcd.connect=http://host:2379 (and etcd.prefix) instead, or leave both out to run one broker alone');
        const perListener = parseListenerKey(key);
        if (!perListener) {
          this.warnings.push(`Unknown configuration ${key} (ignored)`);
          continue;
        }
        // Checked as the key it stands for; a JAAS config is checked where it is read.
        if (perListener.kind === 'key') parseValue({ ...BROKER_CONFIG_BY_NAME.get(perListener.key)!, name: key }, raw);
        this.listenerValues.set(key, raw);
        continue;
      }
      this.parsed.set(key, parseValue(def, raw));
      this.explicit.set(key, raw);
    }
    // Cross-checks that refuse to start.
    const listeners = this.listeners;
    parseHttpListeners(this.list('http.listeners'));
    parseAllowedOrigins(this.list('http.allowed.origins'));
    if (this.explicit.has('advertised.listeners')) {
      for (const advertised of parseListeners('advertised.listeners', this.list('advertised.listeners'), this.protocolMap)) {
        if (!listeners.some((l) => l.name === advertised.name)) {
          throw new ConfigError(`Invalid value for configuration advertised.listeners: ${advertised.name} is not a listener (listeners: ${listeners.map((l) => l.name).join(', ')})`);
        }
      }
    }
    const interBroker = this.raw('inter.broker.listener.name');
    if (interBroker !== null) {
      // Kafka: it must name a listener, and security.inter.broker.protocol may not be set beside it.
      if (!listeners.some((l) => l.name === interBroker.toUpperCase())) {
        throw new ConfigError(`Invalid value ${JSON.stringify(interBroker)} for configuration inter.broker.listener.name: not a listener (listeners: ${listeners.map((l) => l.name).join(', ')})`);
      }
      if (this.explicit.has('security.inter.broker.protocol')) throw new ConfigError('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set');
    }
    for (const key of this.listenerValues.keys()) {
      const listener = parseListenerKey(key)!.listener;
      // HTTPS: the gateway's HTTPS listeners (listener.name.https.ssl.*).
      if (listener !== 'HTTPS' && !listeners.some((l) => l.name === listener)) this.warnings.push(`Configuration ${key} names no listener of listeners (ignored)`);
    }
    if (this.explicit.has('node.id') && this.explicit.has('broker.id') && this.int('node.id') !== this.int('broker.id')) {
      throw new ConfigError(`node.id (${this.raw('node.id')}) and broker.id (${this.raw('broker.id')}) differ`);
    }
    if (!this.clustered && this.int('default.replication.factor') > 1) {
      throw new ConfigError(`default.replication.factor ${this.int('default.replication.factor')}: one broker alone holds one replica; replication needs a cluster (etcd.connect)`);
    }
  }

  /** Loads the sources in order (file, env, overrides); throws ConfigError on bad values. */
  static load(sources: ConfigSources): BrokerConfig {
    const explicit: Record<string, string> = {};
    const warnings: string[] = [];
    if (sources.file) {
      let text: string;
      try {
        text = readFileSync(sources.file, 'utf8');
      } catch (e) {
        throw new ConfigError(`Cannot read config file ${sources.file}: ${(e as Error).message}`);
      }
      Object.assign(explicit, getProperties(text));
    }
    for (const [variable, value] of Object.entries(sources.env ?? {})) {
      const key = envKey(variable);
      if (key === null || value === undefined) continue;
      if (!BROKER_CONFIG_BY_NAME.has(key) && !parseListenerKey(key)) {
        warnings.push(`Unknown configuration ${key} from environment variable ${variable} (ignored)`);
        continue;
      }
      explicit[key] = value;
    }
    for (const override of sources.overrides ?? []) {
      const eq = override.indexOf('=');
      if (eq <= 0) throw new ConfigError(`Invalid --override ${JSON.stringify(override)}: expected key=value`);
      explicit[override.slice(0, eq).trim()] = override.slice(eq + 1);
    }
    return new BrokerConfig(explicit, warnings);
  }

  private value(key: string): ConfigValue | null {
    const dynamic = this.dynamicValues.get(key);
    if (dynamic !== undefined) return parseValue(BROKER_CONFIG_BY_NAME.get(key)!, dynamic);
    if (this.parsed.has(key)) return this.parsed.get(key)!;
    const def = BROKER_CONFIG_BY_NAME.get(key);
    if (!def) throw new Error(`no such broker config: ${key}`);
    return def.default === null ? null : parseValue(def, def.default);
  }

  /** The value as Kafka would print it, or null when unset without a default. */
  raw(key: string): string | null {
    return this.dynamicValues.get(key) ?? this.explicit.get(key) ?? BROKER_CONFIG_BY_NAME.get(key)?.default ?? null;
  }

  isExplicit(key: string): boolean {
    return this.explicit.has(key);
  }

  isDynamic(key: string): boolean {
    return this.dynamicValues.has(key);
  }

  // Typed by the definitions: a key of another type, or no key at all, does not compile, so the
  // casts below hold (parseValue gives each type its value). A key without a default may be null.

  int<K extends BrokerKey<IntegerType>>(key: K): BrokerValue<K> {
    return this.value(key) as BrokerValue<K>;
  }

  bool<K extends BrokerKey<'boolean'>>(key: K): BrokerValue<K> {
    return this.value(key) as BrokerValue<K>;
  }

  string<K extends BrokerKey<'string' | 'password' | 'class'>>(key: K): BrokerValue<K> {
    return this.value(key) as BrokerValue<K>;
  }

  /** A list; unset (no default) is empty. */
  list(key: BrokerKey<'list'>): string[] {
    return (this.value(key) as string[] | null) ?? [];
  }

  /** Sets (value) or removes (null) a runtime value of a dynamic key; throws ConfigError. */
  setDynamic(key: string, value: string | null): void {
    const def = BROKER_CONFIG_BY_NAME.get(key);
    if (!def) throw new ConfigError(`Unknown broker configuration ${key}`);
    if (!def.dynamic) throw new ConfigError(`Cannot update broker configuration ${key} at runtime`);
    if (value === null) this.dynamicValues.delete(key);
    else {
      parseValue(def, value);
      this.dynamicValues.set(key, value);
    }
  }

  /** Checks a dynamic change without applying it. */
  validateDynamic(key: string, value: string | null): void {
    const def = BROKER_CONFIG_BY_NAME.get(key);
    if (!def) throw new ConfigError(`Unknown broker configuration ${key}`);
    if (!def.dynamic) throw new ConfigError(`Cannot update broker configuration ${key} at runtime`);
    if (value !== null) parseValue(def, value);
  }

  dynamicEntries(): [string, string][] {
    return [...this.dynamicValues];
  }

  /** node.id, else broker.id (Kafka's older name) when only that is set. */
  /** Whether this broker is one of a cluster on etcd (etcd.connect set). */
  get clustered(): boolean {
    return this.list('etcd.connect').some((e) => e.trim() !== '');
  }

  get nodeId(): number {
    return (this.isExplicit('node.id') ? null : this.int('broker.id')) ?? this.int('node.id');
  }

  /** listener.security.protocol.map: listener name to security protocol. */
  get protocolMap(): Map<string, SecurityProtocol> {
    return parseProtocolMap(this.list('listener.security.protocol.map'));
  }

  get listeners(): KafkaListener[] {
    return parseListeners('listeners', this.list('listeners'), this.protocolMap);
  }

  /**
   * A per-listener key's value for `listener`: listener.name.<l>.<key> over <key> (null when
   * neither is set and the key has no default).
   */
  listenerValue(listener: string, key: string): ConfigValue | null {
    const raw = this.listenerValues.get(listenerKeyName(listener, key));
    return raw === undefined ? this.value(key) : parseValue(BROKER_CONFIG_BY_NAME.get(key)!, raw);
  }

  /** Whether `key` is set for `listener` itself (listener.name.<l>.<key>). */
  isListenerSpecific(listener: string, key: string): boolean {
    return this.listenerValues.has(listenerKeyName(listener, key));
  }

  /** A listener's JAAS config for a SASL mechanism (listener.name.<l>.<mechanism>.sasl.jaas.config), or null. */
  jaasConfig(listener: string, mechanism: string): string | null {
    return this.listenerValues.get(jaasKeyName(listener, mechanism)) ?? null;
  }

  /** The HTTP gateway's addresses (none: the gateway is off). */
  get httpListeners(): Listener[] {
    return parseHttpListeners(this.list('http.listeners'));
  }

  /** Origins of web pages allowed to use the gateway besides its own (['*']: any). */
  get httpAllowedOrigins(): string[] {
    return parseAllowedOrigins(this.list('http.allowed.origins'));
  }

  /** What Metadata tells clients: advertised.listeners, else listeners (empty host: the machine's name). */
  get advertisedListeners(): KafkaListener[] {
    return this.isExplicit('advertised.listeners') ? parseListeners('advertised.listeners', this.list('advertised.listeners'), this.protocolMap) : this.listeners;
  }

  get logDir(): string {
    const dirs = this.list('log.dirs');
    return dirs.length > 0 ? dirs[0] : this.string('log.dir');
  }

  /**
   * The default of a topic config, from its broker synonyms: log.retention.ms, else
   * log.retention.minutes, else log.retention.hours (in the topic key's unit).
   */
  topicDefault(topicKey: string): { value: string; source: string | null } {
    const def = TOPIC_CONFIG_BY_NAME.get(topicKey);
    if (!def) throw new Error(`no such topic config: ${topicKey}`);
    for (const synonym of def.brokerSynonyms) {
      if (this.isExplicit(synonym) || this.isDynamic(synonym)) return { value: this.topicValueOf(synonym, def), source: synonym };
    }
    // Nothing set: the first synonym with a default (e.g. log.retention.hours' 168), else Kafka's topic default.
    for (const synonym of def.brokerSynonyms) {
      if (BROKER_CONFIG_BY_NAME.get(synonym)?.default !== null) return { value: this.topicValueOf(synonym, def), source: null };
    }
    return { value: def.default!, source: null };
  }

  private topicValueOf(brokerKey: string, def: TopicConfigDef): string {
    const raw = this.raw(brokerKey)!;
    const factor = UNIT_FACTORS[brokerKey];
    if (factor === undefined || raw === '-1') return raw;
    return String(Number(raw) * factor);
  }
}

/** A topic's effective configuration: its overrides over the broker's topic defaults. */
export class TopicConfig {
  private readonly values = new Map<string, ConfigValue>();

  constructor(readonly broker: BrokerConfig, readonly overrides: Record<string, string>) {
    for (const def of TOPIC_CONFIGS) {
      const raw = overrides[def.name] ?? broker.topicDefault(def.name).value;
      this.values.set(def.name, parseValue(def, raw));
    }
  }

  /** Validates topic overrides; throws ConfigError naming the first bad key. */
  static validate(overrides: Record<string, string>): void {
    for (const [key, raw] of Object.entries(overrides)) {
      const def = TOPIC_CONFIG_BY_NAME.get(key);
      if (!def) throw new ConfigError(`Unknown topic config name: ${key}`);
      if (raw === null) throw new ConfigError(`Null value not supported for topic configs: ${key}`);
      parseValue(def, raw);
    }
  }

  // Typed by the definitions, as BrokerConfig's accessors.

  number<K extends TopicKey<NumberType>>(key: K): TopicValue<K> {
    return this.values.get(key) as TopicValue<K>;
  }

  string<K extends TopicKey<'string'>>(key: K): TopicValue<K> {
    return this.values.get(key) as TopicValue<K>;
  }

  list<K extends TopicKey<'list'>>(key: K): TopicValue<K> {
    return this.values.get(key) as TopicValue<K>;
  }

  bool<K extends TopicKey<'boolean'>>(key: K): TopicValue<K> {
    return this.values.get(key) as TopicValue<K>;
  }

  raw(key: string): string {
    return this.overrides[key] ?? this.broker.topicDefault(key).value;
  }

  get logAppendTime(): boolean {
    return this.string('message.timestamp.type') === 'LogAppendTime';
  }
}
