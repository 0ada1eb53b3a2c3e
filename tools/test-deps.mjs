#!/usr/bin/env node
// The programs the test suite drives besides Node: real Kafka clients and a browser, all
// from Debian, and what test/clients needs to build node-rdkafka's bundled librdkafka 2.12
// (a compiler and -dev packages; test/clients/install.sh builds it once, after this check). One list, used by `npm test` (its pretest step), by `.ci/run`, and by the
// tests themselves (test/helpers/external.ts), so the three never disagree.
//   node tools/test-deps.mjs           check; install what is missing with apt-get when
//                                      allowed (root or passwordless sudo), else print the
//                                      one command that installs it and exit 1
//   node tools/test-deps.mjs --check   check only (exit 1 with the command when missing)
//   node tools/test-deps.mjs --list    print the Debian package names, one per line
// STROM_TEST_INSTALL=0 turns installing off (check only), for machines apt must not touch.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the tests find Python: Debian's, where the python3-* packages install their modules. */
export const PYTHON = '/usr/bin/python3';
/** Where the web console's tests find the browser (Debian's chromium). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian package -> what the tests use of it: a Python module (imported by /usr/bin/python3),
 * a program (a path, or a name looked up on PATH) or a file (a -dev package's header).
 */
export const TEST_PACKAGES = [
  { name: 'python3-kafka', module: 'kafka', why: 'kafka-python' },
  { name: 'python3-snappy', module: 'snappy', why: "kafka-python's snappy codec" },
  { name: 'python3-lz4', module: 'lz4', why: "kafka-python's lz4 codec" },
  { name: 'python3-zstandard', module: 'zstandard', why: "kafka-python's zstd codec" },
  { name: 'python3-xxhash', module: 'xxhash', why: "kafka-python's lz4 for message formats 0 and 1 (api_version < 0.10)" },
  { name: 'python3-confluent-kafka', module: 'confluent_kafka', why: "librdkafka's Python client" },
  { name: 'kcat', program: 'kcat', why: "librdkafka's command-line client" },
  { name: 'chromium', program: CHROMIUM, why: "the web console's browser tests" },
  { name: 'etcd-server', program: 'etcd', why: 'the cluster tests (brokers coordinated by etcd)' },
  // node-rdkafka (test/clients) builds librdkafka 2.12 for the KIP-848 tests with these.
  { name: 'g++', program: 'g++', why: 'building librdkafka 2.12 for the KIP-848 tests (test/clients)' },
  { name: 'make', program: 'make', why: 'building librdkafka 2.12 (test/clients)' },
  { name: 'libssl-dev', file: '/usr/include/openssl/ssl.h', why: 'building librdkafka 2.12 (test/clients)' },
  { name: 'libsasl2-dev', file: '/usr/include/sasl/sasl.h', why: 'building librdkafka 2.12 (test/clients)' },
  { name: 'zlib1g-dev', file: '/usr/include/zlib.h', why: 'building librdkafka 2.12 (test/clients)' },
  { name: 'libzstd-dev', file: '/usr/include/zstd.h', why: 'building librdkafka 2.12 (test/clients)' },
  { name: 'liblz4-dev', file: '/usr/include/lz4.h', why: 'building librdkafka 2.12 (test/clients)' },
];

/** The packages kafka-python needs to read and write every codec and message format. */
export const KAFKA_PYTHON = ['python3-kafka', 'python3-snappy', 'python3-lz4', 'python3-zstandard', 'python3-xxhash'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(program) {
  if (program.includes('/')) return executable(program);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, program)));
}

/**
 * The packages among `names` (default: all) that are not usable: one Python run for the
 * modules (find_spec: located, not imported, so it costs ~20 ms), a PATH lookup for programs.
 */
export function missingPackages(names = TEST_PACKAGES.map((p) => p.name)) {
  const wanted = TEST_PACKAGES.filter((p) => names.includes(p.name));
  const unknown = names.filter((n) => !TEST_PACKAGES.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`not a test package: ${unknown.join(', ')} (see tools/test-deps.mjs)`);
  const missing = new Set(wanted.filter((p) => (p.program && !onPath(p.program)) || (p.file && !existsSync(p.file))).map((p) => p.name));
  const modules = wanted.filter((p) => p.module);
  if (modules.length > 0) {
    const found = executable(PYTHON) && spawnSync(PYTHON, ['-c',
      'import importlib.util, sys\nprint(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))',
      ...modules.map((p) => p.module)], { encoding: 'utf8', timeout: 10_000 });
    const absent = found && found.status === 0 ? found.stdout.trim().split(/\s+/).filter(Boolean) : modules.map((p) => p.module);
    for (const p of modules) if (absent.includes(p.module)) missing.add(p.name);
  }
  return wanted.filter((p) => missing.has(p.name));
}

/** The one command that installs the packages. */
export function installCommand(packages) {
  return `sudo apt-get install -y ${packages.map((p) => p.name).join(' ')}`;
}

/** Names what is missing and what it is for, then the command that installs it. */
export function missingMessage(packages) {
  const what = packages.map((p) => `${p.name} (${p.why})`).join(', ');
  return `${what}. Install with:\n  ${installCommand(packages)}`;
}

function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** How this process may run apt-get: [] (as root), ['sudo', '-n'], or a reason it may not. */
function aptRunner() {
  if (!onPath('apt-get')) return 'there is no apt-get here; these are Debian package names';
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return 'apt-get needs root or passwordless sudo';
}

/** Installs the packages with apt-get; null when done, else why not. */
function install(packages) {
  const sudo = aptRunner();
  if (typeof sudo === 'string') return sudo;
  const names = packages.map((p) => p.name);
  console.error(`npm test: installing the test clients this machine lacks with apt-get: ${names.join(' ')}`);
  const apt = (...args) => (sudo.length > 0 ? run(sudo[0], [...sudo.slice(1), 'apt-get', ...args]) : run('apt-get', args));
  // A fresh machine (or container) may have no package lists yet.
  if (!apt('update', '-qq')) return 'apt-get update failed';
  if (!apt('install', '-y', '-qq', ...names)) return 'apt-get install failed';
  return null;
}

function main(argv) {
  if (argv.includes('--list')) {
    for (const p of TEST_PACKAGES) console.log(p.name);
    return 0;
  }
  let missing = missingPackages();
  if (missing.length === 0) return 0;
  let notInstalled = 'checking only (--check)';
  if (!argv.includes('--check')) {
    notInstalled = process.env.STROM_TEST_INSTALL === '0' ? 'STROM_TEST_INSTALL=0 is set' : install(missing);
    if (notInstalled === null) {
      missing = missingPackages();
      if (missing.length === 0) return 0;
      notInstalled = 'apt-get installed them, yet they are still missing';
    }
  }
  console.error(`npm test: the tests drive real clients that this machine lacks: ${missingMessage(missing)}\n(Not installed by npm test: ${notInstalled}.)`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
