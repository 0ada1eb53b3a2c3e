# Seed 000, 2: simple consumer (latest); bounded by consumer_timeout_ms instead of forever.
import sys
from kafka import KafkaConsumer
consumer = KafkaConsumer('test', bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=int(sys.argv[2]) if len(sys.argv) > 2 else 3000)
for message in consumer:
    print("%s:%d:%d: key=%s value=%s" % (message.topic, message.partition, message.offset, message.key, message.value), flush=True)
