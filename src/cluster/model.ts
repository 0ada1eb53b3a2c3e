// What a Strom cluster keeps in etcd, under its prefix (etcd.prefix), each value JSON:
//
//   cluster_id                      the cluster's id, written once by the first broker
//   brokers/<id>                    a live broker's registration, under its lease (gone = dead)
//   controller                      the active controller {id, epoch}, under its lease
//   controller_epoch                the last controller epoch handed out (durable)
//   topics/<name>                   a topic: id, replica assignment, configs
//   partitions/<topic id>/<n>       a partition's state: leader, leader epoch, ISR, replicas,
//                                   and a reassignment in progress (adding/removing replicas)
//   configs/brokers/<id|default>    dynamic broker configs
//   producer_ids_next               the first producer id no broker has claimed yet
//   acls/<hash>                     an ACL binding (the hash of the binding: one key per distinct binding)
//   quotas/<entity>                 a client quota entity's values (user, client-id, ip)
//   scram_credentials/<user>/<mechanism>
//                                   a user's SCRAM credential (salt, keys, iterations; the
//                                   user name URI-encoded)
//
// topics/ is written by the broker an admin request reaches, partitions/ by the controller
// (elections, reassignments) and by each partition's leader (its ISR), in transactions that
// compare the modification revision of what they read (so two writers can never both win)
// and, for the controller, its own controller record (so a deposed controller's write fails):
// Kafka's partition epoch and controller epoch, kept by etcd. Brokers read everything through
// one watch (image.ts).

interface EndpointRecord {
  /** The listener's name (PLAINTEXT, INTERNAL, ...). */
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export interface BrokerRegistration {
  id: number;
  rack: string | null;
  /** Advertised listeners. */
  endpoints: EndpointRecord[];
  /** A random id of this run of the broker: a restart registers anew. */
  incarnation: string;
}

export interface ControllerRecord {
  id: number;
  epoch: number;
}

export interface TopicRecord {
  id: string;
  /** Replicas of each partition, the preferred leader first. */
  replicas: number[][];
  configs: Record<string, string>;
}

export interface PartitionState {
  /** -1: no leader (no replica of the ISR is alive). */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  /** Bumped at every change of this state (Kafka's partition epoch). */
  partitionEpoch: number;
  /**
   * A reassignment in progress (KIP-455), absent when none: the replicas being added, which
   * join the ISR as they catch up, and those removed once every added one has. `replicas` is
   * then the target followed by the removing replicas, as Kafka's PartitionRecord has it; a
   * new controller finds the reassignment here and finishes it.
   */
  addingReplicas?: number[];
  removingReplicas?: number[];
}

/** No leader: every replica of the ISR is gone, and unclean election is off. */
export const NO_LEADER = -1;

export const KEYS = {
  clusterId: 'cluster_id',
  brokers: 'brokers/',
  broker: (id: number) => `brokers/${id}`,
  controller: 'controller',
  controllerEpoch: 'controller_epoch',
  topics: 'topics/',
  topic: (name: string) => `topics/${name}`,
  partitions: 'partitions/',
  partition: (topicId: string, partition: number) => `partitions/${topicId}/${partition}`,
  brokerConfigs: 'configs/brokers/',
  brokerConfig: (id: number | 'default') => `configs/brokers/${id}`,
  producerIds: 'producer_ids_next',
  acls: 'acls/',
  acl: (hash: string) => `acls/${hash}`,
  quotas: 'quotas/',
  quota: (entity: string) => `quotas/${entity}`,
  scramCredentials: 'scram_credentials/',
  scramCredential: (user: string, mechanism: string) => `scram_credentials/${encodeURIComponent(user)}/${mechanism}`,
} as const;

/** What a key under the prefix names, for the watch. */
type KeyName =
  | { kind: 'broker'; id: number }
  | { kind: 'controller' }
  | { kind: 'topic'; name: string }
  | { kind: 'partition'; topicId: string; partition: number }
  | { kind: 'brokerConfig'; id: number | 'default' }
  | { kind: 'acl'; hash: string }
  | { kind: 'quota'; entity: string }
  | { kind: 'scramCredential'; user: string; mechanism: string }
  | { kind: 'other' };

export function parseKey(key: string): KeyName {
  if (key === KEYS.controller) return { kind: 'controller' };
  if (key.startsWith(KEYS.brokers)) return { kind: 'broker', id: Number(key.slice(KEYS.brokers.length)) };
  if (key.startsWith(KEYS.topics)) return { kind: 'topic', name: key.slice(KEYS.topics.length) };
  if (key.startsWith(KEYS.partitions)) {
    const [topicId, partition] = key.slice(KEYS.partitions.length).split('/');
    return { kind: 'partition', topicId, partition: Number(partition) };
  }
  if (key.startsWith(KEYS.brokerConfigs)) {
    const id = key.slice(KEYS.brokerConfigs.length);
    return { kind: 'brokerConfig', id: id === 'default' ? 'default' : Number(id) };
  }
  if (key.startsWith(KEYS.acls)) return { kind: 'acl', hash: key.slice(KEYS.acls.length) };
  if (key.startsWith(KEYS.quotas)) return { kind: 'quota', entity: key.slice(KEYS.quotas.length) };
  if (key.startsWith(KEYS.scramCredentials)) {
    const rest = key.slice(KEYS.scramCredentials.length);
    const slash = rest.indexOf('/');
    try {
      // An encoded user name has no '/'.
      if (slash > 0) return { kind: 'scramCredential', user: decodeURIComponent(rest.slice(0, slash)), mechanism: rest.slice(slash + 1) };
    } catch {
      // Not written by a broker (a malformed escape): no credential.
    }
  }
  return { kind: 'other' };
}
