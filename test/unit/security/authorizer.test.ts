// src/security/authorizer.ts: Kafka's authorizer semantics — super users, literal, wildcard
// and prefixed patterns, principals and hosts (with wildcards), DENY over ALLOW, the implied
// operations, allow.everyone.if.no.acl.found, authorizeByResourceType — and the class names
// and super.users parsing.
import { describe, expect, it } from 'vitest';
import { AclAuthorizer, authorizerEnabled, normalizeHost, parseSuperUsers, type Requester } from '../../../src/security/authorizer.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType, type AclBinding } from '../../../src/security/acl.js';
import type { AclStore } from '../../../src/security/acl-store.js';
import { user } from '../../../src/security/principal.js';

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

class MemoryStore implements AclStore {
  readonly list: AclBinding[] = [];
  private readonly listeners: (() => void)[] = [];
  bindings() { return this.list; }
  async add(bs: AclBinding[]) { this.list.push(...bs); for (const l of this.listeners) l(); }
  async remove(bs: AclBinding[]) { for (const b of bs) this.list.splice(this.list.indexOf(b), 1); for (const l of this.listeners) l(); }
  onChange(l: () => void) { this.listeners.push(l); }
}

interface Rule { type?: number; name: string; pattern?: number; principal?: string; host?: string; op: number; deny?: boolean }
const rule = (r: Rule): AclBinding => ({
  pattern: { resourceType: r.type ?? ResourceType.TOPIC, name: r.name, patternType: r.pattern ?? PatternType.LITERAL },
  entry: { principal: r.principal ?? 'User:alice', host: r.host ?? '*', operation: r.op, permission: r.deny ? AclPermission.DENY : AclPermission.ALLOW },
});

function authorizer(rules: Rule[], options: { superUsers?: string[]; allowIfNoAcl?: boolean } = {}): { a: AclAuthorizer; store: MemoryStore } {
  const store = new MemoryStore();
  store.list.push(...rules.map(rule));
  return { a: new AclAuthorizer(store, new Set(options.superUsers ?? []), options.allowIfNoAcl ?? false, silent), store };
}

const alice: Requester = { principal: user('alice'), clientHost: '10.0.0.1' };
const bob: Requester = { principal: user('bob'), clientHost: '10.0.0.2' };
const topic = (a: AclAuthorizer, who: Requester, op: number, name: string) => a.authorize(who, op, ResourceType.TOPIC, name);

