#!/usr/bin/python3
"""Encodes a message for every request/response class kafka-python 2.0.2 defines, with
deterministic values, and prints [{key, version, kind, hex, values}] as JSON: `values` is
the message as nested lists in wire order. Used by wire.test.ts to check our codecs against
an independent implementation."""
import importlib
import json
import sys
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Schema, Boolean, Int8, Int16, Int32, Int64, String, Bytes

MODULES = ['admin', 'commit', 'fetch', 'group', 'metadata', 'offset', 'produce']
counter = [0]


def value_for(t):
    counter[0] += 1
    n = counter[0]
    if t is Boolean or isinstance(t, Boolean): return n % 2 == 0
    if t is Int8: return n % 100
    if t is Int16: return n % 30000
    if t is Int32: return n * 1000 + 7
    if t is Int64: return n * 1000003
    if t is String or isinstance(t, String): return 'v%d' % n
    if t is Bytes or isinstance(t, Bytes): return bytes([n % 256, 1, 2, 3])
    raise TypeError(t)


def fill(schema):
    return tuple(fill_field(f) for f in schema.fields)


def fill_field(field):
    if isinstance(field, Schema): return fill(field)
    if isinstance(field, Array):
        inner = field.array_of
        return [fill_field(inner) if isinstance(inner, (Schema, Array)) else value_for(inner) for _ in range(2)]
    return value_for(field)


def plain(value):
    if isinstance(value, (list, tuple)): return [plain(v) for v in value]
    if isinstance(value, bytes): return {'hex': value.hex()}
    return value


out = []
for module_name in MODULES:
    module = importlib.import_module('kafka.protocol.' + module_name)
    for name in dir(module):
        cls = getattr(module, name)
        if not isinstance(cls, type) or not issubclass(cls, (Request, Response)) or cls in (Request, Response): continue
        if getattr(cls, 'SCHEMA', None) is None or not hasattr(cls, 'API_KEY') or not hasattr(cls, 'API_VERSION'): continue
        kind = 'request' if issubclass(cls, Request) else 'response'
        try:
            values = fill(cls.SCHEMA)
            message = cls(*values)
            encoded = message.encode()
        except TypeError:  # a few kafka-python schemas are broken (e.g. String without an encoding)
            continue
        out.append({'name': name, 'key': cls.API_KEY, 'version': cls.API_VERSION, 'kind': kind, 'hex': encoded.hex(), 'values': plain(values)})
json.dump(out, sys.stdout)
