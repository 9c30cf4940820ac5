// What `pacgen landscape` writes: the figures (SVG, PNG), landscape.json and .csv, the summary
// document and the HTML report, as files for one staged output folder.

import type { LandscapeResult } from '@pacgen/metrics';
import { int } from './format.js';
import {
  landscapeCsv,
  landscapeData,
  landscapeFigures,
  landscapeHtml,
} from './landscape-report.js';
import { toJsonText } from './output.js';
import { figureFiles } from './plot/index.js';
import type { InputsReport } from './scoring.js';

/** What the report says about the run besides the result. */
export interface LandscapeRun {
  /** Absolute output folder, and the command line shown in the report. */
  out: string;
  command: string;
  model: string;
  data: string;
  inputs: InputsReport;
  numParams: number;
  numSamples: number;
  precision: string;
  steps: number;
  range: number[];
  normalization: string;
  biases: string;
  seed: number;
  png: boolean;
  seconds: number;
}

/** The files of the output folder, the summary document, and the number of figures. */
export async function landscapeOutput(r: LandscapeResult, o: LandscapeRun) {
  const title = `Landscape of ${o.model}`;
  const svgs = await landscapeFigures(r, title);
  const files: Record<string, string | Uint8Array> = {};
  for (const [name, svg] of Object.entries(svgs)) {
    Object.assign(files, figureFiles(`figures/${name}`, svg, { png: o.png }));
  }
  const notes = [
    `${r.dims}-D slice through the model's parameters w of ${int(o.numParams)} parameters, loss over the ${o.inputs.samples} (${o.precision}); normalization ${o.inputs.normalization.summary}.`,
    r.kind === 'random'
      ? `Random Gaussian directions (seed ${o.seed}), normalised '${o.normalization}' against w (Li et al. 2018); biases '${o.biases}'. A coefficient of 1 moves every filter by its own norm.`
      : 'The top Hessian eigenvectors (Lanczos on finite-difference Hessian-vector products), unit length: a coefficient is a distance in parameter units.',
  ];
  if (r.psi)
    notes.push(
      'Ψ at every grid point from a full PACGen score (exact or Hutchinson diagonal, ρ̂ estimated).',
    );
  const summary = {
    out: o.out,
    model: o.model,
    data: o.data,
    inputs: o.inputs,
    numParams: o.numParams,
    numSamples: o.numSamples,
    precision: o.precision,
    dims: r.dims,
    directions: r.kind,
    steps: o.steps,
    range: o.range,
    normalization: r.kind === 'random' ? o.normalization : null,
    biases: r.kind === 'random' ? o.biases : null,
    eigenvalues: r.eigenvalues ?? null,
    directionNorms: r.directionNorms,
    centerNorm: r.centerNorm,
    centerLoss: r.centerLoss,
    lossRange: landscapeData(r).lossRange,
    psi: Boolean(r.psi),
    cost: r.cost,
    files: [
      'landscape.json',
      'landscape.csv',
      'summary.json',
      'report.html',
      ...Object.keys(files),
    ].sort(),
    seconds: o.seconds,
  };
  files['landscape.json'] = toJsonText(landscapeData(r));
  files['landscape.csv'] = landscapeCsv(r);
  files['summary.json'] = toJsonText(summary);
  files['report.html'] = landscapeHtml(r, svgs, title, o.command, notes);
  return { files, summary, figures: Object.keys(svgs).length };
}
