// Producer ids for InitProducerId: handed out from blocks whose end is saved in the log
// directory before the block is used, so ids never repeat across restarts (as Kafka's
// controller allocates blocks).
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { TMP_SUFFIX } from '../storage/layout.js';
import { join } from 'node:path';

const BLOCK = 1000;
const FILE = 'strom-producer-ids';

export class ProducerIds {
  private next: number;
  private end: number;

  constructor(private readonly dir: string) {
    const path = join(dir, FILE);
    this.next = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) || 0 : 0;
    this.end = this.next;
  }

  allocate(): number {
    if (this.next >= this.end) {
      this.end = this.next + BLOCK;
      const path = join(this.dir, FILE);
      writeFileSync(path + TMP_SUFFIX, String(this.end));
      renameSync(path + TMP_SUFFIX, path);
    }
    return this.next++;
  }
}
