// What `pacgen sweep` leaves behind: its --out folder (claimed before the sweep, since the runs
// are written there as they finish), the report files written into it after the sweep (the
// figures, summary.json, tau.md, tau.json, runs.csv, curves.csv, report.html), and the summary
// printed on stdout.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type SweepGrid, type SweepResult } from '@pacgen/metrics/experiments';
import { writeFileAtomic } from '@pacgen/metrics/node';
import type { Context } from './context.js';
import { figureFileSet, type FigureArgs } from './figure-output.js';
import { duration, table } from './format.js';
import { claimWorkFolder, toJsonText } from './output.js';
import { curveFigures, scatterFigures } from './sweep-figures.js';
import { sweepFindings, sweepHtml } from './sweep-report.js';
import {
  curvesCsv,
  GAP_TITLES,
  runRow,
  runsCsv,
  tauJson,
  tauMarkdown,
  tauText,
} from './sweep-tables.js';

/** The report files written after the sweep, besides the figures. */
const REPORT_FILES = [
  'summary.json',
  'tau.md',
  'tau.json',
  'runs.csv',
  'curves.csv',
  'report.html',
];

/** Files a sweep writes into --out (removed by --force, with the run files). */
const OWN = ['sweep.json', 'runs', 'checkpoints', 'figures', ...REPORT_FILES];

/**
 * Claims --out (see `claimWorkFolder`): absent, empty, or a sweep folder holding only what a sweep
 * wrote; with --force, clears what a sweep wrote.
 */
export async function claimSweepFolder(out: string, force: boolean): Promise<void> {
  await claimWorkFolder(out, {
    command: 'sweep',
    known: (f) => OWN.includes(f),
    marker: 'sweep.json',
  });
  if (force) for (const e of OWN) await rm(join(out, e), { recursive: true, force: true });
}

/** summary.json: the settings, the grid, a row per run, τ, the findings and every file. */
export type SweepSummary = ReturnType<typeof summaryDocument>;

function summaryDocument(
  out: string,
  result: SweepResult,
  grid: SweepGrid,
  figureFiles: string[],
  seconds: number,
) {
  return {
    out,
    settings: result.settings,
    grid,
    runs: result.runs.map(runRow),
    trained: result.trained,
    skipped: result.skipped,
    diverged: result.diverged,
    correlations: tauJson(result),
    findings: sweepFindings(result),
    files: [
      'sweep.json',
      ...result.runs.map((r) => `runs/${r.name}.json`),
      ...REPORT_FILES,
      ...figureFiles,
    ].sort(),
    seconds,
  };
}

/**
 * Draws the figures and writes the report files into the sweep's folder `out`; returns
 * summary.json's document and the number of figures. `started` (ms since the epoch) is when the
 * command began: the document's `seconds` count from it.
 */
export async function writeSweepOutput(
  out: string,
  result: SweepResult,
  options: {
    grid: SweepGrid;
    figures: FigureArgs;
    /** The report's subtitle: the command line that reproduces the sweep. */
    commandLine: string;
    started: number;
  },
): Promise<{ doc: SweepSummary; figureCount: number }> {
  const curves = await curveFigures(result);
  const scatters = await scatterFigures(result);
  const files = await figureFileSet({ ...curves, ...scatters }, options.figures);
  const seconds = (Date.now() - options.started) / 1000;
  const doc = summaryDocument(out, result, options.grid, Object.keys(files), seconds);
  files['summary.json'] = toJsonText(doc);
  files['tau.md'] = tauMarkdown(result);
  files['tau.json'] = toJsonText(tauJson(result));
  files['runs.csv'] = runsCsv(result);
  files['curves.csv'] = curvesCsv(result);
  files['report.html'] = sweepHtml(result, { curves, scatters }, options.commandLine);
  // The folder is a working directory (runs and checkpoints live there), so each report file is
  // replaced atomically on its own rather than the folder as a whole.
  for (const [name, content] of Object.entries(files))
    await writeFileAtomic(join(out, name), content);
  return { doc, figureCount: Object.keys(curves).length + Object.keys(scatters).length };
}

/** The terminal summary: the τ table, the findings, and what was written where. */
export function printSweepSummary(
  ctx: Context,
  result: SweepResult,
  written: { out: string; figureCount: number; seconds: number },
): void {
  ctx.print(`Kendall's τ against ${GAP_TITLES.crossEntropy}:`);
  ctx.print(table(tauText(result, 'crossEntropy')));
  ctx.print(`\nKendall's τ against ${GAP_TITLES.error}:`);
  ctx.print(table(tauText(result, 'error')));
  ctx.print(`\n${sweepFindings(result).join('\n')}`);
  ctx.print(
    `\nwrote ${written.out}/ (report.html, tau.md, summary.json, runs/, ${written.figureCount} figures) in ${duration(written.seconds)}`,
  );
}
