// The fuzz run: cases from mutate.ts sent through the real broker, several connections at
// once, one connection per case. The oracle:
//   - the broker process stays alive and logs nothing at error level (a handler that threw,
//     anything uncaught);
//   - after every batch of cases a fresh connection gets ApiVersions and Metadata answered
//     within HEALTH_TIMEOUT_MS (no hang, no wedged event loop);
//   - its RSS stays below maxRssBytes;
//   - per case, what the broker did agrees with expect.ts (answers in order, each decodes;
//     closed exactly where a frame cannot be parsed). Disagreements are counted and sampled.
import { connect, type Socket } from 'node:net';
import { Core } from '../../src/core/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { BrokerProcess, type ErrorLine } from './broker-process.js';
import { loadCorpus, type Seed } from './corpus.js';
import { decodeResponse, expectationOf, type Expectation, type Served } from './expect.js';
import { makeCase, type Case, type MutateContext } from './mutate.js';
import { Random } from './random.js';

const API_VERSIONS = 18;
const METADATA = 3;
const HEALTH_TIMEOUT_MS = 10_000;
/** A case that is still making progress is cut off after this long all the same. */
const CASE_LIMIT_MS = 30_000;
const MISMATCH_SAMPLES_PER_KIND = 5;
/** How long a case whose connection must close waits for the close. */
const CLOSE_DUE_MS = 5000;
/** How long a case with no answer due watches its connection for a wrong close. */
const SETTLE_MS = 20;
/** The broker's socket.request.max.bytes (its default; the fuzz broker keeps it). */
export const MAX_REQUEST_BYTES = 104_857_600;

export interface FuzzOptions {
  seed: number;
  /** Cases to run, starting at case index `from`. */
  cases: number;
  from?: number;
  concurrency?: number;
  /** A case whose connection shows no progress for this long is ended (the broker waits for more). */
  quietMs?: number;
  /** Cases between health probes and RSS samples. */
  batch?: number;
  /** Stops starting cases after this long. */
  maxMs?: number;
  maxRssBytes?: number;
  /** Only seeds of these API names (e.g. Produce, Fetch); all when empty. */
  apis?: string[];
  /** Extra broker settings. */
  overrides?: Record<string, string>;
  /** The broker to run: a path to strom.cjs (default: this checkout's dist/bundle/strom.cjs). */
  broker?: string;
  progress?: (report: FuzzReport) => void;
  /** Called with each case before it runs (--show). */
  onCase?: (c: Case) => void;
}

/** Ways the broker's behaviour on a connection can differ from expect.ts's. */
export type MismatchKind =
  | 'answers dropped at a refused frame' // valid requests before a bad frame went unanswered: the close did not wait for them
  | 'closed with answers due'
  | 'not closed after a bad frame'
  | 'unexpected response'
  | 'response does not decode';

export type Outcome = 'answered' | 'closed' | 'silent' | 'ended' | 'refused';

export interface Mismatch {
  index: number;
  kind: MismatchKind;
  what: string;
  mutations: string[];
  seeds: string[];
}

export interface FuzzReport {
  seed: number;
  from: number;
  casesPlanned: number;
  casesRun: number;
  /**
   * Cases per outcome: answered (>= 1 response), closed (by the broker, no response), silent
   * (neither: the broker waits for more bytes or a long wait), ended (half-closed or reset by
   * the fuzzer before an answer), refused (the connection could not be made).
   */
  outcomes: Record<Outcome, number>;
  responses: number;
  mutators: Record<string, number>;
  crashes: number;
  crash: string | null;
  /** Case indexes in flight when the broker died or a probe failed. */
  suspects: number[];
  healthProbes: number;
  healthFailures: number;
  errorLines: number;
  errors: ErrorLine[];
  mismatches: number;
  mismatchKinds: Partial<Record<MismatchKind, number>>;
  mismatchSamples: Mismatch[];
  /** Topics and partitions the broker had at the end. */
  topics: number;
  partitions: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPeakBytes: number;
  rssExceeded: boolean;
  elapsedMs: number;
  brokerCpuSeconds: number;
  fuzzerCpuSeconds: number;
  brokerArgs: string[];
  /** The broker's last log lines. */
  logTail: string[];
  corpus: { seeds: number; clients: string[] };
}

