// Starts the real broker (`npm start`'s `node dist/bundle/strom.cjs start`, as users run it) on an ephemeral
// loopback port with a temporary data directory, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, packageForCommand, packagesForPython, requireExternal } from './external.js';

const MAIN = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));

export interface RunningBroker {
  /** The first Kafka listener's port. */
  port: number;
  /** Every Kafka listener's port, by listener name (PLAINTEXT, SSL, SASL_SSL, ...). */
  ports: Record<string, number>;
  /** The HTTP gateway's port (http.listeners, ephemeral by default here), or null when disabled. */
  httpPort: number | null;
  /** http://127.0.0.1:<httpPort> (https:// for an https listener) */
  http: string;
  bootstrap: string;
  dir: string;
  process: ChildProcess;
  output: string[];
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (as kill -9). */
  kill(): Promise<void>;
}

export interface BrokerOptions {
  dir?: string;
  overrides?: Record<string, string>;
  /** Keep the data directory after the test (default: removed by cleanup()). */
  keep?: boolean;
  /** Extra environment variables for the broker process. */
  env?: Record<string, string>;
  /** A server.properties file, given as `strom start <file>`; its listeners are used (no ephemeral default). */
  configFile?: string;
}

const dirs: string[] = [];

export function tempDir(prefix = 'strom-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanupDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** How long a broker may take to stop cleanly in a test. */
const STOP_TIMEOUT_MS = 30_000;

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const dir = options.dir ?? tempDir();
  const overrides = { ...(options.configFile ? {} : { listeners: 'PLAINTEXT://127.0.0.1:0' }), 'http.listeners': 'http://127.0.0.1:0', 'log.dirs': dir, 'strom.append.workers': '2', ...options.overrides };
  const args = [MAIN, 'start', ...(options.configFile ? [options.configFile] : []), ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STROM_LOG_LEVEL: 'info', STROM_CORE_DEBUG: '1', ...options.env } });
  const output: string[] = [];
  let httpPort: number | null = null;
  let httpScheme = 'http';
  const ports: Record<string, number> = {};
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output.join('\n')}`)), 20_000);
    const onLine = (data: Buffer) => {
      for (const line of data.toString().split('\n').filter(Boolean)) {
        output.push(line);
        // "listening on PLAINTEXT://127.0.0.1:1234, SASL_SSL://127.0.0.1:1235, http://127.0.0.1:1236; log dir ..."
        const m = /listening on ([^;]*);/.exec(line);
        if (m) {
          let first = 0;
          for (const [, name, p] of m[1].matchAll(/([A-Za-z_][\w-]*):\/\/[^,;]*?:(\d+)/g)) {
            if (name === 'http' || name === 'https') {
              httpPort ??= Number(p);
              httpScheme = name;
            }
            else {
              ports[name] = Number(p);
              first ||= Number(p);
            }
          }
          clearTimeout(timer);
          resolve(first);
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}:\n${output.join('\n')}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    port,
    ports,
    httpPort,
    http: `${httpScheme}://127.0.0.1:${httpPort}`,
    bootstrap: `127.0.0.1:${port}`,
    dir,
    process: child,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      // A broker that does not stop is a failure to see, not a test left hanging.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS); });
      const code = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (code !== 'late') return code;
      child.kill('SIGKILL');
      await exited;
      throw new Error(`broker did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed); its last output:\n${output.slice(-20).join('\n')}`);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs a Python script with Debian's python3 (where python3-kafka lives). The modules it
 * imports (kafka-python with all its codecs, confluent_kafka) are checked first: a missing
 * one throws at once, naming its package, instead of failing or hanging inside the client.
 */
export function python(script: string, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireExternal(packagesForPython(script));
  return run(PYTHON, ['-c', script, ...args], timeoutMs);
}

/** Runs a program to its end (killed after timeoutMs); a test client that is missing throws at once. */
export function run(command: string, args: string[], timeoutMs = 60_000, input?: string | Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const needed = packageForCommand(command);
  if (needed) requireExternal(needed);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}
