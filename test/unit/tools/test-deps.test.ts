// tools/test-deps.mjs, npm test's pretest: it finds a missing test client in well under a
// second, installs it with apt-get when it may, and otherwise stops with the one command
// that installs it. apt-get and sudo are stand-ins on a PATH of the test's own here (the
// machine's packages are left alone); kcat is the client made to be missing.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../tools/test-deps.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A PATH holding node and, when asked, an apt-get (and sudo) that log their arguments. */
function bin(options: { apt?: 'installs' | 'fails' } = {}): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'strom-deps-'));
  dirs.push(dir);
  const log = join(dir, 'calls.log');
  symlinkSync(process.execPath, join(dir, 'node'));
  // The compiler test/clients builds with, and etcd, are present: kcat alone is missing.
  for (const program of ['g++', 'make', 'etcd']) symlinkSync(`/usr/bin/${program}`, join(dir, program));
  if (options.apt) {
    // "Installs" kcat by putting a program of that name on the PATH.
    const install = options.apt === 'installs' ? `printf '#!/bin/sh\\n' > "${dir}/kcat"; /bin/chmod +x "${dir}/kcat"` : 'exit 100';
    writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> "${log}"\ncase "$1" in install) ${install};; esac\n`);
    writeFileSync(join(dir, 'sudo'), `#!/bin/sh\n[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"\n`);
    chmodSync(join(dir, 'apt-get'), 0o755);
    chmodSync(join(dir, 'sudo'), 0o755);
  }
  return { dir, log };
}

function deps(path: string, env: Record<string, string> = {}, args: string[] = []) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: path, HOME: tmpdir(), ...env }, timeout: 20_000 });
}

describe('tools/test-deps.mjs', () => {
  it('lists every Debian package the tests drive, chromium and xxhash included, and what test/clients builds with', () => {
    const r = deps(process.env.PATH!, {}, ['--list']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'python3-kafka', 'python3-snappy', 'python3-lz4', 'python3-zstandard', 'python3-xxhash', 'python3-confluent-kafka', 'kcat', 'chromium', 'etcd-server',
      'g++', 'make', 'libssl-dev', 'libsasl2-dev', 'zlib1g-dev', 'libzstd-dev', 'liblz4-dev',
    ]);
  });

  it('passes at once on a machine with everything installed', () => {
    const r = deps(process.env.PATH!, { STROM_TEST_INSTALL: '0' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('stops with the one install command when installing is off (STROM_TEST_INSTALL=0)', () => {
    const { dir, log } = bin({ apt: 'installs' });
    const r = deps(dir, { STROM_TEST_INSTALL: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kcat (librdkafka\'s command-line client)');
    expect(r.stderr).toContain('\n  sudo apt-get install -y kcat\n');
    expect(r.stderr).toContain('STROM_TEST_INSTALL=0');
    expect(r.stderr).not.toContain('python3-');
    expect(existsSync(log)).toBe(false);
  });

  it('stops with the command where there is no apt-get', () => {
    const { dir } = bin();
    const r = deps(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('sudo apt-get install -y kcat');
    expect(r.stderr).toContain('no apt-get');
  });

  it('installs what is missing with apt-get (lists updated first), then checks again', () => {
    const { dir, log } = bin({ apt: 'installs' });
    const r = deps(dir);
    expect(r.stderr).toContain('installing');
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('apt-get update -qq\napt-get install -y -qq kcat\n');
  });

  it('fails, with the command, when apt-get fails', () => {
    const { dir } = bin({ apt: 'fails' });
    const r = deps(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install failed');
    expect(r.stderr).toContain('sudo apt-get install -y kcat');
  });
});
