// Up-front checks for the programs a test drives besides Node (Debian's Kafka clients and
// chromium; the list is tools/test-deps.mjs, shared with `npm test`'s pretest and .ci/run).
// A test file calls requireExternal(...) at its top: when something is missing the file
// fails at once saying what and how to install it, instead of failing deep inside a client
// or waiting for a timeout.
// @ts-expect-error: a plain ES module of the build tools, without type declarations.
import * as deps from '../../tools/test-deps.mjs';

export type TestPackage =
  | 'python3-kafka' | 'python3-snappy' | 'python3-lz4' | 'python3-zstandard' | 'python3-xxhash'
  | 'python3-confluent-kafka' | 'kcat' | 'chromium' | 'etcd-server';

interface PackageInfo { name: TestPackage; module?: string; program?: string; why: string }

const tools = deps as {
  PYTHON: string;
  CHROMIUM: string;
  KAFKA_PYTHON: TestPackage[];
  missingPackages(names: TestPackage[]): PackageInfo[];
  missingMessage(packages: PackageInfo[]): string;
};

/** Debian's python3, where the python3-* packages are. */
export const PYTHON = tools.PYTHON;
/** Debian's chromium, for the web console's tests. */
export const CHROMIUM = tools.CHROMIUM;
/** kafka-python with every codec it may need (lz4 with message formats 0/1 needs xxhash). */
export const KAFKA_PYTHON: readonly TestPackage[] = tools.KAFKA_PYTHON;

const checked = new Set<TestPackage>();

/** Throws, naming what is missing and the command that installs it, unless every package is usable. */
export function requireExternal(...packages: (TestPackage | readonly TestPackage[])[]): void {
  const wanted = [...new Set(packages.flat())].filter((p) => !checked.has(p));
  if (wanted.length === 0) return;
  const missing = tools.missingPackages(wanted);
  if (missing.length > 0) throw new Error(`This test drives programs that are not installed: ${tools.missingMessage(missing)}\n(npm test checks for them first and installs them when it may: see README.md)`);
  for (const p of wanted) checked.add(p);
}

/** The packages a Python script needs, judged by what it imports (the up-front check of python()). */
export function packagesForPython(script: string): TestPackage[] {
  const imports = new Set([...script.matchAll(/^\s*(?:from\s+(\w+)|import\s+([\w, ]+))/gm)].flatMap((m) => (m[1] ? [m[1]] : m[2].split(',').map((s) => s.trim()))));
  const out: TestPackage[] = [];
  if (imports.has('kafka')) out.push(...KAFKA_PYTHON);
  if (imports.has('confluent_kafka')) out.push('python3-confluent-kafka');
  return out;
}

/** The package that provides `command`, when it is one the tests drive. */
export function packageForCommand(command: string): TestPackage | null {
  if (command === 'kcat') return 'kcat';
  if (command === CHROMIUM) return 'chromium';
  return null;
}