/** Failures that make a run red: crash, failed probe, error lines, RSS over its bound. */
export function failures(report: FuzzReport): string[] {
  const out: string[] = [];
  if (report.crashes > 0) out.push(`the broker died: ${report.crash}`);
  if (report.healthFailures > 0) out.push(`${report.healthFailures} health probe(s) failed`);
  if (report.errorLines > 0) out.push(`${report.errorLines} error line(s) logged`);
  if (report.outcomes.refused > 0) out.push(`${report.outcomes.refused} connection(s) refused`);
  if (report.rssExceeded) out.push(`RSS reached ${(report.rssPeakBytes / 2 ** 20).toFixed(0)} MiB`);
  return out;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const from = options.from ?? 0;
  const concurrency = options.concurrency ?? 4;
  const quietMs = options.quietMs ?? 250;
  const batch = options.batch ?? 1000;
  const maxMs = options.maxMs ?? Infinity;
  const maxRssBytes = options.maxRssBytes ?? 2 * 2 ** 30;
  const seeds = loadCorpus().filter((s) => !options.apis?.length || options.apis.some((api) => s.name.includes(` ${api} v`)));
  if (seeds.length === 0) throw new Error(`no seeds for ${options.apis?.join(', ')}`);
  const ctx: MutateContext = { seeds, core: Core.create(), maxRequestBytes: MAX_REQUEST_BYTES };
  const broker = await BrokerProcess.start(options.overrides, options.broker);
  const started = Date.now();
  const report: FuzzReport = {
    seed: options.seed, from, casesPlanned: options.cases, casesRun: 0,
    outcomes: { answered: 0, closed: 0, silent: 0, ended: 0, refused: 0 }, responses: 0, mutators: {},
    crashes: 0, crash: null, suspects: [], healthProbes: 0, healthFailures: 0, errorLines: 0, errors: [],
    mismatches: 0, mismatchKinds: {}, mismatchSamples: [], topics: 0, partitions: 0, rssBeforeBytes: 0, rssAfterBytes: 0, rssPeakBytes: 0, rssExceeded: false,
    elapsedMs: 0, brokerCpuSeconds: 0, fuzzerCpuSeconds: 0, brokerArgs: broker.args.filter((a, i, all) => !a.startsWith('log.dirs=') && !all[i + 1]?.startsWith('log.dirs=')), logTail: [],
    corpus: { seeds: seeds.length, clients: [...new Set(seeds.map((s: Seed) => s.client))] },
  };
  const inFlight = new Set<number>();
  try {
    const served = await probe(broker.port);
    report.healthProbes++;
    report.rssBeforeBytes = broker.memory()!.rssBytes;
    const died = broker.exited.then(() => 'died' as const);
    for (let start = from; start < from + options.cases && Date.now() - started < maxMs; start += batch) {
      const end = Math.min(start + batch, from + options.cases);
      let next = start;
      const worker = async () => {
        while (next < end && broker.alive && Date.now() - started < maxMs) {
          const index = next++;
          const c = makeCase(new Random(options.seed, index), index, ctx);
          options.onCase?.(c);
          for (const m of c.mutations) report.mutators[m] = (report.mutators[m] ?? 0) + 1;
          inFlight.add(index);
          const expectation = expectationOf(c.bytes, served, MAX_REQUEST_BYTES);
          const result = await runCase(broker.port, c, expectation, quietMs);
          inFlight.delete(index);
          report.casesRun++;
          report.outcomes[result.outcome]++;
          report.responses += result.responses;
          if (result.mismatch) {
            const [kind, what] = result.mismatch;
            report.mismatches++;
            const seen = report.mismatchKinds[kind] ?? 0;
            report.mismatchKinds[kind] = seen + 1;
            if (seen < MISMATCH_SAMPLES_PER_KIND) report.mismatchSamples.push({ index, kind, what, mutations: c.mutations, seeds: c.seeds.slice(0, 4) });
          }
        }
      };
      const workers = Promise.all(Array.from({ length: concurrency }, worker));
      if (await Promise.race([workers, died]) === 'died') {
        report.suspects = [...inFlight];
        break;
      }
      const memory = broker.memory();
      if (memory) {
        report.rssAfterBytes = memory.rssBytes;
        report.rssPeakBytes = Math.max(report.rssPeakBytes, memory.peakBytes);
        if (memory.rssBytes > maxRssBytes) report.rssExceeded = true;
      }
      report.healthProbes++;
      const healthy = await Promise.race([probe(broker.port, report).then(() => true, () => false), died.then(() => false)]);
      if (!healthy) {
        report.healthFailures++;
        report.suspects = Array.from({ length: end - start }, (_, i) => start + i);
        break;
      }
      collect(report, broker, started);
      options.progress?.(report);
      if (report.rssExceeded) break;
    }
  } finally {
    collect(report, broker, started);
    if (!broker.alive) {
      report.crashes = 1;
      report.crash = `exit code ${broker.exit!.code}, signal ${broker.exit!.signal}\n${broker.tail.slice(-30).join('\n')}`;
    }
    await broker.stop();
  }
  return report;
}

