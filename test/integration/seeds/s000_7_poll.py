# Seed 000, 7: poll (bounded to a few rounds instead of while True).
import sys, time
from kafka import KafkaConsumer
consumer = KafkaConsumer(bootstrap_servers=[sys.argv[1]])
consumer.subscribe(topics=('test', 'test0'))
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    msg = consumer.poll(timeout_ms=5)
    print(msg)
    time.sleep(1)
