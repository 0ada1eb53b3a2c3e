#!/usr/bin/env node
// Fills the generated sections of docs/COMPATIBILITY.md (the APIs served, from the handler
// table) and docs/CONFIGURATION.md (every key, from the config definitions), between
// <!-- BEGIN GENERATED: name --> and <!-- END GENERATED: name --> markers.
//   node tools/gen-docs.mjs           rewrite the sections
//   node tools/gen-docs.mjs --check   exit 1 if they are out of date (a test runs this)
import { readFileSync, writeFileSync } from 'node:fs';
import { HANDLERS } from '../dist/api/index.js';
import { BROKER_CONFIGS, TOPIC_CONFIGS } from '../dist/config/definitions.js';

const check = process.argv.includes('--check');
const escape = (s) => String(s).replace(/\|/g, '\\|');

// An API whose codec comes from a newer spec (tools/kafka-protocol/messages-trunk) shows
// 3.9's range, read from the 3.9 spec, and which versions only Kafka 4.0+ defines.
const versions39 = (name) => /"validVersions":\s*"([^"]+)"/.exec(readFileSync(`tools/kafka-protocol/messages-3.9/${name}Request.json`, 'utf8'))[1];
const kafkaHas = (api) => {
  if (api.specOrigin !== 'trunk') return `${api.minVersion}-${api.maxVersion}`;
  const has = versions39(api.name);
  const newer = Number(has.split('-').pop()) + 1;
  return `${has} (${newer === api.maxVersion ? newer : `${newer}-${api.maxVersion}`}: Kafka 4.0+)`;
};
const apis = ['| key | API | versions served | Kafka 3.9 has |', '| --- | --- | --- | --- |',
  ...HANDLERS.map((h) => `| ${h.api.key} | ${h.api.name} | ${h.minVersion}-${h.maxVersion} | ${kafkaHas(h.api)} |`)].join('\n');

const brokerTable = ['| key | type | default | |', '| --- | --- | --- | --- |',
  ...BROKER_CONFIGS.map((d) => `| \`${d.name}\` | ${d.type} | ${d.default === null ? '' : `\`${escape(d.default)}\``} | ${escape(d.doc)}${d.dynamic ? ' *Dynamic.*' : ''}${d.effective === false ? ' *No effect.*' : ''} |`)].join('\n');

const topicTable = ['| key | default from | default | |', '| --- | --- | --- | --- |',
  ...TOPIC_CONFIGS.map((d) => `| \`${d.name}\` | ${d.brokerSynonyms.map((s) => `\`${s}\``).join(', ')} | ${d.default === '' ? '' : `\`${escape(d.default)}\``} | ${escape(d.doc)}${d.effective === false ? ' *No effect.*' : ''} |`)].join('\n');

const sections = { 'docs/COMPATIBILITY.md': { apis }, 'docs/CONFIGURATION.md': { broker: brokerTable, topic: topicTable } };
let stale = false;
for (const [file, parts] of Object.entries(sections)) {
  const before = readFileSync(file, 'utf8');
  let text = before;
  for (const [name, body] of Object.entries(parts)) {
    const re = new RegExp(`(<!-- BEGIN GENERATED: ${name} -->\\n)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`);
    if (!re.test(text)) throw new Error(`${file}: no generated section ${name}`);
    text = text.replace(re, `$1${body}\n$2`);
  }
  if (text !== before) {
    stale = true;
    if (!check) writeFileSync(file, text);
  }
}
if (check && stale) {
  console.error('docs are out of date: run node tools/gen-docs.mjs');
  process.exit(1);
}
