# Seed 001, producer.py (sleep shortened from 2 s; bootstrap from argv).
import sys, time, json
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1])
topic = 'first_kafka_topic'
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 100):
    v = json.dumps(f'content -- {i}')
    print(f'producer send message: {v}')
    r = producer.send(topic, v.encode())
    time.sleep(0.01)
producer.flush()
