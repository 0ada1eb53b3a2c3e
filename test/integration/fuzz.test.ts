// A bounded, seeded fuzz run in every `npm test`: captured client requests, mutated
// (test/fuzz/mutate.ts), sent through the real broker binary. The long runs are `npm run
// fuzz` (figures in RELIABILITY.md); this one is the same harness at a size that takes
// seconds. A failure prints the command that reproduces it.
import { describe, expect, it } from 'vitest';
import { fuzz, failures } from '../fuzz/fuzzer.js';
import { MUTATOR_NAMES } from '../fuzz/mutate.js';

const SEED = 20261122;
const CASES = 5000;

describe('the broker under fuzzed requests', () => {
  it(`survives ${CASES} seeded cases: alive, answering probes, no error line, bounded RSS`, async () => {
    const report = await fuzz({ seed: SEED, cases: CASES, concurrency: 4, batch: 1000, maxRssBytes: 1 << 30 });
    const repro = report.suspects.length > 0 ? ` (reproduce: npm run fuzz -- --seed ${SEED} --from ${Math.min(...report.suspects)} --cases ${report.suspects.length} --show)` : '';
    expect(failures(report), `${report.errors.map((e) => e.sample).join('\n')}${repro}`).toEqual([]);
    expect(report.casesRun).toBe(CASES);
    expect(report.healthProbes).toBe(CASES / 1000 + 1);
    // The cases reached both ends of the broker's parsing: answered requests and refused frames.
    expect(report.outcomes.answered).toBeGreaterThan(CASES / 10);
    expect(report.outcomes.closed).toBeGreaterThan(CASES / 10);
    for (const name of MUTATOR_NAMES) expect(report.mutators[name], name).toBeGreaterThan(0);
    // What the broker said agrees with the codecs: every answer is to a request sent, in order,
    // and decodes; no connection closed while a parsable request awaited its answer.
    const samples = JSON.stringify(report.mismatchSamples.filter((m) => m.kind !== 'answers dropped at a refused frame'), null, 1);
    expect(report.mismatchKinds['unexpected response'] ?? 0, samples).toBe(0);
    expect(report.mismatchKinds['response does not decode'] ?? 0, samples).toBe(0);
    expect(report.mismatchKinds['closed with answers due'] ?? 0, samples).toBe(0);
    expect(report.mismatchKinds['not closed after a bad frame'] ?? 0, samples).toBe(0);
  }, 240_000);
});
