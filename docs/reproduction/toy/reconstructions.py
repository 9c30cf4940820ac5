# Which reconstruction of the paper's toy fits its labels with a sharp and a flatter minimum?
# (docs/reproduction.md §1, issue 20.) Within the description: a k = 3 Gaussian mixture in 2-D
# (the project's TOY_MIXTURE), labels binarized at their median, a 5-layer sigmoid network whose
# only parameters w1, w2 are shared by all layers, cross-entropy, 100 training samples (1,000
# test). Varied: which quantity is thresholded (LABELS) and how w1, w2 enter each layer (NETS).
# For each pair: the strict minima in [-4, 4]^2 (81 x 81 grid cells below their 8 neighbours,
# refined by damped Newton on finite-difference derivatives), and at each minimum the training
# loss, training and test accuracy (P > 1/2) and the Hessian's largest eigenvalue.
# numpy only; draws from numpy's generator (seeds 1 and 2), not the library's stream, so the
# numbers differ from `pacgen toy`'s in detail, not in kind. Runs in about a minute:
#   python3 docs/reproduction/toy/reconstructions.py
import numpy as np

WEIGHTS = np.array([0.35, 0.4, 0.25])
MEANS = np.array([[-1.2, 0.6], [0.8, -0.9], [1.1, 1.3]])
COVS = np.array([[[0.45, 0.15], [0.15, 0.3]], [[0.5, -0.2], [-0.2, 0.35]], [[0.2, 0.0], [0.0, 0.4]]])


def sample(n, seed):
    rng = np.random.default_rng(seed)
    c = rng.choice(3, size=n, p=WEIGHTS)
    return np.stack([rng.multivariate_normal(MEANS[k], COVS[k]) for k in c]), c


def density(x):
    d = 0.0
    for k in range(3):
        diff = x - MEANS[k]
        q = np.einsum('ni,ij,nj->n', diff, np.linalg.inv(COVS[k]), diff)
        d = d + WEIGHTS[k] * np.exp(-q / 2) / (2 * np.pi * np.sqrt(np.linalg.det(COVS[k])))
    return d


def sig(z):
    return 1 / (1 + np.exp(-z))


def sym(w1, w2, x1, x2, centre=0.0):
    """Today's: 4 x h <- sig(W h) - centre with W = [[w1, w2], [w2, w1]]; out sig(w1 h1 + w2 h2)."""
    h1, h2 = x1 + 0 * w1, x2 + 0 * w1
    for _ in range(4):
        h1, h2 = sig(w1 * h1 + w2 * h2) - centre, sig(w2 * h1 + w1 * h2) - centre
    return sig(w1 * h1 + w2 * h2)


def rot(w1, w2, x1, x2):
    """W = [[w1, -w2], [w2, w1]] (a rotation and scaling) in every layer."""
    h1, h2 = x1 + 0 * w1, x2 + 0 * w1
    for _ in range(4):
        h1, h2 = sig(w1 * h1 - w2 * h2), sig(w2 * h1 + w1 * h2)
    return sig(w1 * h1 + w2 * h2)


def chain(w1, w2, x1, x2, centre=0.0):
    """Width 1: z = sig(w1 x1 + w2 x2), then 4 x z <- sig(w1 z + w2) (w1 the weight, w2 the bias)."""
    z = sig(w1 * x1 + w2 * x2) - centre
    for _ in range(3):
        z = sig(w1 * z + w2) - centre
    return sig(w1 * z + w2)


def elementwise(w1, w2, x1, x2):
    """No mixing: h_i <- sig(w1 h_i + w2) per unit; out sig(w1 (h1 - h2) + w2)."""
    h1, h2 = x1 + 0 * w1, x2 + 0 * w1
    for _ in range(4):
        h1, h2 = sig(w1 * h1 + w2), sig(w1 * h2 + w2)
    return sig(w1 * (h1 - h2) + w2)


