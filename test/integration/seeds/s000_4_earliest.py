# Seed 000, 4: consumer from the earliest offset.
import sys
from kafka import KafkaConsumer
consumer = KafkaConsumer('test', auto_offset_reset='earliest', bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=3000)
for message in consumer:
    print("%s:%d:%d: key=%s value=%s" % (message.topic, message.partition, message.offset, message.key, message.value))
