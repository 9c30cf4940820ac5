#!/usr/bin/env bash
# Regenerates the results of docs/reproduction.md, one experiment per argument:
#
#   tools/reproduce.sh toy | mnist-batch | mnist-lr | cifar | compare | compare-wide | compare-sam-budget | all
#
# Each writes docs/reproduction/NAME/ with the exact command shown in the report. Sweeps are
# resumable: an interrupted one continues where it stopped when run again. Build first
# (npm run build, or npm run demo once); set OUT=DIR to write elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-docs/reproduction}
pacgen() { node packages/cli/dist/main.js "$@"; }
[ -f packages/cli/dist/main.js ] || npx nx run @pacgen/cli:build --output-style=static

# The MNIST sweeps share one budget: the paper's network without dropout (so that every run can
# reach the common training loss), 1,024 training and 1,000 test images, Ψ at epochs 0, 1, 2, 4, …
MNIST_SWEEP=(sweep --data mnist --model mnist-cnn:dropout=0 --train-size 1024 --test-size 1000
  --target-loss 0.01 --max-epochs 400 --psi-every log --seeds 1,2)

run() {
  case "$1" in
    toy) pacgen toy --out "$OUT/toy" --force ;;
    mnist-batch) pacgen "${MNIST_SWEEP[@]}" --batch-sizes 16,32,64,128,256,512,1024 --lrs 0.1 --out "$OUT/mnist-batch" ;;
    mnist-lr) pacgen "${MNIST_SWEEP[@]}" --batch-sizes 256 --lrs 0.1,0.05,0.02,0.01,0.005 --out "$OUT/mnist-lr" ;;
    cifar) pacgen sweep --data synthetic-cifar --model cifar-cnn --optimizers adam --lrs 0.001 --batch-sizes 16,32,64,128 --seeds 1,2 \
        --train-size 256 --test-size 500 --target-loss 0.01 --max-epochs 150 --psi-every log --samples 128 --probes 4 --rho-probes 1 --out "$OUT/cifar" ;;
    compare) pacgen compare --normalize standard --out "$OUT/compare" --force ;;
    # perturbedOPT with the paper's neighbourhood (ε = 0.1) and a larger noise scale.
    compare-wide) pacgen compare --normalize standard --methods plain,perturbed-secant,perturbed-probes --perturb-epsilon 0.1 --noise-scale 0.05 --out "$OUT/compare-wide" --force ;;
    # SAM and ASAM at the gradient budget of plain's 30 epochs: 15 epochs of 2 gradients a step.
    compare-sam-budget) pacgen compare --normalize standard --methods plain,sam,asam --epochs 15 --out "$OUT/compare-sam-budget" --force ;;
    all) for e in toy mnist-batch mnist-lr cifar compare compare-wide compare-sam-budget; do run "$e"; done ;;
    *) echo "tools/reproduce.sh: unknown experiment '$1' (toy, mnist-batch, mnist-lr, cifar, compare, compare-wide, compare-sam-budget, all)" >&2; exit 2 ;;
  esac
}
[ $# -ge 1 ] || { echo "usage: tools/reproduce.sh toy|mnist-batch|mnist-lr|cifar|compare|compare-wide|compare-sam-budget|all" >&2; exit 2; }
for e in "$@"; do run "$e"; done
