// Which partition of an internal topic holds a coordinator key (a group id in
// __consumer_offsets, a transactional id in __transaction_state): Kafka's
// Utils.abs(key.hashCode) % partitions, with Java's String.hashCode over UTF-16 code units,
// so a key maps where Kafka puts it and Kafka's tools find it there.
export function coordinatorPartition(key: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  const abs = hash === -2147483648 ? 0 : Math.abs(hash);
  return abs % partitions;
}
