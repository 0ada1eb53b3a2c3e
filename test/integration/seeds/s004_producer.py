#!/usr/bin/env python
# Seed 004, the single-threaded producer (Author: rex.cheny), as written but for the
# bootstrap address (argv) and a shorter sleep between sends.
import time
import random
import sys
from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
import json


class Producer(object):
    def __init__(self, KafkaServerList=['127.0.0.1:9092'], ClientId="Procucer01", Topic='Test'):
        self._kwargs = {
            "bootstrap_servers": KafkaServerList,
            "client_id": ClientId,
            "acks": 1,
            "buffer_memory": 33554432,
            'compression_type': None,
            "retries": 3,
            "batch_size": 1048576,
            "linger_ms": 100,
            "key_serializer": lambda m: json.dumps(m).encode('utf-8'),
            "value_serializer": lambda m: json.dumps(m).encode('utf-8'),
        }
        self._topic = Topic
        try:
            self._producer = KafkaProducer(**self._kwargs)
        except Exception as err:
            print(err)

    def _onSendSucess(self, record_metadata):
        print("发送成功")
        print("被发往的主题:", record_metadata.topic)
        print("被发往的分区:", record_metadata.partition)
        print("队列位置:", record_metadata.offset)

    def _onSendFailed(self):
        print("发送失败")

    def sendMessage(self, value=None, partition=None):
        if not value:
            return None
        kwargs = {
            "value": value,
            "key": None,
            "partition": partition
        }
        try:
            future = self._producer.send(self._topic, **kwargs).add_callback(self._onSendSucess).add_errback(self._onSendFailed)
            print("发送消息:", value)
        except KafkaTimeoutError as err:
            print(err)
        except Exception as err:
            print(err)

    def closeConnection(self, timeout=None):
        self._producer.close(timeout=timeout)

    def sendNow(self, timeout=None):
        try:
            self._producer.flush(timeout=timeout)
        except KafkaTimeoutError as err:
            print(err)
        except Exception as err:
            print(err)


def main():
    p = Producer(KafkaServerList=[sys.argv[1]], ClientId="Procucer01", Topic="TESTTOPIC")
    for i in range(10):
        time.sleep(0.05)
        closePrice = random.randint(1, 500)
        msg = {
            "Publisher": "Procucer01",
            "股票代码": 60000 + i,
            "昨日收盘价": closePrice,
            "今日开盘价": 0,
            "今日收盘价": 0,
        }
        p.sendMessage(value=msg)
    # p.sendNow()
    p.closeConnection()


if __name__ == "__main__":
    try:
        main()
    finally:
        sys.exit()
