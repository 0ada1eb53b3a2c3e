// The ACL authorizer (authorizer.class.name: Kafka's StandardAuthorizer, or AclAuthorizer of
// ZooKeeper days, both served by this one), with Kafka's semantics:
//   - a principal of super.users may do everything;
//   - the ACLs that apply to a resource are its LITERAL name's, the LITERAL wildcard "*"'s of
//     its type, and every PREFIXED pattern its name starts with; of those, an entry applies
//     when its principal is the client's or User:*, and its host the client's address or *;
//   - a DENY of the operation (or of ALL) wins over any ALLOW; an ALLOW of the operation, of
//     ALL, or of one implying it (READ, WRITE, DELETE, ALTER imply DESCRIBE; ALTER_CONFIGS
//     implies DESCRIBE_CONFIGS) allows;
//   - a resource no ACL applies to at all is allowed only with allow.everyone.if.no.acl.found.
// The bindings are indexed by resource type and name (literal names in a Map, prefixes in a
// Map keyed by prefix, looked up only at the prefix lengths that exist), rebuilt lazily after
// a change of the store, so a check is a few Map lookups whatever the number of ACLs.
import { ConfigError } from '../config/config.js';
import {
  AclOperation, AclPermission, IMPLIED_BY, PatternType, SUPPORTED_OPERATIONS, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE,
  operationName, resourceTypeName, type AclBinding, type AccessControlEntry,
} from './acl.js';
import type { AclStore } from './acl-store.js';
import type { KafkaPrincipal } from './principal.js';
import type { Logger } from '../base/logger.js';

/** authorizer.class.name values that turn the ACL authorizer on (Kafka's class names and Strom's own). */
const AUTHORIZER_CLASS_NAMES = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
  'kafka.security.auth.SimpleAclAuthorizer',
  'strom.security.AclAuthorizer',
] as const;

/** Whether authorizer.class.name asks for the ACL authorizer; throws ConfigError for a class Strom does not have. */
export function authorizerEnabled(className: string | null): boolean {
  if (className === null || className.trim() === '') return false;
  if ((AUTHORIZER_CLASS_NAMES as readonly string[]).includes(className.trim())) return true;
  throw new ConfigError(`authorizer.class.name=${className}: Strom has one authorizer, Kafka's ACL authorizer; set one of ${AUTHORIZER_CLASS_NAMES.join(', ')}, or leave it empty for none`);
}

/** super.users: principals separated by semicolons (a principal may hold commas: User:CN=a,O=b). */
export function parseSuperUsers(text: string | null): Set<string> {
  const users = new Set<string>();
  for (const item of (text ?? '').split(';')) {
    const principal = item.trim();
    if (principal === '') continue;
    if (principal.indexOf(':') <= 0) throw new ConfigError(`super.users: ${JSON.stringify(principal)} is not a principal (Type:name, e.g. User:admin; entries separated by ;)`);
    users.add(principal);
  }
  return users;
}

/** A request's point of view: who and from where. */
export interface Requester {
  readonly principal: KafkaPrincipal;
  /** The client's IP address. */
  readonly clientHost: string;
}

interface TypeIndex {
  literal: Map<string, AccessControlEntry[]>;
  prefixed: Map<string, AccessControlEntry[]>;
  /** Lengths of the prefixes stored, ascending. */
  prefixLengths: number[];
}

/** Names whose decision is kept per principal, address, operation and resource type. */
const DECISIONS_PER_ACTION_MAX = 10_000;
/** A denial is logged once per principal, host, operation and resource in this long. */
const DENIAL_LOG_INTERVAL_MS = 60_000;
/** Denials remembered for that; past it the memory starts over. */
const DENIAL_LOG_MAX_KEYS = 10_000;

export class AclAuthorizer {
  private index = new Map<number, TypeIndex>();
  private dirty = true;
  /** Decisions made since the ACLs last changed: principal -> client address -> operation and type -> name. */
  private decisions = new WeakMap<KafkaPrincipal, Map<string, Map<number, Map<string, boolean>>>>();
  private readonly deniedLogged = new Map<string, number>();

