// JAAS login configuration strings, as Kafka's sasl.jaas.config takes them:
//   org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";
// one or more modules, each a class name, a control flag and key=value options (values quoted
// with " and backslash escapes, or bare words), ended by ';'. The broker reads its PLAIN
// users from the user_<name>="<password>" options; clients their username and password.
import { ConfigError } from '../config/config.js';

interface JaasModule {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Parses a JAAS config; throws ConfigError naming `key` on a malformed one. */
export function parseJaasConfig(text: string, key: string): JaasModule[] {
  const bad = (why: string) => new ConfigError(`Invalid value for configuration ${key}: ${why} (expected e.g. org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="secret";)`);
  const tokens: { text: string; quoted: boolean }[] = [];
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw bad('an unterminated quoted value');
        const d = text[i++];
        if (d === '"') break;
        if (d === '\\' && i < text.length) value += text[i++];
        else value += d;
      }
      tokens.push({ text: value, quoted: true });
    } else if (c === '=' || c === ';') {
      tokens.push({ text: c, quoted: false });
      i++;
    } else {
      const m = /^[^\s=;"]+/.exec(text.slice(i))!;
      tokens.push({ text: m[0], quoted: false });
      i += m[0].length;
    }
  }
  const modules: JaasModule[] = [];
  let t = 0;
  const next = () => tokens[t++];
  while (t < tokens.length) {
    const loginModule = next();
    const flag = next();
    if (!loginModule || loginModule.quoted || !flag || !FLAGS.has(flag.text.toLowerCase())) throw bad('a login module class and a control flag (required) come first');
    const options = new Map<string, string>();
    for (;;) {
      const name = next();
      if (!name) throw bad('a missing ";" at the end');
      if (name.text === ';' && !name.quoted) break;
      const eq = next();
      const value = next();
      if (name.quoted || eq?.text !== '=' || eq.quoted || !value || (!value.quoted && (value.text === ';' || value.text === '='))) throw bad(`a malformed option near ${JSON.stringify(name.text)}`);
      options.set(name.text, value.text);
    }
    modules.push({ loginModule: loginModule.text, flag: flag.text.toLowerCase(), options });
  }
  if (modules.length === 0) throw bad('no login module');
  return modules;
}

/** The broker's PLAIN users in a JAAS config: its user_<name>="<password>" options. */
export function jaasPlainUsers(text: string, key: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const module of parseJaasConfig(text, key)) {
    for (const [option, value] of module.options) if (option.startsWith('user_') && option.length > 5) users.set(option.slice(5), value);
  }
  return users;
}

/** A client's username and password in a JAAS config (the first module that has both). */
export function jaasCredentials(text: string, key: string): { username: string; password: string } {
  for (const module of parseJaasConfig(text, key)) {
    const username = module.options.get('username');
    const password = module.options.get('password');
    if (username !== undefined && password !== undefined) return { username, password };
  }
  throw new ConfigError(`Invalid value for configuration ${key}: no username="..." password="..." options`);
}

/** strom.sasl.plain.users: name:password pairs, comma-separated. */
export function parsePlainUsers(text: string | null): Map<string, string> {
  const users = new Map<string, string>();
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ConfigError('Invalid value for configuration strom.sasl.plain.users: expected name:password pairs, comma-separated');
    users.set(entry.slice(0, colon), entry.slice(colon + 1));
  }
  return users;
}
