// What `pacgen compare` leaves behind: its --out folder, written whole and atomically (the
// figures, one JSON file per run, summary.json, compare.md, runs.csv, curves.csv), and the
// summary printed on stdout.

import { compareRunName, type CompareResult } from '@pacgen/metrics/experiments';
import {
  COMPARE_COLUMNS,
  compareCurvesCsv,
  compareFigures,
  compareFindings,
  compareMarkdown,
  compareRows,
  compareRunsCsv,
  runRow,
  sigmaRows,
} from './compare-report.js';
import type { Context } from './context.js';
import { figureFileSet, type FigureArgs } from './figure-output.js';
import { duration, table } from './format.js';
import { toJsonText, withStagedDir, writeFiles } from './output.js';

/** summary.json: the settings, the variants, the summaries, τ, a row per run, every file. */
export type CompareSummaryDocument = ReturnType<typeof summaryDocument>;

function summaryDocument(out: string, result: CompareResult, files: string[], seconds: number) {
  return {
    out,
    settings: result.settings,
    variants: result.variants,
    summaries: result.summaries,
    correlations: result.correlations,
    runs: result.runs.map(runRow),
    findings: compareFindings(result),
    files: ['summary.json', 'compare.md', 'runs.csv', 'curves.csv', ...files].sort(),
    seconds,
  };
}

/**
 * Draws the figures and writes the comparison's folder `out` (replacing it with `force`);
 * returns summary.json's document and the number of figures. `started` (ms since the epoch) is
 * when the command began: the document's `seconds` count from it.
 */
export async function writeCompareOutput(
  out: string,
  result: CompareResult,
  options: { force: boolean; figures: FigureArgs; started: number },
): Promise<{ doc: CompareSummaryDocument; figureCount: number }> {
  const svgs = await compareFigures(result);
  const files = await figureFileSet(svgs, options.figures);
  const runFiles: Record<string, string> = {};
  for (const r of result.runs) {
    runFiles[`runs/${compareRunName(r.method, r.seed)}.json`] = toJsonText({
      format: 'pacgen-compare-run/1',
      settings: result.settings,
      ...r,
    });
  }
  const seconds = (Date.now() - options.started) / 1000;
  const doc = summaryDocument(
    out,
    result,
    [...Object.keys(runFiles), ...Object.keys(files)],
    seconds,
  );
  Object.assign(files, runFiles);
  files['summary.json'] = toJsonText(doc);
  files['compare.md'] = compareMarkdown(result);
  files['runs.csv'] = compareRunsCsv(result);
  files['curves.csv'] = compareCurvesCsv(result);
  await withStagedDir(out, { overwrite: options.force }, (dir) => writeFiles(dir, files));
  return { doc, figureCount: Object.keys(svgs).length };
}

/** The terminal summary: the comparison and σ tables, the findings, what was written where. */
export function printCompareSummary(
  ctx: Context,
  result: CompareResult,
  written: { out: string; findings: string[]; figureCount: number; seconds: number },
): void {
  ctx.print(table([COMPARE_COLUMNS, ...compareRows(result)]));
  const sigma = sigmaRows(result);
  if (sigma.length > 0) ctx.print(`\n${table(sigma)}`);
  ctx.print(`\n${written.findings.join('\n')}`);
  ctx.print(
    `\nwrote ${written.out}/ (compare.md, summary.json, runs.csv, curves.csv, runs/, ${written.figureCount} figures) in ${duration(written.seconds)}`,
  );
}
