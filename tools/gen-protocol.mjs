#!/usr/bin/env node
// Generates src/protocol/generated/ from Kafka's message specs (tools/kafka-protocol/
// messages-3.9, Kafka 3.9.2's, with each file of tools/kafka-protocol/messages-trunk, a
// newer spec from Kafka trunk, replacing the 3.9 file of its name): one module per API (request and response codecs with their types), one per
// data message, the request/response headers, and an index of all APIs.
//
//   node tools/gen-protocol.mjs [specDir]
//   node tools/gen-protocol.mjs --check   exit 1, listing the files, if src/protocol/generated/
//                                         differs from what would be generated (a test runs this)
//
// Each struct gets a reader and a writer that take the version, like Kafka's own generator:
// fields are read or written when the version has them (in place, or in the tagged-field
// section of flexible versions), absent fields take their defaults, and writing a
// non-ignorable field with a non-default value at a version without it throws.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const SPEC_DIR = args.find((a) => !a.startsWith('--')) ?? join(ROOT, 'tools', 'kafka-protocol', 'messages-3.9');
const OUT = join(ROOT, 'src', 'protocol', 'generated');

// ---- spec reading ----------------------------------------------------------------------

/** Drops // comments outside strings. */
function stripComments(text) {
  return text.split('\n').map((line) => {
    let out = '';
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"' && line[i - 1] !== '\\') inString = !inString;
      if (!inString && c === '/' && line[i + 1] === '/') break;
      out += c;
    }
    return out;
  }).join('\n');
}

/** "N", "N-M", "N+", "none" -> { lo, hi } | null */
function range(text) {
  if (text === undefined || text === 'none') return null;
  if (text.endsWith('+')) return { lo: Number(text.slice(0, -1)), hi: Infinity };
  const [lo, hi] = text.split('-').map(Number);
  return { lo, hi: hi ?? lo };
}
const intersect = (a, b) => (a && b && Math.max(a.lo, b.lo) <= Math.min(a.hi, b.hi) ? { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) } : null);
const covers = (outer, inner) => outer && inner && outer.lo <= inner.lo && outer.hi >= inner.hi;

/** TS condition that v is in r, given v is known to be in `within`. */
function cond(r, within) {
  if (!r) return 'false';
  const parts = [];
  if (r.lo > within.lo) parts.push(`v >= ${r.lo}`);
  if (r.hi < within.hi) parts.push(`v <= ${r.hi}`);
  return parts.length ? parts.join(' && ') : 'true';
}

const camel = (name) => name[0].toLowerCase() + name.slice(1);
const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);
const NUMERIC = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64']);

// ---- one message -------------------------------------------------------------------------

