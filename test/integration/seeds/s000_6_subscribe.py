# Seed 000, 6: two topics.
import sys
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
consumer = KafkaConsumer(bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=3000)
consumer.subscribe(topics=('test', 'test0'))
print(consumer.topics())
print(consumer.position(TopicPartition(topic=u'test', partition=0)))
for message in consumer:
    print("%s:%d:%d: key=%s value=%s" % (message.topic, message.partition, message.offset, message.key, message.value))
