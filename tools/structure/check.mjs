#!/usr/bin/env node
// The structure check of `npm test`: no source file over MAX_FILE_LINES lines and no function
// over MAX_FUNCTION_LINES lines, so that each module stays one concept a newcomer reads in
// minutes. Covers the TypeScript and Svelte sources of packages/*/src and tools/ (not tests,
// not generated code, not the engine's kernels in packages/core-wasm/assembly, whose hot loops
// are long on purpose). Prints the offenders, exits 1 when there are any.
//   node tools/structure/check.mjs [--report]   (--report: list the largest even when within limits)

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 450;
export const MAX_FUNCTION_LINES = 120;

const root = fileURLToPath(new URL('../..', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'test', 'test-results', '.svelte-kit']);
const EXCLUDED = [/^packages\/core-wasm\/assembly\//, /\.generated\./, /\.d\.ts$/];

/** Source files under the roots: .ts, .mts, .svelte; tests and build output left out. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (/\.(ts|mts|svelte)$/.test(name) && !/\.test\.ts$/.test(name)) {
        const rel = relative(root, p).split('\\').join('/');
        if (!EXCLUDED.some((r) => r.test(rel))) out.push(rel);
      }
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src);
  }
  walk(join(root, 'tools'));
  return out.sort();
}

/** The script blocks of a Svelte file (with the line they start on), or the whole TS file. */
function scripts(file, text) {
  if (!file.endsWith('.svelte')) return [{ code: text, line: 0 }];
  const blocks = [];
  const re = /<script[^>]*>([\s\S]*?)<\/script>/g;
  for (let m; (m = re.exec(text));) {
    const start = text.slice(0, m.index + m[0].indexOf('>') + 1).split('\n').length - 1;
    blocks.push({ code: m[1], line: start });
  }
  return blocks;
}

/** Functions (declarations, methods, arrows, function expressions) longer than the limit. */
function longFunctions(file, text) {
  const found = [];
  for (const { code, line } of scripts(file, text)) {
    const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const b = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = b - a + 1;
        if (lines > MAX_FUNCTION_LINES)
          found.push({ name: nameOf(node, sf), line: a + line + 1, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  const p = node.parent;
  if (
    p &&
    (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) &&
    p.name
  )
    return p.name.getText(sf);
  return '(anonymous)';
}

const report = process.argv.includes('--report');
const files = sources();
const bigFiles = [];
const bigFunctions = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES || report) bigFiles.push({ file, lines });
  for (const f of longFunctions(file, text)) bigFunctions.push({ file, ...f });
}
const overFiles = bigFiles.filter((f) => f.lines > MAX_FILE_LINES);
if (report) {
  console.log('largest files:');
  for (const f of bigFiles.sort((a, b) => b.lines - a.lines).slice(0, 15))
    console.log(`  ${f.lines}  ${f.file}`);
}
for (const f of overFiles) console.log(`file over ${MAX_FILE_LINES} lines: ${f.file} (${f.lines})`);
for (const f of bigFunctions)
  console.log(
    `function over ${MAX_FUNCTION_LINES} lines: ${f.file}:${f.line} ${f.name} (${f.lines})`,
  );
const bad = overFiles.length + bigFunctions.length;
console.log(
  `structure: ${files.length} source files; ${overFiles.length} over ${MAX_FILE_LINES} lines, ${bigFunctions.length} functions over ${MAX_FUNCTION_LINES} lines`,
);
process.exit(bad > 0 ? 1 : 0);
