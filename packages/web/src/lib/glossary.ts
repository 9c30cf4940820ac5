// The plain-words explanations behind the pages' "?" buttons: what each number is, which way is
// better, and where the docs (bundled with the app, see scripts/docs-pages.ts) and the paper say more.

/** The paper the app implements. */
export const PAPER = {
  href: 'https://arxiv.org/abs/1809.07402',
  label:
    'Wang, Keskar, Xiong, Socher (2018), Identifying Generalization Properties in Neural Networks, arXiv 1809.07402',
};

/** A section of a bundled docs page. */
export interface DocLink {
  /** The page, relative to the app's root (docs/method.md is served as docs/method.txt). */
  href: string;
  label: string;
}

export interface Term {
  /** The symbol or name as the page shows it. */
  name: string;
  /** One to three sentences in plain words. */
  text: string;
  /** Which way is better, when there is one. */
  better?: string;
  docs: DocLink[];
}

const method = (section: string, what: string): DocLink => ({
  href: 'docs/method.txt',
  label: `docs/method.md §${section} (${what})`,
});

export const GLOSSARY = {
  psi: {
    name: 'PACGen Ψ',
    text: 'How many nats it takes to write down every weight, within a box around its value, to the precision the loss surface tolerates there. Small weights and a flat minimum (one where the loss barely rises when the weights move) both make it small.',
    better:
      'Lower is better. Compare only models of the same architecture on the same data with the same n, γ and ε. When the curvature branch is 0 %, Ψ measures the weights’ sizes only, not the curvature.',
    docs: [method('2', 'Ψ'), method('3.5', 'reading Ψ')],
  },
  psiStar: {
    name: 'Ψ*',
    text: 'Ψ taken at the noise widths σ* that make the bound smallest: the headline number. Ψ (without the star) uses the paper’s literal widths min(1/√a, κ) and is shown beside it.',
    better: 'Lower is better; the same comparisons as Ψ.',
    docs: [method('3.2', 'σ* and Ψ*'), method('3.5', 'reading Ψ')],
  },
  bound: {
    name: 'the bound',
    text: 'A PAC-Bayes bound on the expected loss of the model with its weights jittered by σ*: the training loss, plus a curvature term (how much the jitter raises the loss), plus a complexity term that grows with Ψ* and shrinks with the number of training samples n.',
    better:
      'Lower is better. It assumes a loss between 0 and 1: for cross-entropy it is a score on the loss scale, not a guarantee.',
    docs: [method('3.1', 'the bound'), method('8', 'which n')],
  },
  rho: {
    name: 'ρ̂',
    text: 'How fast the curvature itself changes near the weights (the Lipschitz constant of the Hessian on the box κ). It widens every coordinate’s curvature by ρ̂·√m·κ, so a large ρ̂ makes the model look sharper.',
    better:
      'A lower estimate: a few random probes see only part of the true constant. More ρ probes can only raise it.',
    docs: [method('5', 'curvature estimators')],
  },
  sigmaStar: {
    name: 'σ*',
    text: 'For each weight, the half-width of the random jitter the bound tolerates: larger where the loss is flat along that weight. It is capped at the box κ = γ|w| + ε.',
    better: 'Larger σ* (a flatter minimum) means a lower Ψ*.',
    docs: [method('3.2', 'σ*')],
  },
  curvature: {
    name: 'curvature branch',
    text: 'The share of weights where the curvature, not only the weight’s size, sets the tolerated precision σ. At 0 % every σ equals its box κ and Ψ is a function of the weights’ sizes alone.',
    docs: [method('3.5', 'reading Ψ')],
  },
  lambdaMax: {
    name: 'λmax',
    text: 'The largest eigenvalue of the Hessian (the second derivatives of the training loss): the curvature along the sharpest direction.',
    better: 'Larger means sharper along that one direction; Ψ sums over every direction instead.',
    docs: [method('5', 'curvature estimators')],
  },
  gap: {
    name: 'generalization gap',
    text: 'The test loss minus the training loss: how much worse the model does on data it has not seen. Ψ and the bound are meant to predict it without a test set.',
    better: 'Smaller is better.',
    docs: [{ href: 'docs/training.txt', label: 'docs/training.md (training in pacgen)' }],
  },
} satisfies Record<string, Term>;

export type TermKey = keyof typeof GLOSSARY;
