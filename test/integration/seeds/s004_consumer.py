#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Seed 004, the Consumer class (GroupID 'TestGroup', enable_auto_commit False, commit after
# each poll), as written but for the bootstrap address and topic (argv) and a bounded loop
# (argv[3] seconds) in place of `while True`. argv[4] picks the seed's variant: 'poll'
# (poll(timeout_ms=5, max_records=100), printing the first record of each partition) or
# 'iter' (iterating the consumer).
import sys
import time
from kafka import KafkaConsumer
import json


class Consumer(object):
    def __init__(self, KafkaServerList=['172.16.48.171:9092'], GroupID='TestGroup', ClientId="Test", Topics=['Test',]):
        self._kwargs = {
            "bootstrap_servers": KafkaServerList,
            "client_id": ClientId,
            "group_id": GroupID,
            "enable_auto_commit": False,
            "auto_offset_reset": "latest",
            "key_deserializer": lambda m: json.loads(m.decode('utf-8')),
            "value_deserializer": lambda m: json.loads(m.decode('utf-8')),
        }
        if VARIANT == 'iter':
            self._kwargs['consumer_timeout_ms'] = 1000
        try:
            self._consumer = KafkaConsumer(**self._kwargs)
            self._consumer.subscribe(topics=(Topics))
        except Exception as err:
            print("Consumer init failed, %s" % err)

    def consumeMsg(self):
        try:
            while time.time() < DEADLINE:
                if VARIANT == 'poll':
                    data = self._consumer.poll(timeout_ms=5, max_records=100)  # 拉取消息,字典类型
                    if data:
                        for key in data:
                            consumerrecord = data.get(key)[0]
                            if consumerrecord != None:
                                message = {
                                    "Topic": consumerrecord.topic,
                                    "Partition": consumerrecord.partition,
                                    "Offset": consumerrecord.offset,
                                    "Key": consumerrecord.key,
                                    "Value": consumerrecord.value
                                }
                                print(message, flush=True)
                                # 消费逻辑执行完毕后在提交偏移量
                                self._consumer.commit()
                            else:
                                print("%s consumerrecord is None." % key)
                else:
                    for consumerrecord in self._consumer:
                        if consumerrecord:
                            message = {
                                "Topic": consumerrecord.topic,
                                "Partition": consumerrecord.partition,
                                "Offset": consumerrecord.offset,
                                "Key": consumerrecord.key,
                                "Value": consumerrecord.value
                            }
                            print(message, flush=True)
                            self._consumer.commit()
        except Exception as err:
            print(err)


def main():
    try:
        c = Consumer(KafkaServerList=[sys.argv[1]], Topics=[sys.argv[2]])
        c.consumeMsg()
    except Exception as err:
        print(err)


if __name__ == "__main__":
    DEADLINE = time.time() + float(sys.argv[3])
    VARIANT = sys.argv[4]
    try:
        main()
    finally:
        sys.exit()
