// Who a request comes from, in Kafka's form (KafkaPrincipal): a type and a name, written
// `User:alice`; `User:ANONYMOUS` on PLAINTEXT listeners and on TLS without a client
// certificate. The principal of an SSL listener's client is its certificate's subject
// (RFC 2253, as Java's X500Principal.getName() writes it) mapped by ssl.principal.mapping.rules.
import { ConfigError } from '../config/config.js';

export class KafkaPrincipal {
  constructor(readonly type: string, readonly name: string) {}

  toString(): string {
    return `${this.type}:${this.name}`;
  }

  equals(other: KafkaPrincipal): boolean {
    return this.type === other.type && this.name === other.name;
  }
}

const USER_TYPE = 'User';
export const ANONYMOUS = new KafkaPrincipal(USER_TYPE, 'ANONYMOUS');

export const user = (name: string): KafkaPrincipal => new KafkaPrincipal(USER_TYPE, name);

/**
 * A certificate subject as RFC 2253 writes it, from Node's X509Certificate.subject (one
 * attribute per line, in the certificate's order, values escaped as RFC 2253 asks): the most
 * specific attribute first, comma-separated.
 */
export function rfc2253(subjectLines: string): string {
  return subjectLines.split('\n').filter((l) => l !== '').reverse().join(',');
}

interface Rule {
  /** null: DEFAULT (the subject as it is). */
  pattern: RegExp | null;
  whole: RegExp | null;
  replacement: string;
  caseChange: '' | 'L' | 'U';
}

/**
 * ssl.principal.mapping.rules: `RULE:pattern/replacement/[LU]` entries and `DEFAULT`, comma-
 * separated, tried in order; the first rule whose pattern matches the whole subject gives the
 * name (its replacement applied to every match, then lower- or upper-cased), as Kafka's
 * SslPrincipalMapper. Throws ConfigError on a malformed list.
 */
export class SslPrincipalMapper {
  private readonly rules: Rule[] = [];

  constructor(readonly text: string) {
    const entry = /\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))\s*(?:,|$)/y;
    let at = 0;
    while (at < text.length) {
      entry.lastIndex = at;
      const m = entry.exec(text);
      if (!m || m[0] === '') throw new ConfigError(`Invalid value ${JSON.stringify(text)} for configuration ssl.principal.mapping.rules: expected RULE:pattern/replacement/[LU] or DEFAULT entries, comma-separated (at ${JSON.stringify(text.slice(at))})`);
      at = entry.lastIndex;
      if (m[1]) {
        this.rules.push({ pattern: null, whole: null, replacement: '', caseChange: '' });
        continue;
      }
      try {
        // Java's $1 back-references are JavaScript's too.
        this.rules.push({ pattern: new RegExp(m[2], 'g'), whole: new RegExp(`^(?:${m[2]})$`), replacement: m[3], caseChange: m[4] as '' | 'L' | 'U' });
      } catch (e) {
        throw new ConfigError(`Invalid value ${JSON.stringify(text)} for configuration ssl.principal.mapping.rules: ${(e as Error).message}`);
      }
    }
    if (this.rules.length === 0) this.rules.push({ pattern: null, whole: null, replacement: '', caseChange: '' });
  }

  /** The user name for a subject, or null when no rule applies (the client is refused). */
  map(subject: string): string | null {
    for (const rule of this.rules) {
      if (!rule.pattern || !rule.whole) return subject;
      if (!rule.whole.test(subject)) continue;
      const name = subject.replace(rule.pattern, rule.replacement);
      return rule.caseChange === 'L' ? name.toLowerCase() : rule.caseChange === 'U' ? name.toUpperCase() : name;
    }
    return null;
  }
}
