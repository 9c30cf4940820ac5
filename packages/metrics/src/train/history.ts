// What a training run records: one history row per evaluated epoch (losses, accuracies, the gap,
// Ψ when asked, the optimizer's diagnostics), the progress events, and why the run stopped.

/** Ψ at the end of an epoch (full training set, evaluation mode), from the PACGen report. */
export interface PsiRecord {
  /** Literal Ψ_{γ,ε} (nats). */
  psi: number;
  /** Ψ* at the bound-optimal σ* (nats). */
  psiStar: number;
  /** Ψ and Ψ* divided by m (nats per parameter). */
  psiPerParameter: number;
  psiStarPerParameter: number;
  /** Fractions of coordinates where the curvature enters Ψ and Ψ*. */
  curvatureFraction: number;
  curvatureFractionStar: number;
  /** ρ used (loss units per parameter unit³). */
  rho: number;
  /** η of σ* (loss units). */
  eta: number;
  /** The PAC-Bayes bound total at σ* (a score for cross-entropy, not a guarantee). */
  bound: number;
  /** Gradient evaluations the report spent (over the full training set). */
  gradientEvaluations: number;
}

/** One row of the history: the state after `epoch` completed epochs (0: before training). */
export interface EpochRecord {
  epoch: number;
  /** Optimizer steps so far. */
  steps: number;
  /** Minibatch gradient evaluations so far (training only; Ψ's are in `psi`). */
  gradientEvaluations: number;
  /**
   * Mean over the epoch's steps of the minibatch loss at the optimizer's point (training mode:
   * dropout on; w + u for perturbedOPT); null at epoch 0.
   */
  batchLoss: number | null;
  batchAccuracy: number | null;
  /** Full training set, evaluation mode (null when not evaluated this epoch). */
  trainLoss: number | null;
  trainAccuracy: number | null;
  /** Test set, evaluation mode (null when not evaluated or no test set). */
  testLoss: number | null;
  testAccuracy: number | null;
  /** testLoss − trainLoss (loss units). */
  gap: number | null;
  psi: PsiRecord | null;
  /** The optimizer's diagnostics after the epoch's last step (e.g. σ statistics). */
  optimizer: Record<string, number> | null;
}

/** Per-step progress. */
export interface StepEvent {
  /** Epoch in progress (1-based) and step within it (1-based). */
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Optimizer steps so far, this one included. */
  steps: number;
  /** Minibatch loss and accuracy at the optimizer's point. */
  loss: number;
  accuracy: number;
  gradientEvaluations: number;
}

/** Per-epoch progress: the history row, with wall time (not in the history: runs stay comparable). */
export interface EpochEvent extends EpochRecord {
  /** Wall-clock seconds of this epoch, evaluation and Ψ included. */
  seconds: number;
}

export type StopReason = 'epochs' | 'target' | 'diverged' | 'aborted';
