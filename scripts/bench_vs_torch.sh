#!/usr/bin/env bash
# ddpm-lab's denoisers beside PyTorch on the same shapes, measured back to back in one run
# (this machine's speed varies between days, so only the ratios are compared).
#
#   scripts/bench_vs_torch.sh [ROUNDS]      (default 3 rounds, alternating the two)
#
# Needs a release build (cargo build --release) and a Python with torch
# (pip install torch; PYTHON=/path/to/python picks one). Both sides use 2 threads:
# RAYON_NUM_THREADS for ddpm-lab, torch.set_num_threads for PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
bin="${DDPM_LAB_BIN:-target/release/ddpm-lab}"
python="${PYTHON:-python3}"
threads="${THREADS:-2}"
[ -x "$bin" ] || { echo "error: $bin not found: run cargo build --release first" >&2; exit 1; }
"$python" -c "import torch" 2>/dev/null || { echo "error: $python has no torch (pip install torch)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$rounds"); do
  RAYON_NUM_THREADS="$threads" "$bin" bench --suite --iters 5 >"$out/ours.$r"
  "$python" scripts/torch_peer.py --threads "$threads" --iters 5 >"$out/torch.$r"
done
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
simd="AVX2"; case "$flags" in *avx512f*) simd="AVX-512";; esac
echo "$(date -u +%Y-%m-%d), $cpu ($simd), $(nproc) cores, $threads threads each, median of $rounds rounds"
echo "$(head -1 "$out/ours.1"); $(head -1 "$out/torch.1")"
echo
echo "| what | ddpm-lab | PyTorch | ratio |"
echo "|---|---|---|---|"
for name in unet_forward_b1 unet_forward_b16 unet_train_step_b32 mlp_forward_2000 mlp_train_step_b512; do
  ours=$(cat "$out"/ours.* | awk -v n="$name:" '$1==n {print $2}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  theirs=$(cat "$out"/torch.* | awk -v n="$name:" '$1==n {print $2}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }')
  echo "| $name | $ours ms | $theirs ms | $ratio |"
done
