// src/security/principal.ts: Kafka's principal form and ssl.principal.mapping.rules.
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, SslPrincipalMapper, rfc2253, user } from '../../../src/security/principal.js';

describe('principals', () => {
  it('are written Type:name and compared by both', () => {
    expect(String(ANONYMOUS)).toBe('User:ANONYMOUS');
    expect(String(user('alice'))).toBe('User:alice');
    expect(user('alice').equals(user('alice'))).toBe(true);
    expect(user('alice').equals(ANONYMOUS)).toBe(false);
  });

  it('of a certificate are its subject as RFC 2253 writes it, most specific first', () => {
    // Node's X509Certificate.subject: one attribute per line, in the certificate's order.
    expect(rfc2253('C=US\nO=Example\nOU=eng\nCN=alice\n')).toBe('CN=alice,OU=eng,O=Example,C=US');
  });
});

describe('ssl.principal.mapping.rules', () => {
  const subject = 'CN=Alice,OU=ServiceUsers,O=Example,C=US';

  it('DEFAULT keeps the subject', () => {
    expect(new SslPrincipalMapper('DEFAULT').map(subject)).toBe(subject);
    expect(new SslPrincipalMapper('').map(subject)).toBe(subject);
  });

  it('applies the first rule whose pattern matches the whole subject, with back-references and case changes', () => {
    const rules = new SslPrincipalMapper('RULE:^CN=(.*?),OU=Admins.*$/admin-$1/, RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT');
    expect(rules.map(subject)).toBe('alice');
    expect(rules.map('CN=Root,OU=Admins,O=X')).toBe('admin-Root');
    expect(rules.map('CN=x,O=Other')).toBe('CN=x,O=Other');
    expect(new SslPrincipalMapper('RULE:^CN=([^,]*).*$/$1/U').map(subject)).toBe('ALICE');
  });

  it('leaves a subject no rule applies to without a name (the client is refused)', () => {
    expect(new SslPrincipalMapper('RULE:^CN=(.*?),OU=Admins.*$/$1/').map(subject)).toBeNull();
  });

  it.each(['RULE:^CN=x', 'NOPE', 'RULE:(/x/'])('refuses the malformed %j', (text) => {
    expect(() => new SslPrincipalMapper(text)).toThrow(/ssl.principal.mapping.rules/);
  });
});
