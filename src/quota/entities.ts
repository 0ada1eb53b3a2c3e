// Client quota entities and their values, as Kafka keeps them (KIP-55, KIP-546, KIP-612): an
// entity is a user, a client id, a user and a client id, or an IP address; a null name is
// the default entity of its type (<default>). Users and client ids carry producer_byte_rate,
// consumer_byte_rate, request_percentage and controller_mutation_rate; IPs
// connection_creation_rate. Alterations and describe filters are checked as Kafka's
// ClientQuotaControlManager and ClientQuotasImage check them, with their messages.
import { isIP } from 'node:net';
import { ErrorCode } from '../protocol/errors.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

/** Entity type -> name (null: the default entity of that type). */
type QuotaEntity = Readonly<Record<string, string | null>>;

/** Quota keys and whether their value must be a whole number (Kafka's LONG and INT keys). */
const USER_CLIENT_KEYS: ReadonlyMap<string, boolean> = new Map([
  ['producer_byte_rate', true], ['consumer_byte_rate', true], ['request_percentage', false], ['controller_mutation_rate', false],
]);
const IP_KEYS: ReadonlyMap<string, boolean> = new Map([['connection_creation_rate', true]]);

export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';
export const CONNECTION_CREATION_RATE = 'connection_creation_rate';

export interface QuotaError {
  errorCode: number;
  errorMessage: string;
}

/** One canonical key per entity: types sorted, names as given (null for the default). */
export function entityKey(entity: QuotaEntity): string {
  return JSON.stringify(Object.keys(entity).sort().map((type) => [type, entity[type]]));
}

export function entityFromKey(key: string): QuotaEntity {
  return Object.fromEntries(JSON.parse(key) as [string, string | null][]);
}

/** An entity from the wire's (type, name) list, or why it is refused. */
export function parseEntity(parts: { entityType: string; entityName: string | null }[]): QuotaEntity | QuotaError {
  if (parts.length === 0) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid empty client quota entity' };
  const entity: Record<string, string | null> = {};
  for (const { entityType, entityName } of parts) {
    if (entityType in entity) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid empty client quota entity, duplicate entity entry ${entityType}` };
    if (entityType !== USER && entityType !== CLIENT_ID && entityType !== IP) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unhandled client quota entity type: ${entityType}` };
    if (entityType === IP && entityName !== null && isIP(entityName) === 0) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unable to resolve IP address: ${entityName}` };
    if (entityName === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Empty ${entityType} not supported` };
    entity[entityType] = entityName;
  }
  if (IP in entity && Object.keys(entity).length > 1) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid quota entity combination, IP entity should not be combined with User or ClientId' };
  }
  return entity;
}

/** Why a quota key and value cannot be set on the entity, or null. */
export function valueError(entity: QuotaEntity, key: string, value: number): QuotaError | null {
  const keys = IP in entity ? IP_KEYS : USER_CLIENT_KEYS;
  const whole = keys.get(key);
  if (whole === undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid configuration key ${key}` };
  if (!(value > 0)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Quota ${key} must be greater than 0` };
  if (whole && Math.abs(Math.round(value) - value) > 1e-6) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Configuration ${key} must be a ${key === CONNECTION_CREATION_RATE ? 'INT' : 'LONG'} value` };
  if (!Number.isFinite(value)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Quota ${key} must be finite` };
  return null;
}

/** A DescribeClientQuotas filter component: EXACT (0) a name, DEFAULT (1) the default entity, ANY (2) any named one. */
interface FilterComponent {
  entityType: string;
  matchType: number;
  match: string | null;
}

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_ANY = 2;

/** A checked filter: types that must have a given name (null: the default), types that must be there. */
export interface QuotaFilter {
  exact: Map<string, string | null>;
  present: Set<string>;
  strict: boolean;
}

export function parseFilter(components: FilterComponent[], strict: boolean): QuotaFilter | QuotaError {
  const exact = new Map<string, string | null>();
  const present = new Set<string>();
  for (const c of components) {
    if (c.entityType === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid empty entity type.' };
    if (exact.has(c.entityType) || present.has(c.entityType)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Entity type ${c.entityType} cannot appear more than once in the filter.` };
    if (c.entityType !== USER && c.entityType !== CLIENT_ID && c.entityType !== IP) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unsupported entity type ${c.entityType}` };
    if (c.matchType === MATCH_EXACT) {
      if (c.match === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Request specified MatchType EXACT with a null match for entity type ${c.entityType}` };
      exact.set(c.entityType, c.match);
    } else if (c.matchType === MATCH_DEFAULT) exact.set(c.entityType, null);
    else if (c.matchType === MATCH_ANY) present.add(c.entityType);
    else return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown match type ${c.matchType}` };
  }
  const has = (type: string) => exact.has(type) || present.has(type);
  if (has(IP) && (has(USER) || has(CLIENT_ID))) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.' };
  }
  return { exact, present, strict };
}

/** Kafka's ClientQuotasImage.matches. */
export function filterMatches(filter: QuotaFilter, entity: QuotaEntity): boolean {
  if (filter.strict && Object.keys(entity).length !== filter.exact.size + filter.present.size) return false;
  for (const [type, name] of filter.exact) if (!(type in entity) || entity[type] !== name) return false;
  for (const type of filter.present) if (!(type in entity)) return false;
  return true;
}

export function isQuotaError(x: unknown): x is QuotaError {
  return typeof x === 'object' && x !== null && 'errorCode' in x && 'errorMessage' in x;
}
