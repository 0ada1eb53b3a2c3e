// Reading record bytes with kafka-python's own reader (kafka.record.MemoryRecords): message
// sets of magic 0/1 and record batches, as a kafka-python consumer decodes a fetch response.
import { execFileSync } from 'node:child_process';
import { KAFKA_PYTHON, PYTHON, requireExternal } from './external.js';

export interface PythonRecord {
  offset: number;
  timestamp: number | null;
  key: string | null;
  value: string | null;
}

const READER = `
import json, sys
from kafka.record import MemoryRecords
records = MemoryRecords(sys.stdin.buffer.read())
out = []
while True:
    batch = records.next_batch()
    if batch is None: break
    for r in batch:
        out.append({'offset': r.offset, 'timestamp': r.timestamp,
                    'key': None if r.key is None else r.key.decode(), 'value': None if r.value is None else r.value.decode()})
print(json.dumps(out))`;

/** The records kafka-python reads out of `bytes` (keys and values as UTF-8 text). */
export function readWithKafkaPython(bytes: Uint8Array): PythonRecord[] {
  requireExternal(KAFKA_PYTHON);
  return JSON.parse(execFileSync(PYTHON, ['-c', READER], { input: bytes, timeout: 30_000 }).toString());
}
