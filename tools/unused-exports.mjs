#!/usr/bin/env node
// Lists exports of src/ that no other file imports: an `export` only its own file uses (drop
// the keyword) or code nothing uses at all (drop the code). Importers are src/, test/, and
// bench/ and tools/ scripts (which import the compiled dist/ files); what the package's entry
// (package.json "main", the core's JS face) re-exports is its public API and counts as used.
// Generated code (src/protocol/generated/, src/core/abi.ts) is left out: its generators
// decide what it exports.
//   node tools/unused-exports.mjs           the list, one `file: name (used in its file | unused)` a line
//   node tools/unused-exports.mjs --check   the same; exit 1 when the list is not empty (a test runs this)
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED = [/^src\/protocol\/generated\//, /^src\/core\/abi\.ts$/];

function files(dir, test) {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

const tsFiles = [...files('src', (n) => n.endsWith('.ts')), ...files('test', (n) => n.endsWith('.ts'))];
const scripts = [...files('bench', (n) => n.endsWith('.mjs')), ...files('tools', (n) => n.endsWith('.mjs'))];
const program = ts.createProgram(tsFiles, {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'], skipLibCheck: true, noEmit: true,
});
const checker = program.getTypeChecker();
const rel = (f) => relative(ROOT, f).split('\\').join('/');
const MAIN = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).main.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
const isSource = (f) => rel(f).startsWith('src/') && !GENERATED.some((g) => g.test(rel(f)));

/** The declaration a symbol stands for, through imports and re-exports. */
const original = (symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

/** Exported symbols of each source file, by their original symbol. */
const exported = new Map();
for (const sf of program.getSourceFiles()) {
  if (!isSource(sf.fileName)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) continue;
  for (const e of checker.getExportsOfModule(moduleSymbol)) {
    const o = original(e);
    // Re-exports (index.ts barrels) belong to the file that declares them.
    if (!o.declarations?.some((d) => d.getSourceFile() === sf)) continue;
    exported.set(o, { file: rel(sf.fileName), name: e.name, usedInFile: false });
  }
}

// Only identifiers spelt as some export are resolved: resolving every one costs seconds.
const exportedNames = new Set([...exported.values()].map((e) => e.name));
const used = new Set();
const markModule = (sf) => {
  const m = sf && checker.getSymbolAtLocation(sf);
  if (m) for (const e of checker.getExportsOfModule(m)) used.add(original(e));
};

for (const sf of program.getSourceFiles()) {
  if (sf.isDeclarationFile || !tsFiles.includes(sf.fileName)) continue;
  const visit = (node) => {
    if (ts.isIdentifier(node) && exportedNames.has(node.text)) {
      const symbol = checker.getSymbolAtLocation(node);
      if (symbol) {
        const o = original(symbol);
        const entry = exported.get(o);
        if (entry) {
          const inOwnFile = rel(sf.fileName) === entry.file;
          // A barrel's `export { x } from` names x without using it; only importers count.
          const reExport = ts.isExportSpecifier(node.parent) && rel(sf.fileName) !== MAIN;
          const ownDeclaration = o.declarations?.some((d) => d.name === node);
          if (inOwnFile && !ownDeclaration && !reExport) entry.usedInFile = true;
          if (!inOwnFile && !reExport) used.add(o);
        }
      }
    }
    // `import * as ns`: every export of the module counts as used.
    if (ts.isNamespaceImport(node)) {
      const decl = node.parent.parent;
      const target = checker.getSymbolAtLocation(decl.moduleSpecifier);
      if (target) for (const e of checker.getExportsOfModule(target)) used.add(original(e));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

// Scripts import what `tsc` compiled: ../dist/x/y.js is src/x/y.ts.
for (const script of scripts) {
  const sf = ts.createSourceFile(script, readFileSync(script, 'utf8'), ts.ScriptTarget.ES2022, true);
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.includes('/dist/')) {
      const target = resolve(dirname(script), node.moduleSpecifier.text).replace(`${join(ROOT, 'dist')}`, join(ROOT, 'src')).replace(/\.js$/, '.ts');
      const targetSf = program.getSourceFile(target);
      const names = node.importClause?.namedBindings;
      if (names && ts.isNamedImports(names) && targetSf) {
        const m = checker.getSymbolAtLocation(targetSf);
        const exports = m ? checker.getExportsOfModule(m) : [];
        for (const spec of names.elements) {
          const e = exports.find((x) => x.name === (spec.propertyName ?? spec.name).text);
          if (e) used.add(original(e));
        }
      } else if (targetSf) markModule(targetSf);
    }
    // await import(join(ROOT, 'dist/x.js')): everything the module exports counts.
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const path = /\bdist\/[\w/.-]+\.js/.exec(node.arguments[0]?.getText(sf) ?? '');
      if (path) markModule(program.getSourceFile(join(ROOT, path[0].replace(/^dist/, 'src').replace(/\.js$/, '.ts'))));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const unused = [...exported].filter(([symbol]) => !used.has(symbol)).map(([, e]) => e)
  .sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
for (const e of unused) console.log(`${e.file}: ${e.name} (${e.usedInFile ? 'used in its file' : 'unused'})`);
if (process.argv.includes('--check') && unused.length > 0) {
  console.error(`${unused.length} export(s) no other file imports: drop the export (or the code)`);
  process.exit(1);
}
