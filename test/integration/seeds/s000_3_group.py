# Seed 000, 3: a consumer in group 'my-group' (start several: only one of them gets the
# messages of the one-partition topic). Bounded by consumer_timeout_ms (argv[2]).
import sys
from kafka import KafkaConsumer
consumer = KafkaConsumer('test',
                         group_id='my-group',
                         bootstrap_servers=[sys.argv[1]], consumer_timeout_ms=int(sys.argv[2]))
for message in consumer:
    print ("%s:%d:%d: key=%s value=%s" % (message.topic, message.partition,
                                          message.offset, message.key,
                                          message.value), flush=True)
