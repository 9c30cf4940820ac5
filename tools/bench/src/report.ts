// The human-readable report (tables of medians and ratios, agreement, GEMM, goals, notes) and
// the machine-readable rows of --json.

import { cpus } from 'node:os';
import type { BenchOptions } from './args.js';
import { CASES } from './cases.js';
import { GEMM_SHAPES, gflops } from './gemm.js';
import { evaluateGoals, perturbedGoal } from './goals.js';
import { resnetPsiSection } from './resnet-psi.js';
import { cnnPsiSection } from './cnn-psi.js';
import { extraRows, type BenchResult, type Row } from './run.js';
import { formatMs, formatRatio, formatTable, type Align } from './table.js';
import { MEMORY_NOTE, mib } from './memory.js';
import { BLOCK_STEPS, TRAIN_CASES } from './training.js';

/** One row of --json output. */
export interface JsonRow {
  case: string;
  engine: string;
  median_ms: number;
  threads: number;
}

/**
 * The measured rows (cases, GEMM shapes, pacgen-mlp, train-*) in the --json shape; skipped rows
 * are left out. pacgen-mlp's median_ms is the time of its one report; train-*'s, of one step.
 */
export function jsonRows(result: BenchResult): JsonRow[] {
  return [...result.rows, ...result.gemmRows, ...extraRows(result)]
    .filter((r) => r.median_ms !== null && r.threads !== null)
    .map((r) => ({
      case: r.case,
      engine: r.engine,
      median_ms: r.median_ms as number,
      threads: r.threads as number,
    }));
}

const threadsText = (r: Row) => (r.threads === null ? '-' : String(r.threads));

/** A row's peak memory and, in parentheses, how far the row raised its child's resident size (MiB). */
const memoryText = ({ memory: m }: Row) =>
  m ? `${mib(m.peakBytes)} (+${mib(m.peakBytes - m.startBytes)})` : '';

function casesTable(result: BenchResult): string {
  const coreMs = (c: string, threads: number) =>
    result.rows.find((r) => r.case === c && r.engine === 'core-wasm' && r.threads === threads)
      ?.median_ms ?? null;
  const parallel = result.rows.some((r) => r.engine === 'core-wasm' && (r.threads ?? 1) > 1);
  const parallelThreads = parallel
    ? Math.max(...result.rows.filter((r) => r.engine === 'core-wasm').map((r) => r.threads ?? 1))
    : 0;
  const header = ['case', 'engine', 'threads', 'median ms', 'iters', 'core-wasm speed-up'];
  if (parallel) header.push(`core-wasm ${parallelThreads}t speed-up`);
  const memory = result.rows.some((r) => r.memory);
  if (memory) header.push('peak RSS MiB (+ row)');
  const speedup = (r: Row, base: number | null) =>
    r.median_ms === null || base === null ? '' : formatRatio(r.median_ms / base);
  const rows = result.rows.map((r) => {
    const cells = [
      r.case,
      r.engine,
      threadsText(r),
      r.median_ms === null ? 'skipped' : formatMs(r.median_ms),
      r.median_ms === null ? '' : String(r.iterations),
      speedup(r, coreMs(r.case, 1)),
    ];
    if (parallel) cells.push(speedup(r, coreMs(r.case, parallelThreads)));
    if (memory) cells.push(memoryText(r));
    return cells;
  });
  const align = ['left', 'left', ...Array(header.length - 2).fill('right')] as Align[];
  const skipped = result.rows
    .filter((r) => r.median_ms === null)
    .map((r) => `  skipped ${r.case} / ${r.engine}: ${r.note}`);
  const legend = memory ? [`  ${MEMORY_NOTE}`] : [];
  return [formatTable(header, rows, align), ...legend, ...skipped].join('\n');
}