function generateMessage(spec) {
  const name = spec.name;
  const valid = range(spec.validVersions);
  const flexible = range(spec.flexibleVersions);
  const structs = new Map(); // struct name -> { fields, versions }
  const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s]));

  // Collect structs with the version range in which each can appear.
  function collect(structName, fields, versions) {
    const known = structs.get(structName);
    if (known) {
      known.versions = { lo: Math.min(known.versions.lo, versions.lo), hi: Math.max(known.versions.hi, versions.hi) };
      if (known.fields !== fields) return;
    } else structs.set(structName, { fields, versions });
    for (const f of fields) {
      const fv = intersect(range(f.versions), versions);
      if (!fv) continue;
      const inner = f.type.replace(/^\[\]/, '');
      if (PRIMITIVES.has(inner)) continue;
      const sub = f.fields ?? common.get(inner)?.fields;
      if (!sub) throw new Error(`${name}: unknown type ${f.type}`);
      collect(inner, sub, fv);
    }
  }
  if (valid) collect(name, spec.fields, valid);

  const typeName = (s) => (s === name ? name : `${name}.${s}`);
  const fnName = (s) => (s === name ? name : `${name}${s}`);

  function fieldInfo(f, structVersions) {
    const versions = intersect(range(f.versions), structVersions);
    const nullable = intersect(range(f.nullableVersions), versions);
    const tagged = f.tag !== undefined ? intersect(range(f.taggedVersions), versions) : null;
    const isArray = f.type.startsWith('[]');
    const inner = f.type.replace(/^\[\]/, '');
    const isStruct = !PRIMITIVES.has(inner);
    const compactNever = f.flexibleVersions === 'none';
    return { f, prop: camel(f.name), versions, nullable, tagged, isArray, inner, isStruct, compactNever };
  }

  function tsType(fi) {
    // Record sets in responses may be streamed from a log segment as the response is written (Records).
    const recordsType = spec.type === 'response' ? 'Records' : 'Buffer';
    const elem = fi.isStruct ? typeName(fi.inner) : { bool: 'boolean', string: 'string', uuid: 'string', bytes: 'Buffer', records: recordsType }[fi.inner] ?? 'number';
    const base = fi.isArray ? `${elem}[]` : elem;
    const canBeNull = fi.nullable || (fi.inner === 'records' && !fi.isArray);
    return canBeNull ? `${base} | null` : base;
  }

  function defaultExpr(fi) {
    const d = fi.f.default;
    if (fi.isArray) return d === 'null' ? 'null' : '[]';
    if (fi.isStruct) return fi.nullable && d === 'null' ? 'null' : `default${fnName(fi.inner)}()`;
    switch (fi.inner) {
      case 'bool': return String(d === true || d === 'true');
      case 'string': return d === undefined ? "''" : d === 'null' ? 'null' : JSON.stringify(String(d));
      case 'uuid': return 'ZERO_UUID';
      case 'bytes': return d === 'null' ? 'null' : 'EMPTY';
      case 'records': return 'null';
      default: {
        if (d === undefined || d === '') return '0';
        const n = typeof d === 'number' ? d : String(d).startsWith('0x') ? parseInt(d, 16) : Number(d);
        if (!Number.isFinite(n)) throw new Error(`${name}.${fi.f.name}: default ${d}`);
        return String(n);
      }
    }
  }

  /** Expression reading one value; `compact` is a TS expression, `nullableCond` when it may be null. */
  function readValue(fi, compact, nullableCond, reader) {
    if (fi.isStruct) {
      const call = `read${fnName(fi.inner)}(${reader}, v)`;
      return nullableCond === 'false' ? call : `((${nullableCond}) && ${reader}.int8() < 0 ? null : ${call})`;
    }
    switch (fi.inner) {
      case 'string': return nullableCond === 'false' ? `${reader}.string(${compact})`
        : nullableCond === 'true' ? `${reader}.nullableString(${compact})` : `(${nullableCond} ? ${reader}.nullableString(${compact}) : ${reader}.string(${compact}))`;
      case 'bytes': case 'records': return nullableCond === 'false' && fi.inner === 'bytes' ? `${reader}.bytes(${compact})`
        : nullableCond === 'true' || fi.inner === 'records' ? `${reader}.nullableBytes(${compact})` : `(${nullableCond} ? ${reader}.nullableBytes(${compact}) : ${reader}.bytes(${compact}))`;
      default: return `${reader}.${fi.inner}()`;
    }
  }

  function writeValue(fi, compact, nullableCond, value, writer) {
    if (fi.isStruct) {
      const call = `write${fnName(fi.inner)}(${writer}, v, ${value})`;
      if (nullableCond === 'false') return `${call};`;
      return `if (${value} === null) ${writer}.int8(-1); else { ${writer}.int8(1); ${call}; }`;
    }
    switch (fi.inner) {
      case 'string': return nullableCond === 'false' ? `${writer}.string(${value}, ${compact});` : `${writer}.nullableString(${value}, ${compact});`;
      case 'bytes': return `${writer}.nullableBytes(${value}, ${compact});`;
      case 'records': return `${writer}.records(${value}, ${compact});`;
      default: return `${writer}.${fi.inner}(${value});`;
    }
  }

  function readField(fi, compact, nullableCond, reader) {
    if (!fi.isArray) return readValue(fi, compact, nullableCond, reader);
    const elem = { ...fi, isArray: false, nullable: null };
    return `readArray(${reader}, ${compact}, ${nullableCond}, () => ${readValue(elem, compact, 'false', reader)})`;
  }

  function writeField(fi, compact, nullableCond, value, writer) {
    if (!fi.isArray) return writeValue(fi, compact, nullableCond, value, writer);
    const elem = { ...fi, isArray: false, nullable: null };
    return `writeArray(${writer}, ${compact}, ${value}, (e) => { ${writeValue(elem, compact, 'false', 'e', writer)} });`;
  }

  /** Expression true when value equals the field's default (for tagged and version checks). */
  function isDefault(fi, value) {
    const d = defaultExpr(fi);
    if (fi.isArray) return d === 'null' ? `${value} === null` : `(${value} !== null && ${value}.length === 0)`;
    if (fi.isStruct) return d === 'null' ? `${value} === null` : `isDefault${fnName(fi.inner)}(${value})`;
    if (fi.inner === 'bytes') return d === 'null' ? `${value} === null` : `(${value} !== null && ${value}.length === 0)`;
    if (fi.inner === 'records') return `${value} === null`;
    return `${value} === ${d}`;
  }

  /** Versions in which a field travels in place (not in the tagged section). */
  function inPlaceCond(fi, versions) {
    if (!fi.tagged) return cond(fi.versions, versions);
    if (covers(fi.tagged, fi.versions) && covers(flexible, fi.tagged)) return 'false';
    return `${cond(fi.versions, versions)} && !(${flexExpr} && ${cond(fi.tagged, versions)})`;
  }

  const out = [];
  const flexExpr = flexible ? `v >= ${flexible.lo}` : 'false';

  for (const [structName, { fields, versions }] of structs) {
    const infos = fields.map((f) => fieldInfo(f, versions)).filter((fi) => fi.versions || range(fi.f.versions));
    // Type
    const lines = infos.map((fi) => `  /** ${(fi.f.about ?? '').replace(/\*\//g, '* /')} */\n  ${fi.prop}: ${tsType(fi)};`);
    out.push({ kind: 'type', structName, text: lines.join('\n') });

    // Default value
    const defaults = infos.map((fi) => `${fi.prop}: ${defaultExpr(fi)}`);
    out.push({ kind: 'code', text: `/** ${typeName(structName)} with every field at its default. */\nexport function default${fnName(structName)}(): ${typeName(structName)} {\n  return { ${defaults.join(', ')} };\n}` });
    out.push({ kind: 'code', text: `function isDefault${fnName(structName)}(m: ${typeName(structName)}): boolean {\n  return ${infos.map((fi) => isDefault(fi, `m.${fi.prop}`)).join('\n    && ') || 'true'};\n}` });

    // Reader
    const body = [];
    const taggedCases = [];
    for (const fi of infos) {
      body.push(`  let ${fi.prop}: ${tsType(fi)} = ${defaultExpr(fi)};`);
    }
    for (const fi of infos) {
      if (!fi.versions) continue;
      const compact = fi.compactNever ? 'false' : 'flex';
      const inPlace = inPlaceCond(fi, versions);
      const nullableCond = cond(fi.nullable, fi.versions);
      const read = readField(fi, compact, nullableCond, 'r');
      if (inPlace === 'true') body.push(`  ${fi.prop} = ${read};`);
      else if (inPlace !== 'false') body.push(`  if (${inPlace}) ${fi.prop} = ${read};`);
      if (fi.tagged) {
        const tnull = cond(fi.nullable, fi.tagged);
        taggedCases.push(`      case ${fi.f.tag}: if (${cond(fi.tagged, versions)}) { ${fi.prop} = ${readField(fi, 'true', tnull, 't')}; return true; } return false;`);
      }
    }
    if (flexible && intersect(flexible, versions)) {
      if (taggedCases.length) body.push(`  if (flex) r.taggedFields((tag, t) => {\n    switch (tag) {\n${taggedCases.join('\n')}\n      default: return false;\n    }\n  });`);
      else body.push('  if (flex) r.taggedFields();');
    }
    body.push(`  return { ${infos.map((fi) => fi.prop).join(', ')} };`);
    let text = body.join('\n');
    if (/\bflex\b/.test(text)) text = `  const flex = ${flexExpr};\n${text}`;
    const exported = structName === name ? 'export ' : '';
    out.push({ kind: 'code', text: `${exported}function read${fnName(structName)}(r: Reader, v: number): ${typeName(structName)} {\n${text}\n}` });

    // Writer
    const wbody = [];
    const taggedWrites = [];
    for (const fi of infos) {
      const compact = fi.compactNever ? 'false' : 'flex';
      const value = `m.${fi.prop}`;
      if (!fi.versions) continue;
      const inPlace = inPlaceCond(fi, versions);
      const nullableCond = cond(fi.nullable, fi.versions);
      const write = writeField(fi, compact, nullableCond, value, 'w');
      const guard = fi.f.ignorable || fi.tagged ? '' : ` else if (!(${isDefault(fi, value)})) unsupported('${name}', '${fi.f.name}', v);`;
      if (inPlace === 'true') wbody.push(`  ${write}`);
      else if (inPlace !== 'false') wbody.push(`  if (${inPlace}) { ${write} }${guard}`);
      if (fi.tagged) {
        taggedWrites.push(`  if (${cond(fi.tagged, versions)} && !(${isDefault(fi, value)})) tags.push([${fi.f.tag}, (t) => { ${writeField(fi, 'true', cond(fi.nullable, fi.tagged), value, 't')} }]);`);
      }
    }
    if (flexible && intersect(flexible, versions)) {
      if (taggedWrites.length) wbody.push(`  if (flex) {\n    const tags: [number, (t: Writer) => void][] = [];\n${taggedWrites.map((l) => '  ' + l).join('\n')}\n    w.taggedFields(tags);\n  }`);
      else wbody.push('  if (flex) w.uvarint(0);');
    }
    let wtext = wbody.join('\n');
    if (/\bflex\b/.test(wtext)) wtext = `  const flex = ${flexExpr};\n${wtext}`;
    out.push({ kind: 'code', text: `${exported}function write${fnName(structName)}(w: Writer, v: number, m: ${typeName(structName)}): void {\n${wtext || '  void w; void m;'}\n}` });
  }

  // Assemble: the root interface, a namespace of nested struct types, then code.
  const types = out.filter((o) => o.kind === 'type');
  const root = types.find((t) => t.structName === name);
  const nested = types.filter((t) => t.structName !== name);
  let text = `/** ${name}, versions ${spec.validVersions}${spec.flexibleVersions && spec.flexibleVersions !== 'none' ? `, flexible ${spec.flexibleVersions}` : ''}. */\nexport interface ${name} {\n${root ? root.text : ''}\n}\n`;
  if (nested.length) {
    text += `\nexport namespace ${name} {\n${nested.map((t) => `  export interface ${t.structName} {\n${t.text.replace(/^/gm, '  ')}\n  }`).join('\n\n')}\n}\n`;
  }
  const code = out.filter((o) => o.kind === 'code').map((o) => o.text);
  // isDefault* helpers are kept only where something refers to them.
  const helperName = (c) => /^function (isDefault\w+)\(/.exec(c)?.[1];
  const kept = new Set(code.filter((c) => !helperName(c)));
  for (let changed = true; changed;) {
    changed = false;
    const text = [...kept].join('\n');
    for (const c of code) {
      const n = helperName(c);
      if (n && !kept.has(c) && new RegExp(`\\b${n}\\(`).test(text)) { kept.add(c); changed = true; }
    }
  }
  const used = code.filter((c) => kept.has(c));
  text += '\n' + used.join('\n\n') + '\n';
  return { text, valid, flexible };
}

