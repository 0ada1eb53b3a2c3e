#!/usr/bin/env node
// Finds sparse multiples 1 + x^r1 + ... + x^d of the CRC-32C generator polynomial, the
// constants behind the table-free fold in assembly/crc32.ts. Meet in the middle: residues
// x^i mod G of half the terms go in a map, the other half look themselves up.
// CRC-32C's polynomial has an even number of terms, so (x + 1) divides it and only even
// weights exist. Over GF(2), P(x^8) = P(x)^8, so every multiple P also folds whole bytes.
//
//   node tools/find-crc-multiples.mjs <maxDegree> <weight> [minDistance]
//   node tools/find-crc-multiples.mjs 6000 4 512     # -> d=5275: 1 + x^2751 + x^4508 + x^5275
//   node tools/find-crc-multiples.mjs 260 6 64       # -> d=209:  1 + x^14 + x^39 + x^54 + x^144 + x^209
// minDistance bounds d - (second-highest exponent): the fold reads a byte that many
// positions back, and short distances stall on store-to-load forwarding.
const POLY = 0x1edc6f41; // CRC-32C, normal (non-reflected) form without x^32
const maxDegree = Number(process.argv[2] ?? 260);
const weight = Number(process.argv[3] ?? 6);
const minDistance = Number(process.argv[4] ?? 16);

const residue = new Uint32Array(maxDegree);
for (let i = 0, r = 1; i < maxDegree; i++) {
  residue[i] = r >>> 0;
  r = ((r << 1) ^ (r & 0x80000000 ? POLY : 0)) >>> 0;
}

function forEachSubset(k, start, acc, visit) {
  if (k === 0) return visit(acc);
  for (let i = start; i < maxDegree; i++) {
    acc.push(i);
    forEachSubset(k - 1, i + 1, acc, visit);
    acc.pop();
  }
}

const left = Math.floor((weight - 1) / 2);
const right = weight - 1 - left;
const byResidue = new Map();
forEachSubset(left, 1, [], (terms) => {
  let key = 0;
  for (const i of terms) key ^= residue[i];
  const list = byResidue.get(key >>> 0);
  if (!list) byResidue.set(key >>> 0, [terms.slice()]);
  else if (list.length < 8) list.push(terms.slice());
});
const found = new Map();
forEachSubset(right, 1, [], (terms) => {
  let key = 1; // the constant term
  for (const i of terms) key ^= residue[i];
  for (const other of byResidue.get(key >>> 0) ?? []) {
    const exps = [...new Set([...other, ...terms])].sort((a, b) => a - b);
    if (exps.length !== weight - 1) continue;
    const d = exps[exps.length - 1];
    if (d - exps[exps.length - 2] < minDistance) continue;
    found.set(exps.join(','), exps);
  }
});
const best = [...found.values()].sort((a, b) => a[a.length - 1] - b[b.length - 1]).slice(0, 5);
for (const e of best) console.log(`d=${e[e.length - 1]}: 1 + ${e.map((x) => 'x^' + x).join(' + ')}`);
if (best.length === 0) console.log('none below degree', maxDegree);
