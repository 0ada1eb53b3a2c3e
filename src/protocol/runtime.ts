// Helpers the generated codecs share (arrays, version checks, defaults).
import { ProtocolError, ZERO_UUID, type Reader, type Writer } from './codec.js';

export { ZERO_UUID };

/** Default of non-nullable bytes fields. */
export const EMPTY: Buffer = Buffer.alloc(0);

export function readArray<T>(r: Reader, compact: boolean, nullable: false, element: () => T): T[];
export function readArray<T>(r: Reader, compact: boolean, nullable: boolean, element: () => T): T[] | null;
export function readArray<T>(r: Reader, compact: boolean, nullable: boolean, element: () => T): T[] | null {
  const n = r.arrayLength(compact, nullable);
  if (n < 0) return null;
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = element();
  return out;
}

export function writeArray<T>(w: Writer, compact: boolean, items: T[] | null, element: (item: T) => void): void {
  if (items === null) {
    w.arrayLength(-1, compact);
    return;
  }
  w.arrayLength(items.length, compact);
  for (const item of items) element(item);
}

/** Kafka's UnsupportedVersionException: a field this version cannot carry holds a value. */
class UnsupportedVersionError extends ProtocolError {
  override name = 'UnsupportedVersionError';
}

export function unsupported(message: string, field: string, version: number): never {
  throw new UnsupportedVersionError(`${message}.${field} cannot be written at version ${version}: it holds a non-default value`);
}
