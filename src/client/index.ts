// A small Kafka client on Strom's generated codecs, for the `strom` tools and the load
// harness. Standard protocol only: it talks to any Kafka-compatible broker.
export { Connection, parseAddress, type Api, type ConnectionOptions } from './connection.js';
export { Cluster, type ClusterOptions, type ClusterMetadata, type TopicInfo, type PartitionInfo, type BrokerInfo } from './cluster.js';
export { BrokerUnreachableError, RequestTimeoutError, KafkaResponseError } from './errors.js';
export * from './admin.js';
export { Producer, murmur2, partitionForKey, type ProducerOptions, type ProducerRecord, type SendResult } from './producer.js';
export { Fetcher, type FetchOptions, type FetchedRecord, type PartitionFetch, type Position } from './fetcher.js';
export * from './groups.js';
export { GroupMember, type GroupMemberOptions, type GroupTransport } from './group-member.js';
export { WireGroupTransport } from './wire-group-transport.js';
export { rangeAssign, RANGE_ASSIGNOR } from './assignor.js';
export { encodeAssignment, encodeSubscription, type TopicPartitions } from '../protocol/consumer-protocol.js';
