// `npm run fuzz`: every parser fed seeded mutations of valid files, in worker threads with a
// watchdog; prints per parser the inputs that were accepted, refused with a clear error, threw
// anything else, or hung, and writes every finding's input files to tools/fuzz/findings/.
// Exits 1 when there is any finding. See docs/security.md for the figures of the full run.
//
//   npm run fuzz -- [--inputs N] [--seed S] [--targets a,b] [--timeout MS] [--workers K]
//   npm run fuzz -- --replay TARGET:INDEX [--seed S]     (one input, in this thread, with its stack)

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Random } from '@pacgen/core-wasm';
import { inputSeed, makeInput } from './mutate.js';
import { classify } from './outcome.js';
import { runFuzz, type TargetReport } from './runner.js';
import { buildCorpus, type Corpus } from './seeds.js';
import { TARGETS, targetByName } from './targets.js';

/** The full run's size: 10⁵ inputs per parser. */
export const FULL_RUN_INPUTS = 100_000;

const FINDINGS = fileURLToPath(new URL('../findings/', import.meta.url));

/** The report as a Markdown table (the form docs/security.md quotes). */
export function reportTable(reports: TargetReport[]): string {
  const rows = reports.map(
    (r) =>
      `| ${r.target} | ${r.inputs.toLocaleString('en-US')} | ${r.accepted.toLocaleString('en-US')} | ${r.clean.toLocaleString('en-US')} | ${r.exceptions} | ${r.hangs} | ${r.seconds.toFixed(0)} |`,
  );
  return [
    '| parser | inputs | accepted | clear error | other exception | hang | seconds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Writes the files of one input under findings/TARGET-INDEX/. */
async function saveInput(corpus: Corpus, seed: number, target: string, index: number) {
  const t = targetByName(target)!;
  const input = makeInput(
    corpus[target],
    t.json,
    new Random(inputSeed(seed, target, index)),
    index,
  );
  const dir = join(FINDINGS, `${target}-${index}`);
  await mkdir(dir, { recursive: true });
  await Promise.all(
    input.files.map((f, k) => writeFile(join(dir, `${k}-${t.files[k].replace(/\W+/g, '_')}`), f)),
  );
  return { dir, input, t };
}

async function replay(corpus: Corpus, seed: number, spec: string): Promise<number> {
  const [target, index] = spec.split(':');
  if (!targetByName(target) || !/^\d+$/.test(index ?? '')) {
    console.error(
      `--replay takes TARGET:INDEX with a target among ${TARGETS.map((t) => t.name).join(', ')}`,
    );
    return 2;
  }
  const { dir, input, t } = await saveInput(corpus, seed, target, Number(index));
  console.log(`input files in ${dir}`);
  let thrown: unknown;
  let threw = false;
  try {
    await t.run(input.files, corpus[target][input.seed].context);
  } catch (e) {
    thrown = e;
    threw = true;
  }
  const outcome = classify(thrown, threw);
  console.log(
    outcome.kind === 'clean' ? `clear error: ${(thrown as Error).message}` : outcome.kind,
  );
  if (outcome.kind === 'other') console.log(thrown);
  return outcome.kind === 'other' ? 1 : 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inputs: { type: 'string', default: String(FULL_RUN_INPUTS) },
      seed: { type: 'string', default: '1' },
      targets: { type: 'string', default: TARGETS.map((t) => t.name).join(',') },
      timeout: { type: 'string', default: '10000' },
      workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      replay: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  const t0 = Date.now();
  const corpus = await buildCorpus();
  console.error(`seed corpus built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (values.replay) return replay(corpus, seed, values.replay);
  const targets = values.targets.split(',');
  const unknown = targets.filter((t) => !targetByName(t));
  if (unknown.length > 0) {
    console.error(
      `unknown target ${unknown.join(', ')} (known: ${TARGETS.map((t) => t.name).join(', ')})`,
    );
    return 2;
  }
  const reports = await runFuzz({
    corpus,
    targets,
    inputs: Number(values.inputs),
    seed,
    timeoutMs: Number(values.timeout),
    workers: Number(values.workers),
    onProgress: (target, done, total) => {
      if (done % 10_000 === 0 || done === total) console.error(`${target}: ${done}/${total}`);
    },
  });
  console.log(reportTable(reports));
  let findings = 0;
  for (const r of reports) {
    for (const f of r.findings) {
      findings++;
      const { dir } = await saveInput(corpus, seed, r.target, f.index);
      console.log(`${r.target} #${f.index} ${f.kind}: ${f.error} (input in ${dir})`);
    }
  }
  console.log(`seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s; ${findings} findings`);
  return findings > 0 ? 1 : 0;
}

process.exitCode = await main();