// ---- files -------------------------------------------------------------------------------

const BANNER = (sources, origin = 'Apache Kafka 3.9 message specs, Apache License 2.0') => `// GENERATED by tools/gen-protocol.mjs from ${sources.join(', ')}
// (${origin}). Do not edit: run \`node tools/gen-protocol.mjs\`.
/* eslint-disable */
`;

function imports(text) {
  const names = ['Reader', 'Writer', 'Records', 'readArray', 'writeArray', 'unsupported', 'ZERO_UUID', 'EMPTY'].filter((n) => new RegExp(`\\b${n}\\b`).test(text));
  const typeOnly = names.filter((n) => n === 'Reader' || n === 'Writer' || n === 'Records');
  const values = names.filter((n) => !typeOnly.includes(n));
  const lines = [];
  if (typeOnly.length) lines.push(`import type { ${typeOnly.join(', ')} } from '../codec.js';`);
  if (values.length) lines.push(`import { ${values.join(', ')} } from '../runtime.js';`);
  return lines.join('\n') + '\n\n';
}

// Strom's own descriptions of the record layouts of the internal topics (__consumer_offsets,
// __transaction_state), in the same format.
const RECORD_DIR = join(ROOT, 'tools', 'kafka-protocol', 'records');
const readSpecs = (dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((file) => ({ file, dir, spec: JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8'))) }));
// Specs from Kafka trunk for versions 3.9 does not define (see tools/kafka-protocol/README.md).
const TRUNK_DIR = join(ROOT, 'tools', 'kafka-protocol', 'messages-trunk');
const trunk = readSpecs(TRUNK_DIR);
const fromTrunk = new Set(trunk.map((s) => s.file));
const specs = [...readSpecs(SPEC_DIR).filter((s) => !fromTrunk.has(s.file)), ...trunk, ...readSpecs(RECORD_DIR)];
/** File name -> generated text; written (or compared, with --check) at the end. */
const outputs = new Map();
const emit = (name, text) => outputs.set(name, text);

const apis = new Map();
const written = [];
for (const { file, spec } of specs) {
  if (spec.type === 'request' || spec.type === 'response') {
    const api = apis.get(spec.apiKey) ?? { key: spec.apiKey };
    api[spec.type] = { file, spec };
    apis.set(spec.apiKey, api);
  }
}

const table = [];
for (const api of [...apis.values()].sort((a, b) => a.key - b.key)) {
  const req = api.request.spec;
  const res = api.response.spec;
  const apiName = req.name.replace(/Request$/, '');
  if (!range(req.validVersions)) continue; // removed API: key reserved, nothing to generate
  const module = kebab(apiName);
  const a = generateMessage(req);
  const b = generateMessage(res);
  const body = a.text + '\n' + b.text;
  const valid = range(req.validVersions);
  const flexible = range(req.flexibleVersions);
  const meta = `\nexport const ${apiName}Api = {
  key: ${api.key},
  name: '${apiName}',
  minVersion: ${valid.lo},
  maxVersion: ${valid.hi},
  /** First flexible version (compact encoding, tagged fields), or -1. */
  flexibleFrom: ${flexible ? flexible.lo : -1},
  listeners: ${JSON.stringify(req.listeners ?? [])} as string[],
  latestVersionUnstable: ${Boolean(req.latestVersionUnstable)},${fromTrunk.has(api.request.file) ? `
  /** The spec is Kafka trunk's (tools/kafka-protocol/messages-trunk): versions 3.9 does not define. */
  specOrigin: 'trunk',` : ''}
  readRequest: read${req.name},
  writeRequest: write${req.name},
  readResponse: read${res.name},
  writeResponse: write${res.name},
};
`;
  const origin = fromTrunk.has(api.request.file) ? 'Apache Kafka trunk message specs (tools/kafka-protocol/messages-trunk), Apache License 2.0' : undefined;
  emit(`${module}.ts`, BANNER([api.request.file, api.response.file], origin) + imports(body) + body + meta);
  table.push({ apiName, module, req: req.name, res: res.name });
  written.push(module);
}

// Data messages and headers: codecs only.
for (const { file, dir, spec } of specs) {
  if (spec.type !== 'data' && spec.type !== 'header') continue;
  const { text } = generateMessage(spec);
  const module = kebab(spec.name);
  const meta = `\nexport const ${spec.name}Versions = { minVersion: ${range(spec.validVersions).lo}, maxVersion: ${range(spec.validVersions).hi} };\n`;
  const origin = dir === RECORD_DIR ? "Strom's specs of the internal topics' records in tools/kafka-protocol/records" : undefined;
  emit(`${module}.ts`, BANNER([file], origin) + imports(text) + text + meta);
  written.push(module);
}

const index = `${BANNER(['every request/response spec'])}
${table.map((t) => `import { ${t.apiName}Api } from './${t.module}.js';`).join('\n')}

${table.map((t) => `export type { ${t.req}, ${t.res} } from './${t.module}.js';`).join('\n')}
export {
${table.map((t) => `  ${t.apiName}Api,`).join('\n')}
};

/** Every API of the specs, by key. */
export const ALL_APIS = [
${table.map((t) => `  ${t.apiName}Api,`).join('\n')}
] as const;
`;
emit('index.ts', index);

// A small table of first flexible versions, so header parsing need not load every codec.
const flexible = `${BANNER(['every request spec'])}
/** First flexible version of each API key's requests (-1: never flexible). */
export const FLEXIBLE_FROM: ReadonlyMap<number, number> = new Map([
${[...apis.values()].filter((a) => range(a.request.spec.validVersions)).sort((a, b) => a.key - b.key).map((a) => `  [${a.key}, ${range(a.request.spec.flexibleVersions)?.lo ?? -1}], // ${a.request.spec.name.replace(/Request$/, '')}`).join('\n')}
]);
`;
emit('flexible-versions.ts', flexible);

const existing = existsSync(OUT) ? readdirSync(OUT).filter((f) => f.endsWith('.ts')) : [];
if (check) {
  const stale = [
    ...[...outputs].filter(([name, text]) => !existing.includes(name) || readFileSync(join(OUT, name), 'utf8') !== text).map(([name]) => `${name}${existing.includes(name) ? '' : ' (missing)'}`),
    ...existing.filter((name) => !outputs.has(name)).map((name) => `${name} (not generated: remove it)`),
  ];
  if (stale.length > 0) {
    console.error(`src/protocol/generated/ is out of date (run npm run gen:protocol):\n${stale.map((s) => `  ${s}`).join('\n')}`);
    process.exit(1);
  }
} else {
  // Regenerated from scratch; Kafka's LICENSE and NOTICE stay beside the generated files.
  for (const f of existing) rmSync(join(OUT, f));
  mkdirSync(OUT, { recursive: true });
  for (const [name, text] of outputs) writeFileSync(join(OUT, name), text);
  console.log(`wrote ${written.length + 2} modules to ${OUT}`);
}
