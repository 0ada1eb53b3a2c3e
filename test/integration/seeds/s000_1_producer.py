# Seed 000, 1: producer. Python 3: print(), and bytes values (a Python 2 str was bytes).
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=[sys.argv[1]])
for i in range(3):
    msg = b"msg%d" % i
    producer.send('test', msg)
producer.close()
