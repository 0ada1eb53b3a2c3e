// src/security/jaas.ts: sasl.jaas.config strings as Kafka writes them, the broker's PLAIN
// users (user_<name> options), a client's credentials, and strom.sasl.plain.users.
import { describe, expect, it } from 'vitest';
import { jaasCredentials, jaasPlainUsers, parseJaasConfig, parsePlainUsers } from '../../../src/security/jaas.js';

const KEY = 'listener.name.sasl_ssl.plain.sasl.jaas.config';

describe('JAAS configs', () => {
  it('reads a broker\'s PLAIN users, quoted values with escapes, several modules', () => {
    const text = 'org.apache.kafka.common.security.plain.PlainLoginModule required\n  username="admin"\n  password="admin-secret"\n  user_admin="admin-secret"\n  user_alice="a \\"quoted\\" p=w;d";';
    expect(jaasPlainUsers(text, KEY)).toEqual(new Map([['admin', 'admin-secret'], ['alice', 'a "quoted" p=w;d']]));
    const two = parseJaasConfig('a.B required x=1; c.D optional y="2";', KEY);
    expect(two.map((m) => [m.loginModule, m.flag, [...m.options]])).toEqual([['a.B', 'required', [['x', '1']]], ['c.D', 'optional', [['y', '2']]]]);
  });

  it('reads a client\'s username and password', () => {
    expect(jaasCredentials('org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="s3cret";', 'sasl.jaas.config')).toEqual({ username: 'bob', password: 's3cret' });
    expect(() => jaasCredentials('x.Y required username="bob";', 'sasl.jaas.config')).toThrow(/no username="..." password="..." options/);
  });

  it.each([
    ['a.B required user_x="1"', /missing ";"/],
    ['a.B maybe x=1;', /control flag/],
    ['a.B required x="unterminated;', /unterminated/],
    ['a.B required =1;', /malformed option/],
    ['', /no login module/],
  ])('refuses %j naming the key', (text, why) => {
    expect(() => parseJaasConfig(text, KEY)).toThrow(why);
    expect(() => parseJaasConfig(text, KEY)).toThrow(KEY);
  });
});

describe('strom.sasl.plain.users', () => {
  it('reads name:password pairs (a password may hold colons)', () => {
    expect(parsePlainUsers('alice:a, bob:b:c')).toEqual(new Map([['alice', 'a'], ['bob', 'b:c']]));
    expect(parsePlainUsers(null).size).toBe(0);
    expect(() => parsePlainUsers('alice')).toThrow(/name:password pairs/);
  });
});
