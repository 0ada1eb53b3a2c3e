# Seed 001, consumer.py (bounded by consumer_timeout_ms).
import sys
from kafka import KafkaConsumer
topic = 'first_kafka_topic'
consumer = KafkaConsumer(topic, bootstrap_servers=[sys.argv[1]], auto_offset_reset='earliest', consumer_timeout_ms=3000)
for msg in consumer:
    print('consumer get message: ', msg)