function agreementTable(result: BenchResult): string {
  const rows = result.agreement.map((a) => [
    a.case,
    a.engine,
    String(a.threads),
    a.rel_err.toExponential(2),
  ]);
  return formatTable(['case', 'engine', 'threads', 'rel. error vs core-wasm'], rows, [
    'left',
    'left',
    'right',
    'right',
  ]);
}

function gemmTable(result: BenchResult): string {
  const rows = result.gemmRows.map((r) => {
    const shape = GEMM_SHAPES.find((s) => `gemm-${s.name}` === r.case);
    if (!shape || r.median_ms === null) return [r.case, r.engine, threadsText(r), '', '', '', ''];
    const core = result.gemmRows.find((c) => c.case === r.case && c.engine === 'core-wasm');
    const share = core?.median_ms ? `${((100 * r.median_ms) / core.median_ms).toFixed(0)}%` : '';
    const g = gflops(shape, r.median_ms);
    const peak = result.peakGflops ? `${((100 * g) / result.peakGflops).toFixed(0)}%` : '';
    return [shape.name, r.engine, threadsText(r), formatMs(r.median_ms), g.toFixed(1), peak, share];
  });
  const header = [
    'M×N×K',
    'engine',
    'threads',
    'median ms',
    'GFLOP/s',
    '% of FMA peak',
    'core-wasm at % of it',
  ];
  const shapes = GEMM_SHAPES.map((s) => `  ${s.name}: ${s.description}`);
  const peak = result.peakGflops
    ? [
        `  FMA peak: ${result.peakGflops.toFixed(1)} GFLOP/s, one thread (12 independent f32x4.relaxed_madd chains, assembly/peak.ts)`,
      ]
    : [];
  return [
    formatTable(header, rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right']),
    ...shapes,
    ...peak,
  ].join('\n');
}

const thousands = (n: number) => n.toLocaleString('en-US');

function psiSection(result: BenchResult): string {
  const psi = result.psi!;
  const s = psi.settings;
  const core = psi.rows.find((r) => r.engine === 'core-wasm' && r.threads === 1);
  const right = (n: number) => ['left', ...Array(n - 1).fill('right')] as ('left' | 'right')[];
  const timeHeader = [
    'engine',
    'threads',
    'time s',
    'gradient evals',
    'HVPs',
    'HVPs/s',
    'core-wasm speed-up',
    'Ψ (nats)',
    'Ψ* (nats)',
    'ρ',
  ];
  const timeRows = psi.rows.map((r) => [
    r.engine,
    String(r.threads),
    (r.ms / 1000).toFixed(1),
    String(r.gradientEvaluations),
    String(r.hvps),
    r.hvpsPerSecond.toFixed(2),
    core ? formatRatio(r.ms / core.ms) : '',
    r.psi.toPrecision(9),
    r.psiStar.toPrecision(9),
    r.rho.toPrecision(4),
  ]);
  const agreeHeader = ['engine', 'threads', 'Ψ', 'Ψ*', 'ρ', 'Hessian diagonal (‖Δh‖/‖h‖)'];
  const agreeRows = psi.rows
    .filter((r) => r !== core)
    .map((r) => [
      r.engine,
      String(r.threads),
      r.psiRelDiff.toExponential(2),
      r.psiStarRelDiff.toExponential(2),
      r.rhoRelDiff.toExponential(2),
      r.diagonalRelErr.toExponential(2),
    ]);
  const setting =
    psi.label === 'full'
      ? "the issue's setting"
      : psi.label === 'quick'
        ? "--quick: a reduced setting, not the issue's 100 probes over 10,000 images"
        : "a reduced setting that keeps `npm run bench` short, not the issue's 100 probes over 10,000 images: see --full";
  const lines = [
    `PACGen Ψ (pacgen-mlp): MLP 784-128-64-10 (mlp preset, 109,386 parameters, f32), the same seeded Glorot weights in every engine, ` +
      `mean loss over ${thousands(s.images)} MNIST training images in chunks of ${s.chunk}.`,
    `pacgen(obj, { diagonal: { method: 'hutchinson', probes: ${s.probes}, onKink: 'report' }, rho: { probes: ${s.rhoProbes}, onKink: 'report' }, seed: ${s.seed} }) ` +
      `on each engine's Objective (${setting}); 'report': core-wasm counts ReLU kink crossings but does not shrink those products, ` +
      'which TF.js cannot see, so every engine computes the same differences.',
    'core-wasm: networkObjective(Network); its threads > 1 row and tfjs-wasm: objectiveFor (the one engine layer: ' +
      'ParallelNetwork; the TF.js objective, tf.variableGrads over the model, HVPs by the same central differences and step rule, hvpStep).',
    "The engines ran interleaved, one objective call each in turn; time: the sum of the engine's own turns. gradient evals: " +
      "the report's cost (an HVP counts 2; plus 1 loss-only pass). HVPs/s: 1000 / median ms of one HVP.",
    formatTable(timeHeader, timeRows, right(timeHeader.length)),
    '',
    'Agreement with core-wasm (1 thread): relative differences',
    formatTable(agreeHeader, agreeRows, right(agreeHeader.length)),
  ];
  if (core && core.curvatureFraction === 0) {
    lines.push(
      `  At these (untrained) weights the curvature enters no term of Ψ (√a_i ≤ 1/κ_i everywhere), so Ψ = Σ ln(τ_i/κ_i) ` +
        `depends on w alone and agrees by construction; Ψ* (curvature in ${(100 * core.curvatureFractionStar).toFixed(1)}% of ` +
        `its terms), ρ and the diagonal show how closely the engines' estimates agree.`,
    );
  }
  if (core && core.rhoNoise !== null && core.rho < 10 * core.rhoNoise) {
    lines.push(
      `  ρ̂ = ${core.rho.toPrecision(3)} is within 10× its f32 finite-difference noise (${core.rhoNoise.toPrecision(3)}): ` +
        'the engines agree on it because they do the same f32 arithmetic, not because it is accurate.',
    );
  }
  return lines.join('\n');
}

function trainingSection(result: BenchResult): string {
  const t = result.training!;
  const rows = t.rows.map((r) => [
    r.case,
    formatMs(r.stepMs),
    r.samplesPerSecond.toFixed(0),
    r.gradientsPerStep.toFixed(2),
    r.ratioToAdam === null ? '' : formatRatio(r.ratioToAdam),
    String(r.blocks),
    r.lastLoss.toFixed(3),
  ]);
  const header = [
    'case',
    'ms/step',
    'samples/s',
    'gradients/step',
    '× train-adam',
    'blocks',
    'last block loss',
  ];
  const legend = t.rows.map(
    (r) => `  ${r.case}: ${TRAIN_CASES.find((c) => c.name === r.case)?.description ?? r.optimizer}`,
  );
  const g = perturbedGoal(t);
  const goalLine =
    g.met === null
      ? 'perturbedOPT (secant) ≤ 1.2× plain: not measured (needs train-adam and train-perturbed-secant)'
      : `perturbedOPT (secant) ≤ 1.2× plain: measured ${g.measured.split(' ')[0]} ${g.met ? 'MET' : 'NOT MET'}`;
  return [
    `Training throughput (train-*): mnist-cnn preset (21,840 parameters, dropout 0.5 in training mode), core-wasm f32, 1 thread, ` +
      `batch ${t.settings.batch} from ${thousands(t.settings.images)} MNIST training images.`,
    `Each step is train()'s (seeded shuffled minibatches, one dropout seed per step, every gradient through the optimizer's ` +
      `oracle, w ← w + updates), driven through Optimizer.step(params, state, gradAt) so that steps alone are timed (no evaluation).`,
    `ms/step: median over blocks of ${BLOCK_STEPS} consecutive steps (the probe interval, so each 'probes' block holds one probe step), ` +
      `the optimizers taking turns block by block. × train-adam: median over rounds of the block's time / train-adam's in the same round. samples/s = batch / ms/step. gradients/step: minibatch gradient evaluations. ` +
      `Last block loss: mean minibatch loss of the last block where each step took its first gradient (w + u for perturbedOPT).`,
    formatTable(header, rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right']),
    ...legend,
    goalLine,
  ].join('\n');
}

function goalsTable(result: BenchResult): string {
  const rows = evaluateGoals(result.rows, result).map((g) => [
    g.goal,
    g.measured,
    g.met === null ? 'n/a' : g.met ? 'MET' : 'NOT MET',
  ]);
  return formatTable(['goal', 'measured', 'status'], rows);
}

/** The full text report printed by `npm run bench`. */
export function renderReport(result: BenchResult, opts: BenchOptions): string {
  const cpu = cpus();
  const t = opts.timing;
  const g = opts.gemmTiming;
  const cnn = CASES.find((c) => c.name === 'cnn-grad');
  const lines = [
    `pacgen bench: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} logical cores, Node ${process.version}` +
      (result.torchVersion ? `, PyTorch ${result.torchVersion} (BLAS: ${result.torchBlas})` : ''),
    `f32, batch ${opts.batch ?? 128}. Timing: median of up to ${t.iterations} iterations after ${t.warmup} warm-up ` +
      `(stopping after ${t.budgetMs / 1000} s once ${t.minIterations} are done); GEMM: up to ` +
      `${g.iterations} after ${g.warmup}${opts.quick ? ' (--quick)' : ''}.`,
    `Same weights, batch and HVP direction in every engine. cnn-grad: ${cnn?.trainingDropout ? 'training-mode dropout (elementwise, rate 0.5, a fresh mask every iteration) in every engine' : 'dropout off'}.`,
    "tfjs rows: the library's TF.js engine (tfjsObjective, @pacgen/metrics/tfjs), timed on device tensors: gradientTensor (training mode where the case says) or hvpTensor.",
    `"core-wasm speed-up" = this row's median / core-wasm's (1 thread): how many times faster core-wasm is.`,
  ];
  const cap = result.capacity;
  lines.push(
    `Parallel capacity: 2 busy threads got ${cap.map((c) => `${c.scaling.toFixed(2)}×`).join(' (start), ')} (end) ` +
      `the throughput of one (ideal 2×; shared, throttled or hyper-threaded vCPUs give less): ` +
      `read the 2-thread rows with that in mind.`,
  );
  const sections: string[] = [lines.join('\n')];
  if (result.rows.length > 0) {
    sections.push(`Cases\n${casesTable(result)}`);
    sections.push(
      'Agreement with core-wasm (dropout off; gradient, or HVP for mlp-hvp; f32 central ' +
        'differences make HVPs agree less closely than gradients). mlp-hvp: pytorch-hvp and ' +
        'pytorch-hvp-f64 (double backprop: no step) are compared with core-wasm-f64, whose f64 ' +
        'difference crosses no ReLU kink; core-wasm-f64 against core-wasm shows what the kinks ' +
        "crossed at f32's larger step add to every f32 central difference (docs/method.md §5, §7)\n" +
        agreementTable(result),
    );
  }
  if (result.gemmRows.length > 0) sections.push(`Matrix multiply (f32)\n${gemmTable(result)}`);
  if (result.psi) sections.push(psiSection(result));
  if (result.cnnPsi) sections.push(cnnPsiSection(result.cnnPsi));
  if (result.resnetPsi) sections.push(resnetPsiSection(result.resnetPsi));
  if (result.training) sections.push(trainingSection(result));
  if (result.rows.length > 0 || result.psi || result.cnnPsi || result.training)
    sections.push(`Goals (reported, not asserted)\n${goalsTable(result)}`);
  sections.push(`Notes\n${result.notes.map((n) => `- ${n}`).join('\n')}`);
  return sections.join('\n\n');
}
