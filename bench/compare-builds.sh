#!/usr/bin/env bash
# Compares two builds of the broker in alternating runs on this machine (a noisy machine moves
# single runs by tens of percent: read the ranges). Each run starts a broker from the build's
# bundle on a free loopback port with a fresh log dir and drives it with that build's own
# `strom perf`: produce 3 M x 100 B in 256 KiB batches, consume them back, 400,000 x 1 KiB in
# 1 MiB batches, 1 M x 100 B in 16 KiB batches, e2e at 20,000 msg/s of 1 KiB over 16
# partitions. Every step is bounded by its record count. Beside the rates, the broker's CPU time
# for each of the four produce and consume steps (user + system of all its threads, from /proc,
# in ticks of 10 ms): other processes on a shared machine move it far less than the rates.
#   bench/compare-builds.sh <before: a built checkout> <after: a built checkout> [pairs, default 2]
# A built checkout: `git worktree add /tmp/before <commit> && cd /tmp/before && npm ci && npm run build`.
set -euo pipefail
before=$1; after=$2; pairs=${3:-2}
run() {
  local root=$1 tag=$2 dir port b
  dir=$(mktemp -d); port=$((20000 + RANDOM % 10000)); b=127.0.0.1:$port
  STROM_ASSERTIONS=off node "$root/dist/bundle/strom.cjs" start --override "listeners=PLAINTEXT://$b" --override http.listeners= --override "log.dirs=$dir" >"$dir/broker.log" 2>&1 &
  local pid=$!
  sleep 1.5
  perf() { node "$root/dist/bundle/strom.cjs" perf "$@" --bootstrap-server "$b" --json --quiet 2>/dev/null | tail -1; }
  field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
  cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  local p256 c p1m p16 e2e t0 t1 t2 t3 t4
  t0=$(cpu)
  p256=$(perf produce --topic a --num-records 3000000 --record-size 100 --partitions 6 --batch-bytes 262144 | field "d['records_per_sec']")
  t1=$(cpu)
  c=$(perf consume --topic a --messages 3000000 --from-beginning --fetch-size 8388608 --timeout 3000 | field "d['records_per_sec']")
  t2=$(cpu)
  p1m=$(perf produce --topic b --num-records 400000 --record-size 1024 --partitions 1 --batch-bytes 1048576 | field "d['mb_per_sec']")
  t3=$(cpu)
  p16=$(perf produce --topic c --num-records 1000000 --record-size 100 --partitions 6 --batch-bytes 16384 | field "d['records_per_sec']")
  t4=$(cpu)
  e2e=$(perf e2e --topic d --num-records 200000 --record-size 1024 --partitions 16 --throughput 20000 --linger-ms 1 --warmup-ms 2000 | field "d['latency_ms']['p50'], d['latency_ms']['p99']")
  echo "$tag produce256k=$p256 consume=$c produce1MiB_MBs=$p1m produce16k=$p16 e2e_p50_p99=$e2e broker_cpu_ticks=$((t1 - t0))/$((t2 - t1))/$((t3 - t2))/$((t4 - t3))"
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
}
for ((i = 0; i < pairs; i++)); do
  if ((i % 2 == 0)); then run "$before" before; run "$after" after; else run "$after" after; run "$before" before; fi
done
