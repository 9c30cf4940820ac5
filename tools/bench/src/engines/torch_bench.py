"""PyTorch (CPU) side of the pacgen bench.

Spawned by src/engines/torch.ts with the path of a manifest (JSON) that names the cases, their
network spec, the parameter layout and binary files (f32 / i32) holding the very weights, batch
and HVP direction that the JavaScript engines use, plus core-wasm's result for the agreement
check. Prints one JSON object on stdout; everything else goes to stderr.

The model is built the way a PyTorch user writes it (NCHW, nn.Linear/nn.Conv2d weight layouts,
F.cross_entropy, torch.autograd.grad); the engine's NHWC weights are converted once at load,
and gradients are converted back only for the agreement check. HVP cases are timed three ways:
the central difference at core-wasm's step ('pytorch'), and PyHessian's double backprop (the
gradient with its graph, differentiated again along v) in float32 ('pytorch-hvp') and float64
('pytorch-hvp-f64'), which is what the pacgen-vs-PyHessian HVP ratio is measured against.
"""

import json
import os
import resource
import statistics
import sys
import time


def fail(message):
    print(json.dumps({"unavailable": message}))
    sys.exit(0)


try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the bench turns this into a skip note
    fail(f"{e}")


def measure(fn, timing):
    """The rule of src/timing.ts: warm-up (at most a quarter of the budget), then timed
    iterations until the count, or the budget once min_iterations are done, or 3x the budget."""
    budget = timing["budget_ms"]
    warm_start = time.perf_counter()
    for _ in range(timing["warmup"]):
        fn()
        if (time.perf_counter() - warm_start) * 1e3 > budget / 4:
            break
    times = []
    start = time.perf_counter()
    while len(times) < max(1, timing["iterations"]):
        t0 = time.perf_counter()
        fn()
        t = (time.perf_counter() - t0) * 1e3
        times.append(t)
        spent = (time.perf_counter() - start) * 1e3
        if len(times) >= timing["min_iterations"] and spent > budget:
            break
        if spent + t > 3 * budget:
            break
    return statistics.median(times), len(times)


def pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


