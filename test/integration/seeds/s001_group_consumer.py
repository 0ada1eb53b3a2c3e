# Seed 001, the consumer with group_id='group1' (bounded by consumer_timeout_ms, argv[2]).
import sys
from kafka import KafkaConsumer
topic = 'test'
consumer = KafkaConsumer(topic, group_id='group1', bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=int(sys.argv[2]))
for msg in consumer:
    print('consumer get message: ', msg, flush=True)
consumer.close()
