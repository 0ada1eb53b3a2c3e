# Seed 000, 5: manual offsets.
import sys
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
consumer = KafkaConsumer('test', bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=3000)
print(consumer.partitions_for_topic("test"))
print(consumer.topics())
print(consumer.subscription())
print(consumer.assignment())
print(consumer.beginning_offsets(consumer.assignment()))
consumer.seek(TopicPartition(topic=u'test', partition=0), 5)
for message in consumer:
    print("%s:%d:%d: key=%s value=%s" % (message.topic, message.partition, message.offset, message.key, message.value))