describe('AclAuthorizer.authorize', () => {
  it('allows what a literal ALLOW names, for its principal only', () => {
    const { a } = authorizer([{ name: 'orders', op: Op.WRITE }]);
    expect(topic(a, alice, Op.WRITE, 'orders')).toBe(true);
    expect(topic(a, alice, Op.READ, 'orders')).toBe(false);
    expect(topic(a, alice, Op.WRITE, 'orders2')).toBe(false);
    expect(topic(a, bob, Op.WRITE, 'orders')).toBe(false);
  });

  it('READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL allows every operation', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
      expect(topic(authorizer([{ name: 't', op }]).a, alice, Op.DESCRIBE, 't')).toBe(true);
    }
    expect(topic(authorizer([{ name: 't', op: Op.CREATE }]).a, alice, Op.DESCRIBE, 't')).toBe(false);
    expect(topic(authorizer([{ name: 't', op: Op.ALTER_CONFIGS }]).a, alice, Op.DESCRIBE_CONFIGS, 't')).toBe(true);
    expect(topic(authorizer([{ name: 't', op: Op.DESCRIBE }]).a, alice, Op.READ, 't')).toBe(false);
    const { a } = authorizer([{ name: 't', op: Op.ALL }]);
    for (const op of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS]) expect(topic(a, alice, op, 't')).toBe(true);
  });

  it('the wildcard resource, User:* and host * apply to everyone', () => {
    const { a } = authorizer([{ name: '*', principal: 'User:*', op: Op.READ }]);
    expect(topic(a, bob, Op.READ, 'anything')).toBe(true);
    expect(topic(a, bob, Op.WRITE, 'anything')).toBe(false);
  });

  it('a PREFIXED pattern applies to every name that starts with it', () => {
    const { a } = authorizer([{ name: 'team-a.', pattern: PatternType.PREFIXED, op: Op.READ }]);
    expect(topic(a, alice, Op.READ, 'team-a.orders')).toBe(true);
    expect(topic(a, alice, Op.READ, 'team-a.')).toBe(true);
    expect(topic(a, alice, Op.READ, 'team-b.orders')).toBe(false);
    expect(topic(a, alice, Op.READ, 'team-a')).toBe(false);
  });

  it('a DENY wins over any ALLOW, from any pattern; a DENY implies nothing but its operation', () => {
    const { a } = authorizer([
      { name: '*', op: Op.ALL },
      { name: 'secret', pattern: PatternType.PREFIXED, op: Op.READ, deny: true },
    ]);
    expect(topic(a, alice, Op.READ, 'public')).toBe(true);
    expect(topic(a, alice, Op.READ, 'secret-plans')).toBe(false);
    expect(topic(a, alice, Op.DESCRIBE, 'secret-plans')).toBe(true);
    expect(topic(authorizer([{ name: 't', op: Op.ALL }, { name: 't', op: Op.ALL, deny: true }]).a, alice, Op.DESCRIBE, 't')).toBe(false);
  });

  it('a host restricts an entry to that client address (an IPv4 client of a dual-stack socket included)', () => {
    const { a } = authorizer([{ name: 't', op: Op.READ, host: '10.0.0.1' }]);
    expect(topic(a, alice, Op.READ, 't')).toBe(true);
    expect(topic(a, { ...alice, clientHost: '::ffff:10.0.0.1' }, Op.READ, 't')).toBe(true);
    expect(topic(a, { ...alice, clientHost: '10.0.0.9' }, Op.READ, 't')).toBe(false);
    expect(normalizeHost('::1')).toBe('::1');
  });

  it('super users may do everything, even what a DENY names', () => {
    const { a } = authorizer([{ name: '*', principal: 'User:*', op: Op.ALL, deny: true }], { superUsers: ['User:admin'] });
    expect(topic(a, { principal: user('admin'), clientHost: '10.0.0.3' }, Op.DELETE, 't')).toBe(true);
    expect(topic(a, alice, Op.DESCRIBE, 't')).toBe(false);
  });

  it('a resource no ACL applies to is denied, or allowed with allow.everyone.if.no.acl.found', () => {
    expect(topic(authorizer([]).a, alice, Op.READ, 't')).toBe(false);
    const open = authorizer([{ name: 'closed', op: Op.READ, principal: 'User:carol' }], { allowIfNoAcl: true }).a;
    expect(topic(open, alice, Op.READ, 't')).toBe(true);
    expect(open.authorize(alice, Op.READ, ResourceType.GROUP, 'g')).toBe(true);
    // An ACL for the resource, of anyone, closes it to the others.
    expect(topic(open, alice, Op.READ, 'closed')).toBe(false);
  });

  it('resource types are apart: a topic ACL says nothing of a group of that name', () => {
    const { a } = authorizer([{ name: 'x', op: Op.READ }]);
    expect(a.authorize(alice, Op.READ, ResourceType.GROUP, 'x')).toBe(false);
  });

  it('sees a change of its store at the next check', async () => {
    const { a, store } = authorizer([]);
    expect(topic(a, alice, Op.READ, 't')).toBe(false);
    await store.add([rule({ name: 't', op: Op.READ })]);
    expect(topic(a, alice, Op.READ, 't')).toBe(true);
    await store.remove([store.list[0]]);
    expect(topic(a, alice, Op.READ, 't')).toBe(false);
  });
});

describe('AclAuthorizer.authorizeByResourceType', () => {
  it('allows when some topic may be written, not shadowed by a DENY', () => {
    expect(authorizer([{ name: 'logs', op: Op.WRITE }]).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(authorizer([{ name: 'logs', pattern: PatternType.PREFIXED, op: Op.WRITE }]).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(authorizer([{ name: 'logs', op: Op.READ }]).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(authorizer([{ name: 'logs', op: Op.WRITE }, { name: 'lo', pattern: PatternType.PREFIXED, op: Op.WRITE, deny: true }]).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(authorizer([{ name: 'logs', op: Op.WRITE }, { name: '*', op: Op.WRITE, deny: true }]).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(authorizer([], { superUsers: ['User:alice'] }).a.authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC)).toBe(true);
  });
});

describe('configuration', () => {
  it("takes Kafka's authorizer class names, and none", () => {
    expect(authorizerEnabled('')).toBe(false);
    expect(authorizerEnabled(null)).toBe(false);
    expect(authorizerEnabled('org.apache.kafka.metadata.authorizer.StandardAuthorizer')).toBe(true);
    expect(authorizerEnabled('kafka.security.authorizer.AclAuthorizer')).toBe(true);
    expect(() => authorizerEnabled('com.example.MyAuthorizer')).toThrow(/Strom has one authorizer/);
  });

  it('super.users are separated by semicolons, so a principal may hold commas', () => {
    expect([...parseSuperUsers('User:admin; User:CN=broker,O=Example;')]).toEqual(['User:admin', 'User:CN=broker,O=Example']);
    expect(() => parseSuperUsers('admin')).toThrow(/not a principal/);
  });
});
