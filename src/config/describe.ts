// Configs as DescribeConfigs (and CreateTopics v5+) report them: value, where it comes
// from, and its synonyms — the keys that could give it, most specific first (KIP-226).
import { BROKER_CONFIGS, BROKER_CONFIG_BY_NAME, TOPIC_CONFIGS, CONFIG_TYPE_CODES } from './definitions.js';
import type { BrokerConfig } from './config.js';

/** DescribeConfigs ConfigSource values. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  type: number;
  documentation: string;
}

function brokerSource(broker: BrokerConfig, key: string): number {
  if (broker.isDynamic(key)) return ConfigSource.DYNAMIC_BROKER_CONFIG;
  if (broker.isExplicit(key)) return ConfigSource.STATIC_BROKER_CONFIG;
  return ConfigSource.DEFAULT_CONFIG;
}

/** A broker key's synonym entries: dynamic, static and default values that are set. */
function brokerSynonyms(broker: BrokerConfig, key: string): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const def = BROKER_CONFIG_BY_NAME.get(key);
  if (broker.isDynamic(key)) out.push({ name: key, value: broker.raw(key), source: ConfigSource.DYNAMIC_BROKER_CONFIG });
  if (broker.isExplicit(key)) out.push({ name: key, value: broker.raw(key), source: ConfigSource.STATIC_BROKER_CONFIG });
  if (def?.default !== null && def?.default !== undefined) out.push({ name: key, value: def.default, source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

export function describeTopicConfigs(broker: BrokerConfig, overrides: Record<string, string>): DescribedConfig[] {
  return TOPIC_CONFIGS.map((def) => {
    const override = overrides[def.name];
    const synonyms: ConfigSynonym[] = [];
    if (override !== undefined) synonyms.push({ name: def.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    for (const key of def.brokerSynonyms) synonyms.push(...brokerSynonyms(broker, key));
    let source: number = override !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG;
    if (override === undefined) {
      const from = broker.topicDefault(def.name).source;
      if (from) source = brokerSource(broker, from) === ConfigSource.DYNAMIC_BROKER_CONFIG ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : brokerSource(broker, from);
    }
    return {
      name: def.name,
      value: override ?? broker.topicDefault(def.name).value,
      readOnly: false,
      source,
      isSensitive: def.type === 'password',
      synonyms,
      type: CONFIG_TYPE_CODES[def.type],
      documentation: def.doc,
    };
  });
}

export function describeBrokerConfigs(broker: BrokerConfig): DescribedConfig[] {
  return BROKER_CONFIGS.map((def) => ({
    name: def.name,
    value: def.type === 'password' ? null : broker.raw(def.name),
    readOnly: !def.dynamic,
    source: brokerSource(broker, def.name),
    isSensitive: def.type === 'password',
    synonyms: brokerSynonyms(broker, def.name),
    type: CONFIG_TYPE_CODES[def.type],
    documentation: def.doc,
  }));
}