function collect(report: FuzzReport, broker: BrokerProcess, started: number): void {
  report.errorLines = broker.errorCount;
  report.errors = [...broker.errors.values()];
  report.elapsedMs = Date.now() - started;
  report.logTail = broker.tail.slice();
  report.brokerCpuSeconds = broker.cpuSeconds() ?? report.brokerCpuSeconds;
  report.fuzzerCpuSeconds = (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
}

/** ApiVersions, then Metadata, on a fresh connection, each within HEALTH_TIMEOUT_MS; returns what is served. */
async function probe(port: number, report?: FuzzReport): Promise<Map<number, Served>> {
  const client = await withTimeout(RawClient.connect(port), 'connect');
  try {
    const versions = await withTimeout(client.request(API_VERSIONS, 3, { clientSoftwareName: 'strom-fuzz', clientSoftwareVersion: '1' }), 'ApiVersions');
    if (versions.errorCode !== 0) throw new Error(`ApiVersions error ${versions.errorCode}`);
    const metadata = await withTimeout(client.request(METADATA, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }), 'Metadata');
    if (report) {
      report.topics = metadata.topics.length;
      report.partitions = metadata.topics.reduce((n: number, t: { partitions: unknown[] }) => n + t.partitions.length, 0);
    }
    return new Map(versions.apiKeys.map((k: { apiKey: number; minVersion: number; maxVersion: number }) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
  } finally {
    client.close();
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

interface CaseResult {
  outcome: Outcome;
  responses: number;
  mismatch: [MismatchKind, string] | null;
}

/** Sends one case on a fresh connection and watches what the broker does with it. */
function runCase(port: number, c: Case, expectation: Expectation, quietMs: number): Promise<CaseResult> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let pending = Buffer.alloc(0);
    let responses = 0;
    let due = 0; // next expected answer
    let mismatch: [MismatchKind, string] | null = null;
    let closedByBroker = false;
    let connected = false;
    let finished = false;
    let quiet: NodeJS.Timeout | null = null;
    const limit = setTimeout(() => finish('silent'), CASE_LIMIT_MS);
    const required = expectation.answers.filter((a) => !a.optional).length;
    let requiredSeen = 0;

    const finish = (outcome: Outcome) => {
      if (finished) return;
      finished = true;
      clearTimeout(limit);
      if (quiet) clearTimeout(quiet);
      socket.destroy();
      resolve({ outcome: responses > 0 && outcome !== 'ended' && outcome !== 'refused' ? 'answered' : outcome, responses, mismatch });
    };
    const note = (kind: MismatchKind, what: string) => { mismatch ??= [kind, what]; };
    const rearm = (ms = quietMs) => {
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => {
        if (c.ending === 'wait' && requiredSeen === required && expectation.then === 'close') {
          // The close is due: give a busy broker time before calling it missing.
          if (ms < CLOSE_DUE_MS) return rearm(CLOSE_DUE_MS);
          note('not closed after a bad frame', `not closed after ${expectation.reason}`);
        }
        finish(c.ending === 'wait' ? 'silent' : 'ended');
      }, ms);
    };
    const settled = () => c.ending === 'wait' && requiredSeen === required && expectation.then === 'wait';

    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        responses++;
        if (c.ending !== 'wait') continue;
        const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : NaN;
        // Skip acks=0 Produce requests that got no answer.
        while (due < expectation.answers.length && expectation.answers[due].optional && expectation.answers[due].correlationId !== correlationId) due++;
        const answer = expectation.answers[due];
        if (!answer || answer.correlationId !== correlationId) {
          note('unexpected response', `unexpected response (correlation id ${correlationId})`);
          continue;
        }
        due++;
        if (!answer.optional) requiredSeen++;
        try {
          decodeResponse(frame, answer);
        } catch (e) {
          note('response does not decode', `response to API ${answer.apiKey} v${answer.apiVersion} does not decode: ${(e as Error).message}`);
        }
      }
      if (settled()) finish('answered');
      else rearm();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closedByBroker = !finished;
      if (finished) return;
      if (!connected) {
        finish('refused');
        return;
      }
      const next = expectation.answers.findIndex((a, i) => i >= due && a.optional);
      // Kafka closes the connection when an acks=0 Produce fails: whatever is in flight is dropped.
      if (c.ending === 'wait' && requiredSeen < required && next < 0) {
        const what = `closed with ${required - requiredSeen} answer(s) due`;
        if (expectation.then === 'close') note('answers dropped at a refused frame', `${what}, then ${expectation.reason}`);
        else note('closed with answers due', what);
      }
      finish(c.ending === 'wait' ? 'closed' : 'ended');
    });
    socket.on('connect', () => {
      connected = true;
      void deliver(socket, c).then(() => {
        if (finished) return;
        if (c.ending === 'destroy') return finish('ended');
        if (c.ending === 'end') socket.end();
        // Nothing due (a frame left incomplete, acks=0): a moment to see that it is not closed.
        if (settled()) rearm(SETTLE_MS);
        else rearm();
      });
    });
  });
}

async function deliver(socket: Socket, c: Case): Promise<void> {
  if (c.delivery === 'whole' || c.cuts.length === 0) {
    socket.write(c.bytes);
    return;
  }
  let at = 0;
  for (const cut of [...c.cuts, c.bytes.length]) {
    if (socket.destroyed) return;
    if (cut <= at) continue;
    socket.write(c.bytes.subarray(at, cut));
    at = cut;
    // Let each write leave as its own segment.
    await new Promise((r) => setImmediate(r));
  }
}
