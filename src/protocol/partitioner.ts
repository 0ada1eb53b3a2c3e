// Kafka's default partitioner for keyed records, as the Java client computes it (kafkajs's
// default partitioner too; librdkafka's murmur2_random): producers that agree on it put a key
// in the same partition, so a key's records stay in order whichever of them wrote them.
// Strom's producer (src/client/) and the REST proxy's produce (src/http/) both place keys so.

/** Kafka's murmur2 (Utils.murmur2), as the Java client hashes keys to partitions. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const at = length & ~3;
  if (rest === 3) h ^= (data[at + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[at + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[at] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The Java client's partition for a key: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
