// Kafka's ACL model (org.apache.kafka.common.acl and .resource), codes as on the wire: an ACL
// binding is a resource pattern (type, name, LITERAL or PREFIXED) and an entry (principal,
// host, operation, ALLOW or DENY). Filters (DescribeAcls, DeleteAcls) match bindings with
// Kafka's rules: ANY matches every value, a null name, principal or host every one, and a
// MATCH pattern filter every pattern that would apply to the name it gives (the literal name,
// the wildcard "*", and every prefix of it).

/** ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7,
} as const;

/** PatternType codes. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

/** AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;

/** AclPermissionType codes. */
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The one name of the cluster resource. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A LITERAL pattern with this name matches every resource of its type. */
export const WILDCARD_RESOURCE = '*';
/** An entry with this principal applies to every user. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** An entry with this host applies to every client address. */
export const WILDCARD_HOST = '*';

export interface ResourcePattern {
  resourceType: number;
  name: string;
  patternType: number;
}

export interface AccessControlEntry {
  /** `Type:name`, e.g. User:alice. */
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

export interface AclBinding {
  pattern: ResourcePattern;
  entry: AccessControlEntry;
}

export interface AclBindingFilter {
  resourceType: number;
  /** null: any name. */
  name: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

const nameOf = (table: Record<string, number>) => {
  const names = new Map(Object.entries(table).map(([k, v]) => [v, k]));
  return (code: number) => names.get(code) ?? 'UNKNOWN';
};
export const resourceTypeName = nameOf(ResourceType);
export const patternTypeName = nameOf(PatternType);
export const operationName = nameOf(AclOperation);
const permissionName = nameOf(AclPermission);

/**
 * The operations each resource type has (Kafka's AclEntry.supportedOperations): what
 * authorized-operations fields report on, and what kafka-acls.sh accepts per resource.
 */
export const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [ResourceType.TOPIC, [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [ResourceType.CLUSTER, [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

/**
 * Operations an ALLOW of another operation grants too (Kafka's authorizer): READ, WRITE,
 * DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS. A DENY implies
 * nothing beyond its own operation (and ALL denies every one).
 */
export const IMPLIED_BY: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [AclOperation.DESCRIBE, [AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]],
  [AclOperation.DESCRIBE_CONFIGS, [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
]);

/** Why a new binding cannot be stored (CreateAcls: INVALID_REQUEST), or null (Kafka's AclControlManager and AclApis). */
export function bindingError(b: AclBinding): string | null {
  const { pattern, entry } = b;
  if (!knownCode(ResourceType, pattern.resourceType) || pattern.resourceType === ResourceType.UNKNOWN || pattern.resourceType === ResourceType.ANY) return `Invalid resourceType ${resourceTypeName(pattern.resourceType)}`;
  if (pattern.patternType !== PatternType.LITERAL && pattern.patternType !== PatternType.PREFIXED) return `Invalid patternType ${patternTypeName(pattern.patternType)}`;
  if (!knownCode(AclOperation, entry.operation) || entry.operation === AclOperation.UNKNOWN || entry.operation === AclOperation.ANY) return `Invalid operation ${operationName(entry.operation)}`;
  if (entry.permission !== AclPermission.ALLOW && entry.permission !== AclPermission.DENY) return `Invalid permissionType ${permissionName(entry.permission)}`;
  if (pattern.name === '') return 'Resource name should not be empty';
  if (pattern.resourceType === ResourceType.CLUSTER && pattern.name !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  const colon = entry.principal.indexOf(':');
  if (colon <= 0) return `Could not parse principal from \`${entry.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (entry.host === '') return 'Host should not be empty';
  return null;
}

/** Why a filter cannot be used (DescribeAcls, DeleteAcls: INVALID_REQUEST), or null. */
export function filterError(f: AclBindingFilter): string | null {
  const unknown = !knownCode(ResourceType, f.resourceType) || f.resourceType === ResourceType.UNKNOWN
    || !knownCode(PatternType, f.patternType) || f.patternType === PatternType.UNKNOWN
    || !knownCode(AclOperation, f.operation) || f.operation === AclOperation.UNKNOWN
    || !knownCode(AclPermission, f.permission) || f.permission === AclPermission.UNKNOWN;
  return unknown ? 'The filter must not contain UNKNOWN elements' : null;
}

function knownCode(table: Record<string, number>, code: number): boolean {
  return Object.values(table).includes(code);
}

/** Kafka's ResourcePatternFilter.matches. */
function patternMatches(f: AclBindingFilter, p: ResourcePattern): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== p.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== p.patternType) return false;
  if (f.name === null) return true;
  if (f.patternType === PatternType.ANY || f.patternType === p.patternType) return f.name === p.name;
  // MATCH: every pattern that applies to the name.
  if (p.patternType === PatternType.LITERAL) return f.name === p.name || p.name === WILDCARD_RESOURCE;
  return f.name.startsWith(p.name);
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (!patternMatches(f, b.pattern)) return false;
  const e = b.entry;
  if (f.principal !== null && f.principal !== e.principal) return false;
  if (f.host !== null && f.host !== e.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== e.operation) return false;
  return f.permission === AclPermission.ANY || f.permission === e.permission;
}

/** One key per distinct binding (a binding stored twice is one). */
export function bindingKey(b: AclBinding): string {
  const { pattern: p, entry: e } = b;
  return JSON.stringify([p.resourceType, p.patternType, p.name, e.principal, e.host, e.operation, e.permission]);
}

/** As kafka-acls.sh prints an entry. */
export function describeEntry(e: AccessControlEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${operationName(e.operation)}, permissionType=${permissionName(e.permission)})`;
}

export function describePattern(p: ResourcePattern): string {
  return `ResourcePattern(resourceType=${resourceTypeName(p.resourceType)}, name=${p.name}, patternType=${patternTypeName(p.patternType)})`;
}
