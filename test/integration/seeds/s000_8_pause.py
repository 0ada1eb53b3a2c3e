# Seed 000, 8: pause and resume (bounded to 12 rounds instead of while True).
import sys, time
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
consumer = KafkaConsumer(bootstrap_servers=[sys.argv[1]])
consumer.subscribe(topics=('test'))
consumer.topics()
consumer.pause(TopicPartition(topic=u'test', partition=0))
num = 0
while num < 12:
    print(num)
    print(consumer.paused())
    msg = consumer.poll(timeout_ms=5)
    print(msg)
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 2)
    num = num + 1
    if num == 10:
        print("resume...")
        consumer.resume(TopicPartition(topic=u'test', partition=0))
        print("resume......")
