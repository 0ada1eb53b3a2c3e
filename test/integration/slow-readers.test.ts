// Clients that never read their responses cannot take the broker's memory or its other clients
// with them (the reproduction of a crash: 4 connections each pipelining 200 Fetches of 8 MiB
// and reading nothing, while a librdkafka producer writes one record per 100 ms). The scenario
// is the reliability benchmark's (bench/slow-readers.bench.mjs); this test holds it to its
// targets, except the producer's latency, which the benchmark reports.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/broker.js';

const BENCH = fileURLToPath(new URL('../../bench/slow-readers.bench.mjs', import.meta.url));

describe('slow readers', () => {
  it('pin no fetched data, starve no producer, and leave the broker serving with its memory back', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [BENCH, '--no-save'], 120_000);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    console.log(`slow readers: RSS ${result.rss_start_mb.toFixed(0)} -> peak ${result.rss_peak_mb.toFixed(0)} -> ${result.rss_after_mb.toFixed(0)} MB; `
      + `live producer p50 ${result.live.p50_ms?.toFixed(1)} / p99 ${result.live.p99_ms?.toFixed(1)} ms`);
    expect(result.alive).toBe(true);
    expect(result.live.errors).toEqual([]);
    expect(result.live.acked).toBe(result.live.sent);
    expect(result.rss_peak_mb).toBeLessThan(300);
    expect(result.rss_after_mb).toBeLessThanOrEqual(result.rss_start_mb * 1.2);
    expect(result.request_memory_after_bytes).toBeLessThanOrEqual(result.request_memory_start_bytes);
    expect(result.consumed).toBe(result.loaded);
    expect(result.failures_logged).toBe(0);
  }, 150_000);
});