  constructor(
    readonly store: AclStore,
    private readonly superUsers: ReadonlySet<string>,
    private readonly allowIfNoAcl: boolean,
    private readonly logger: Logger,
  ) {
    store.onChange(() => { this.dirty = true; });
  }

  /**
   * Logs a denial a request was refused for (Kafka's authorizer logs these at INFO), at most
   * once a minute for the same principal, host, operation and resource.
   */
  logDenied(who: Requester, operation: number, resourceType: number, name: string, api: string): void {
    const what = `Principal = ${who.principal.type}:${who.principal.name} is Denied operation = ${operationName(operation)} from host = ${normalizeHost(who.clientHost)} on resource = ${resourceTypeName(resourceType)}:${name}`;
    const now = Date.now();
    if ((this.deniedLogged.get(what) ?? -Infinity) > now - DENIAL_LOG_INTERVAL_MS) return;
    if (this.deniedLogged.size >= DENIAL_LOG_MAX_KEYS) this.deniedLogged.clear();
    this.deniedLogged.set(what, now);
    this.logger.info(`${what} for request = ${api}`);
  }

  isSuperUser(principal: KafkaPrincipal): boolean {
    return this.superUsers.has(`${principal.type}:${principal.name}`);
  }

  /** Whether the requester may perform `operation` on the resource of `resourceType` named `name`. */
  authorize(who: Requester, operation: number, resourceType: number, name: string): boolean {
    if (this.dirty) this.rebuild();
    // The decision of a check asked before by this principal object from this address, until
    // the ACLs change: a produce request asks the same question of the same topic each time.
    let byHost = this.decisions.get(who.principal);
    if (!byHost) this.decisions.set(who.principal, (byHost = new Map()));
    let byAction = byHost.get(who.clientHost);
    if (!byAction) byHost.set(who.clientHost, (byAction = new Map()));
    const action = operation * 16 + resourceType;
    let byName = byAction.get(action);
    if (!byName) byAction.set(action, (byName = new Map()));
    const known = byName.get(name);
    if (known !== undefined) return known;
    const decision = this.decide(who, operation, resourceType, name);
    // Bounded: a principal asking of ever new names starts over.
    if (byName.size >= DECISIONS_PER_ACTION_MAX) byName.clear();
    byName.set(name, decision);
    return decision;
  }

  private decide(who: Requester, operation: number, resourceType: number, name: string): boolean {
    const principal = `${who.principal.type}:${who.principal.name}`;
    if (this.superUsers.has(principal)) return true;
    const index = this.index.get(resourceType);
    if (!index) return this.allowIfNoAcl;
    const host = normalizeHost(who.clientHost);
    const implying = IMPLIED_BY.get(operation) ?? null;
    let verdict = match(index.literal.get(name), principal, host, operation, implying)
      | match(index.literal.get(WILDCARD_RESOURCE), principal, host, operation, implying);
    if (verdict & DENIED) return false;
    for (const length of index.prefixLengths) {
      if (length > name.length) break;
      verdict |= match(index.prefixed.get(name.slice(0, length)), principal, host, operation, implying);
      if (verdict & DENIED) return false;
    }
    return verdict & FOUND ? (verdict & ALLOWED) !== 0 : this.allowIfNoAcl;
  }

  /** The operations of the resource the requester may perform, as a KIP-430 bitfield. */
  authorizedOperations(who: Requester, resourceType: number, name: string): number {
    let bits = 0;
    for (const op of SUPPORTED_OPERATIONS.get(resourceType) ?? []) if (this.authorize(who, op, resourceType, name)) bits |= 1 << op;
    return bits;
  }

