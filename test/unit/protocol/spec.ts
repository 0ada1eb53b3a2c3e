// Reads Kafka's message specs for tests, independently of the generator.
import { readFileSync, readdirSync } from 'node:fs';

export const SPEC_DIR = new URL('../../../tools/kafka-protocol/messages-3.9/', import.meta.url);
/** Specs from Kafka trunk that replace the 3.9 file of the same name (as the generator does). */
export const TRUNK_DIR = new URL('../../../tools/kafka-protocol/messages-trunk/', import.meta.url);

export interface Field {
  name: string; type: string; versions?: string; nullableVersions?: string; taggedVersions?: string; tag?: number;
  default?: string | number | boolean; fields?: Field[];
}
export interface Spec {
  name: string; apiKey?: number; type: string; validVersions: string; flexibleVersions?: string; fields: Field[];
  commonStructs?: { name: string; fields: Field[] }[];
}

function strip(text: string): string {
  return text.split('\n').map((line) => {
    let out = '';
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
      if (!inString && line[i] === '/' && line[i + 1] === '/') break;
      out += line[i];
    }
    return out;
  }).join('\n');
}

const read = (dir: URL) => readdirSync(dir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(strip(readFileSync(new URL(f, dir), 'utf8'))) as Spec);
export const specs = new Map<string, Spec>([...read(SPEC_DIR), ...read(TRUNK_DIR)].map((s) => [s.name, s]));

export function inRange(text: string | undefined, v: number): boolean {
  if (text === undefined || text === 'none') return false;
  if (text.endsWith('+')) return v >= Number(text.slice(0, -1));
  const [lo, hi] = text.split('-').map(Number);
  return v >= lo && v <= (hi ?? lo);
}

export const camel = (s: string) => s[0].toLowerCase() + s.slice(1);

export function fieldsOf(f: Field, spec: Spec): Field[] {
  return f.fields ?? spec.commonStructs!.find((s) => s.name === f.type.replace(/^\[\]/, ''))!.fields;
}

export function versions(spec: Spec): number[] {
  const [lo, hi] = spec.validVersions.split('-').map(Number);
  return Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
}