NETS = {
    'W=[[w1,w2],[w2,w1]] (today)': sym,
    'same, sigmoid centred (-1/2)': lambda a, b, x1, x2: sym(a, b, x1, x2, 0.5),
    'W=[[w1,-w2],[w2,w1]]': rot,
    'width 1, w1 weight, w2 bias': chain,
    'same, sigmoid centred': lambda a, b, x1, x2: chain(a, b, x1, x2, 0.5),
    'per unit, w1 weight, w2 bias': elementwise,
}
# The quantity, and whether the label is 'above the median' (>) or 'at least the median' (>=):
# the component index takes 3 values, so the two differ (c > 1: one component; c >= 1: two).
LABELS = {
    'density p(x) (today)': (lambda x, c: density(x), np.greater),
    'component index > median': (lambda x, c: c.astype(float), np.greater),
    'component index >= median': (lambda x, c: c.astype(float), np.greater_equal),
    'x1': (lambda x, c: x[:, 0], np.greater),
}


def loss(f, w, x, y):
    p = np.clip(f(w[..., 0:1], w[..., 1:2], x[:, 0][None], x[:, 1][None]), 1e-12, 1 - 1e-12)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


def derivatives(f, x, y, w, h=1e-4):
    L = lambda v: loss(f, v[None], x, y)[0]
    g, H = np.zeros(2), np.zeros((2, 2))
    for a in range(2):
        ea = np.eye(2)[a] * h
        g[a] = (L(w + ea) - L(w - ea)) / (2 * h)
        for b in range(2):
            eb = np.eye(2)[b] * h
            H[a, b] = (L(w + ea + eb) - L(w + ea - eb) - L(w - ea + eb) + L(w - ea - eb)) / (4 * h * h)
    return g, H


def minima(f, x, y, n=81):
    g = np.linspace(-4, 4, n)
    W = np.stack(np.meshgrid(g, g, indexing='ij'), -1).reshape(-1, 2)
    grid = loss(f, W, x, y).reshape(n, n)
    found = []
    for i in range(1, n - 1):
        for j in range(1, n - 1):
            around = np.delete(grid[i - 1:i + 2, j - 1:j + 2].ravel(), 4)
            if grid[i, j] >= around.min():
                continue
            w = np.array([g[i], g[j]])
            for _ in range(60):
                gr, H = derivatives(f, x, y, w)
                if np.linalg.eigvalsh(H).min() <= 0:
                    break
                step = np.clip(np.linalg.solve(H, gr), -0.2, 0.2)
                w = w - step
                if np.abs(step).max() < 1e-8:
                    break
            gr, H = derivatives(f, x, y, w)
            ev = np.linalg.eigvalsh(H)
            if ev.min() > 0 and np.abs(w).max() <= 4 and not any(np.abs(w - m).max() < 1e-3 for m, _ in found):
                found.append((w, ev[1]))
    return sorted(found, key=lambda m: loss(f, m[0][None], x, y)[0])


def accuracy(f, w, x, y):
    return float(((f(w[0], w[1], x[:, 0], x[:, 1]) > 0.5) == y).mean())


xtr, ctr = sample(100, 1)
xte, cte = sample(1000, 2)
print('labels | network | minima | each minimum, lowest loss first: (w1, w2) loss, train/test accuracy, lambda_max')
for lname, (q, above) in LABELS.items():
    qtr = q(xtr, ctr)
    thr = np.median(qtr)
    ytr, yte = above(qtr, thr).astype(float), above(q(xte, cte), thr).astype(float)
    for nname, f in NETS.items():
        ms = minima(f, xtr, ytr)
        cells = [
            f"({w[0]:+.2f}, {w[1]:+.2f}) {loss(f, w[None], xtr, ytr)[0]:.3f}, "
            f"{accuracy(f, w, xtr, ytr):.2f}/{accuracy(f, w, xte, yte):.2f}, {lam:.3g}"
            for w, lam in ms[:3]
        ]
        print(f"{lname} | {nname} | {len(ms)} | " + ' ; '.join(cells), flush=True)
