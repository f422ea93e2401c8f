#!/usr/bin/env bash
# How many seconds of training the Points panel's default settings need to reach a moons
# model as good as the shipped one (assets/models/moons).
#
#   scripts/points_training_time.sh [STEPS...]     (default: 250 500 1000 1500 2000)
#
# For each step count, trains a fresh MLP exactly as the panel's Train button does with its
# defaults (batch 256, learning rate 2e-3, 128 wide × 3 layers, seed 1; 100 warm-up steps, cosine
# decay over the run), timed with /usr/bin/time, then draws 2000 DDIM-20 samples and scores
# them as the tests do: the mean distance from each sample to the nearest data point (and,
# for coverage, the other way round), against 4000 fresh moons points. A run is "as good as
# shipped" when it passes the bar tests/ui_points.rs sets the shipped model (sample→data
# below 0.05, with the same sampler); the shipped model's own scores are printed first. Needs a release build and a Python with numpy (PYTHON=...).
# DDPM_LAB_BIN picks another binary (e.g. an older build, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${DDPM_LAB_BIN:-target/release/ddpm-lab}"
python="${PYTHON:-python3}"
[ -x "$bin" ] || { echo "error: $bin not found: run cargo build --release first" >&2; exit 1; }
"$python" -c "import numpy" 2>/dev/null || { echo "error: $python has no numpy (pip install numpy)" >&2; exit 1; }
steps_list=("$@")
[ ${#steps_list[@]} -gt 0 ] || steps_list=(250 500 1000 1500 2000)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

score() {
  "$python" - "$1" <<'PY'
import sys, numpy as np
s = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
rng = np.random.default_rng(12345)
n = 4000
theta = rng.random(n) * np.pi
outer = rng.random(n) < 0.5
x = np.where(outer, np.cos(theta), 1 - np.cos(theta)) + 0.05 * rng.standard_normal(n)
y = np.where(outer, np.sin(theta), 0.5 - np.sin(theta)) + 0.05 * rng.standard_normal(n)
data = np.stack([(x - 0.5) * 0.6, (y - 0.25) * 0.6], axis=1)
d = np.sqrt(((s[:, None, :] - data[None, :, :]) ** 2).sum(-1))
print(f"{d.min(axis=1).mean():.4f} {d.min(axis=0).mean():.4f}")
PY
}

sample() {
  "$bin" sample --model "$1" --sampler ddim --steps 20 --n 2000 --seed 7 --out "$2" >/dev/null 2>&1
}

sample assets/models/moons "$out/shipped.csv"
read -r ship_near ship_cover < <(score "$out/shipped.csv")
echo "$(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $("$bin" --version)"
echo "shipped moons model (8000 steps at batch 512): sample→data $ship_near, data→sample $ship_cover"
echo
echo "| steps | training seconds (wall) | sample→data | data→sample | passes the shipped model's bar (< 0.05) |"
echo "|---|---|---|---|---|"
for steps in "${steps_list[@]}"; do
  dir="$out/run$steps"
  /usr/bin/time -f "%e" -o "$out/time$steps" "$bin" train --dataset moons --steps "$steps" \
    --batch 256 --lr 2e-3 --warmup 100 --hidden 128 --layers 3 --seed 1 --out "$dir" >/dev/null 2>&1
  sample "$dir" "$out/s$steps.csv"
  read -r near cover < <(score "$out/s$steps.csv")
  good=$(awk -v a="$near" 'BEGIN { print (a < 0.05) ? "yes" : "no" }')
  echo "| $steps | $(cat "$out/time$steps") | $near | $cover | $good |"
done
