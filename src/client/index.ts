// A small Kafka client on Strom's generated codecs, for the `strom` tools and the load
// harness. Standard protocol only: it talks to any Kafka-compatible broker.
export { Connection, parseAddress, type Api, type ConnectionOptions } from './connection.js';
export { Cluster, type ClusterOptions, type ClusterMetadata, type TopicInfo, type PartitionInfo, type BrokerInfo } from './cluster.js';
export { BrokerUnreachableError, RequestTimeoutError } from './errors.js';
export { KafkaError } from '../protocol/errors.js';
export * from './admin.js';
export { murmur2, partitionForKey } from '../protocol/partitioner.js';
export { Producer, type ProducerOptions, type ProducerRecord, type SendResult } from './producer.js';
export { Fetcher, type FetchOptions, type FetchedRecord, type PartitionFetch, type Position } from './fetcher.js';
export * from './groups.js';
export { GroupMember, type GroupMemberOptions, type GroupTransport } from '../consumer/group-member.js';
export { WireGroupTransport } from './wire-group-transport.js';
export { rangeAssign, RANGE_ASSIGNOR } from '../consumer/range-assignor.js';
export { encodeAssignment, encodeSubscription, type TopicPartitions } from '../protocol/consumer-protocol.js';