  /**
   * Whether the requester may perform `operation` on some resource of the type (Kafka's
   * Authorizer.authorizeByResourceType, which InitProducerId asks for WRITE on any topic):
   * allowed where a made-up name is (super users, allow.everyone.if.no.acl.found, wildcard
   * ACLs); denied by a DENY on the wildcard; else allowed by an ALLOW of the operation on a
   * name or prefix that no DENY of the operation covers.
   */
  authorizeByResourceType(who: Requester, operation: number, resourceType: number): boolean {
    if (this.authorize(who, operation, resourceType, 'hardcode')) return true;
    const index = this.typeIndex(resourceType);
    if (!index) return false;
    const principal = `${who.principal.type}:${who.principal.name}`;
    const host = normalizeHost(who.clientHost);
    const applies = (e: AccessControlEntry, permission: number) => e.permission === permission
      && (e.principal === principal || e.principal === WILDCARD_PRINCIPAL)
      && (e.host === host || e.host === WILDCARD_HOST)
      && (e.operation === operation || e.operation === AclOperation.ALL);
    const names = (map: Map<string, AccessControlEntry[]>, permission: number) => [...map].filter(([, es]) => es.some((e) => applies(e, permission))).map(([n]) => n);
    const deniedLiterals = new Set(names(index.literal, AclPermission.DENY));
    if (deniedLiterals.has(WILDCARD_RESOURCE)) return false;
    const deniedPrefixes = names(index.prefixed, AclPermission.DENY);
    const covered = (name: string) => deniedPrefixes.some((p) => name.startsWith(p));
    if (names(index.prefixed, AclPermission.ALLOW).some((p) => !covered(p))) return true;
    return names(index.literal, AclPermission.ALLOW).some((n) => !deniedLiterals.has(n) && !covered(n));
  }

  private typeIndex(resourceType: number): TypeIndex | undefined {
    if (this.dirty) this.rebuild();
    return this.index.get(resourceType);
  }

  private rebuild(): void {
    const index = new Map<number, TypeIndex>();
    for (const b of this.store.bindings()) {
      const { resourceType, name, patternType } = b.pattern;
      let t = index.get(resourceType);
      if (!t) index.set(resourceType, (t = { literal: new Map(), prefixed: new Map(), prefixLengths: [] }));
      const map = patternType === PatternType.PREFIXED ? t.prefixed : t.literal;
      let entries = map.get(name);
      if (!entries) map.set(name, (entries = []));
      entries.push(b.entry);
    }
    for (const t of index.values()) t.prefixLengths = [...new Set([...t.prefixed.keys()].map((p) => p.length))].sort((a, b) => a - b);
    this.index = index;
    this.decisions = new WeakMap();
    this.dirty = false;
  }

  /** Every binding, for DescribeAcls and DeleteAcls. */
  bindings(): AclBinding[] {
    return [...this.store.bindings()];
  }
}

/** What the entries of one pattern say of a request (bits). */
const FOUND = 1;
const ALLOWED = 2;
const DENIED = 4;

/**
 * The entries of one pattern against a request: FOUND when there are any (whoever they are
 * for), ALLOWED by an ALLOW of the operation, of ALL or of one implying it, DENIED by a DENY
 * of the operation or of ALL; for the principal (or User:*) from the host (or *).
 */
function match(entries: AccessControlEntry[] | undefined, principal: string, host: string, operation: number, implying: readonly number[] | null): number {
  if (!entries) return 0;
  let verdict = FOUND;
  for (const e of entries) {
    if (e.principal !== principal && e.principal !== WILDCARD_PRINCIPAL) continue;
    if (e.host !== host && e.host !== WILDCARD_HOST) continue;
    if (e.permission === AclPermission.DENY) {
      if (e.operation === operation || e.operation === AclOperation.ALL) return verdict | DENIED;
    } else if (e.operation === operation || e.operation === AclOperation.ALL || (implying !== null && implying.includes(e.operation))) {
      verdict |= ALLOWED;
    }
  }
  return verdict;
}

/** A client address as ACLs name it: an IPv4 client of a dual-stack socket (::ffff:a.b.c.d) is a.b.c.d. */
export function normalizeHost(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