def same_padding(size, kernel, stride):
    """TensorFlow's 'same' rule (the engine's): (before, after), the odd one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Model:
    """The spec's network (a chain, or a graph whose layers name their inputs) over a list of
    leaf tensors in PyTorch layouts."""

    def __init__(self, spec, tensors, flat):
        self.ops = []  # (kind, args, weight index, bias index, input node indices; -1 = input)
        self.to_torch = []  # per engine tensor: engine array -> torch tensor
        self.to_engine = []  # per engine tensor: torch gradient -> engine-layout array
        index = {t["name"]: i for i, t in enumerate(tensors)}
        node_of = {}  # layer name -> node carrying its output
        shapes = []  # per node, per sample, NHWC as the engine sees it
        flat_of = []  # per node: [H, W, C] when it is a flatten of an image
        for i, layer in enumerate(spec["layers"]):
            kind = layer["type"]
            name = layer.get("name", f"{kind}_{i}")
            refs = layer.get("inputs")
            ins = [len(self.ops) - 1] if refs is None else [-1 if r == "input" else node_of[r] for r in refs]
            shape = list(spec["inputShape"]) if ins[0] < 0 else shapes[ins[0]]
            from_image = None if ins[0] < 0 else flat_of[ins[0]]

            def add(op, out_shape, flattened=None):
                self.ops.append((*op, ins if len(self.ops) == first else [len(self.ops) - 1]))
                shapes.append(out_shape)
                flat_of.append(flattened)

            first = len(self.ops)
            if kind in ("dense", "conv2d"):
                if layer.get("tie") is not None:
                    raise ValueError(f"layer {name}: tie not supported")
                k = index[f"{name}/kernel"]
                b = index.get(f"{name}/bias") if layer.get("useBias", True) else None
                if kind == "dense":
                    (n_in,), units = shape, layer["units"]
                    if from_image is not None:
                        # Engine rows are (h, w, c); torch flattens NCHW as (c, h, w).
                        h, w, c = from_image
                        self._convert(
                            k,
                            lambda a, h=h, w=w, c=c, o=units: a.reshape(h, w, c, o)
                            .permute(3, 2, 0, 1)
                            .reshape(o, c * h * w),
                            lambda g, h=h, w=w, c=c, o=units: g.reshape(o, c, h, w)
                            .permute(2, 3, 1, 0)
                            .reshape(h * w * c, o),
                        )
                    else:
                        self._convert(k, lambda a: a.t(), lambda g: g.t())
                    add(("dense", None, k, b), [units])
                else:
                    H, W, C = shape
                    kh, kw = pair(layer["kernelSize"])
                    sh, sw = pair(layer.get("strides", 1))
                    padding = layer.get("padding", "valid")
                    if padding == "same":
                        pads = (*same_padding(W, kw, sw), *same_padding(H, kh, sh))
                    else:
                        p = 0 if padding == "valid" else padding
                        pads = (p, p, p, p)
                    self._convert(k, lambda a: a.permute(3, 2, 0, 1), lambda g: g.permute(2, 3, 1, 0))
                    oh = (H + pads[2] + pads[3] - kh) // sh + 1
                    ow = (W + pads[0] + pads[1] - kw) // sw + 1
                    add(("conv2d", ((sh, sw), pads, layer.get("groups", 1)), k, b), [oh, ow, layer["filters"]])
                if b is not None:
                    self._convert(b, lambda a: a, lambda g: g)
                act = layer.get("activation", "linear")
                if act != "linear":
                    add(("activation", act, None, None), shapes[-1])
            elif kind == "batchnorm":
                g = index.get(f"{name}/gamma")
                bt = index.get(f"{name}/beta")
                for t in (g, bt):
                    if t is not None:
                        self._convert(t, lambda a: a, lambda g_: g_)
                C = shape[-1]
                # Running statistics at their start (mean 0, variance 1), as the engine's buffers.
                stats = (torch.zeros(C), torch.ones(C), layer.get("epsilon", 1e-5), layer.get("momentum", 0.1))
                add(("batchnorm", stats, g, bt), shape)
            elif kind == "add":
                add(("add", None, None, None), shape)
            elif kind == "global-avgpool":
                add(("gap", None, None, None), [shape[-1]])
            elif kind == "maxpool2d":
                H, W, C = shape
                size = pair(layer["poolSize"])
                strides = pair(layer.get("strides", layer["poolSize"]))
                out = [(H - size[0]) // strides[0] + 1, (W - size[1]) // strides[1] + 1, C]
                add(("maxpool2d", (size, strides), None, None), out)
            elif kind == "flatten":
                add(("flatten", None, None, None), [int(np.prod(shape))], shape if len(shape) == 3 else None)
            elif kind == "dropout":
                add(("dropout", layer["rate"], None, None), shape)
            elif kind == "activation":
                add(("activation", layer["activation"], None, None), shape)
            else:
                raise ValueError(f"layer type {kind} not supported")
            node_of[name] = len(self.ops) - 1
        self.params = []
        for i, t in enumerate(tensors):
            a = torch.from_numpy(flat[t["offset"] : t["offset"] + t["size"]].copy()).reshape(t["shape"])
            self.params.append(self.to_torch[i](a).contiguous())

    def _convert(self, i, forward, back):
        while len(self.to_torch) <= i:
            self.to_torch.append(None)
            self.to_engine.append(None)
        self.to_torch[i], self.to_engine[i] = forward, back

    def forward(self, ws, x, training):
        outs = []
        w = lambda i: None if i is None else ws[i]
        for kind, arg, k, b, ins in self.ops:
            h = x if ins[0] < 0 else outs[ins[0]]
            if kind == "dense":
                h = F.linear(h, ws[k], w(b))
            elif kind == "conv2d":
                stride, pads, groups = arg
                if any(pads):
                    h = F.pad(h, pads)
                h = F.conv2d(h, ws[k], w(b), stride=stride, groups=groups)
            elif kind == "batchnorm":
                mean, var, eps, momentum = arg
                if training:  # the update lands on copies: evaluation keeps the initial statistics
                    mean, var = mean.clone(), var.clone()
                h = F.batch_norm(h, mean, var, w(k), w(b), training, momentum, eps)
            elif kind == "add":
                h = sum(x if j < 0 else outs[j] for j in ins)
            elif kind == "gap":
                h = h.mean((2, 3))
            elif kind == "maxpool2d":
                h = F.max_pool2d(h, arg[0], arg[1])
            elif kind == "flatten":
                h = h.flatten(1)
            elif kind == "dropout":
                h = F.dropout(h, arg, training)
            elif arg == "relu":  # kind == "activation" from here on
                h = F.relu(h)
            elif arg == "sigmoid":
                h = torch.sigmoid(h)
            elif arg == "tanh":
                h = torch.tanh(h)
            else:
                raise ValueError(f"activation {arg} not supported")
            outs.append(h)
        return outs[-1]

    def grad(self, ws, x, y, training, create_graph=False):
        loss = F.cross_entropy(self.forward(ws, x, training), y)  # mean over the batch
        return torch.autograd.grad(loss, ws, create_graph=create_graph)

    def to_flat(self, parts, tensors, n, dtype=np.float32):
        out = np.zeros(n, dtype=dtype)
        for i, (p, t) in enumerate(zip(parts, tensors)):
            out[t["offset"] : t["offset"] + t["size"]] = self.to_engine[i](p.detach()).reshape(-1).numpy()
        return out


def run_case(case, timing):
    files = case["files"]
    flat = np.fromfile(files["params"], dtype=np.float32)
    v_flat = np.fromfile(files["v"], dtype=np.float32)
    model = Model(case["spec"], case["tensors"], flat)
    vs = Model(case["spec"], case["tensors"], v_flat).params
    ws = [p.clone().requires_grad_() for p in model.params]
    x = torch.from_numpy(np.fromfile(files["x"], dtype=np.float32)).reshape([case["batch"], *case["inputShape"]])
    if x.dim() == 4:
        # NHWC -> NCHW, once. Not .contiguous(): with one channel the permuted view already
        # counts as contiguous, keeps strides (HW, 1, W, 1) and is taken for channels_last,
        # which made PyTorch's MNIST CNN gradient 2-3x slower (87 against 29-36 ms at batch 256).
        x = x.permute(0, 3, 1, 2).clone(memory_format=torch.contiguous_format)
    y = torch.from_numpy(np.fromfile(files["y"], dtype=np.int32).astype(np.int64))
    t = case["step"]

    def hvp():
        # The natural way: two autograd gradients at perturbed copies of the weights.
        with torch.no_grad():
            plus = [(w + t * v).requires_grad_() for w, v in zip(ws, vs)]
            minus = [(w - t * v).requires_grad_() for w, v in zip(ws, vs)]
        gp = model.grad(plus, x, y, False)
        gm = model.grad(minus, x, y, False)
        return [(a - b) / (2 * t) for a, b in zip(gp, gm)]

    def relative_error(result, reference, dtype=np.float32):
        mine = model.to_flat(result, case["tensors"], flat.size, np.float64).astype(np.float64)
        ref = np.fromfile(reference, dtype=dtype).astype(np.float64)
        return float(np.linalg.norm(mine - ref) / max(np.linalg.norm(ref), 1e-30))

    def row(engine, fn, reference, dtype=np.float32):
        median_ms, iterations = measure(fn, timing)
        rel = relative_error(fn(), reference, dtype)
        return {"case": case["name"], "engine": engine, "median_ms": median_ms, "iterations": iterations, "rel_err": rel}

    if case["kind"] != "hvp":
        step = lambda: model.grad(ws, x, y, case["trainingDropout"])
        median_ms, iterations = measure(step, timing)
        rel = relative_error(model.grad(ws, x, y, False), files["reference"])
        return [{"case": case["name"], "engine": "pytorch", "median_ms": median_ms, "iterations": iterations, "rel_err": rel}]

    def double_backprop(ws_, vs_, x_):
        # PyHessian's HVP: the gradient with its graph, then the gradient of (∇L)·v.
        g = model.grad(ws_, x_, y, False, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(g, vs_))
        return torch.autograd.grad(dot, ws_)

    ws64 = [w.detach().double().requires_grad_() for w in ws]
    vs64 = [v.double() for v in vs]
    x64 = x.double()
    # The double-backprop rows against core-wasm f64 when it ran (no step, no kinks), else f32.
    exact_ref = (files["reference64"], np.float64) if "reference64" in files else (files["reference"], np.float32)
    return [
        row("pytorch", hvp, files["reference"]),
        row("pytorch-hvp", lambda: double_backprop(ws, vs, x), *exact_ref),
        row("pytorch-hvp-f64", lambda: double_backprop(ws64, vs64, x64), *exact_ref),
    ]


def run_gemm(g, timing):
    M, N, K = g["M"], g["N"], g["K"]
    gen = torch.Generator().manual_seed(1)
    a = torch.rand(K, M, generator=gen).t() if g["transposeA"] else torch.rand(M, K, generator=gen)
    b = torch.rand(K, N, generator=gen)
    out = torch.empty(M, N)
    median_ms, iterations = measure(lambda: torch.mm(a, b, out=out), timing)
    return {"name": g["name"], "median_ms": median_ms, "iterations": iterations}


def resident_bytes():
    """This process's resident set size now (not the peak), from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_resident_bytes():
    """The peak resident set size so far: ru_maxrss, which Linux gives in KiB. torch 1.13 keeps
    no statistics of its CPU allocations (max_memory_allocated is CUDA's), so the process's
    peak is the figure there is: it includes the interpreter and torch's libraries."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def blas_library():
    """Which BLAS this torch really calls for its dense matmuls. Debian's torch links the
    generic libblas.so.3, which the alternatives system points at the reference BLAS unless an
    optimized one (OpenBLAS, BLIS, MKL) is installed."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()})
    except OSError:
        return "unknown"
    if "BLAS_INFO=mkl" in torch.__config__.show() or any("mkl" in l.lower() for l in libs):
        return "MKL"  # pip wheels link it statically
    for name in ("openblas", "blis", "atlas"):
        hit = [l for l in libs if name in l.lower()]
        if hit:
            return f"{name.upper() if name != 'openblas' else 'OpenBLAS'} ({hit[0]})"
    hit = [l for l in libs if "/blas/" in l]
    if hit:
        return f"reference BLAS ({hit[0]}): slow; apt-get install libopenblas0-openmp"
    return ", ".join(libs) or "unknown"


def main():
    start = resident_bytes()  # torch imported, nothing of the case loaded yet
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    torch.set_num_threads(manifest["threads"])
    timing = manifest["timing"]
    cases = [r for c in manifest["cases"] for r in run_case(c, timing)]
    gemm = [run_gemm(g, manifest["gemmTiming"]) for g in manifest["gemm"]]
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "blas": blas_library(),
                "cases": cases,
                "gemm": gemm,
                "memory": {"peak_bytes": peak_resident_bytes(), "start_bytes": start},
            }
        )
    )


if __name__ == "__main__":
    main()
