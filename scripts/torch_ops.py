#!/usr/bin/env python3
"""PyTorch CPU peer of `cargo bench --bench ops` (optional; needs `torch`).

Times the layer kinds of a UNet training step at batch 32 (32 × 32 input) the bench times:
a 3 × 3 convolution and GroupNorm(8) + SiLU at 32 ch 32², 64 ch 16² and 64 ch 8², forward
alone (no grad) and forward + backward of the sum. Prints one `name: milliseconds` line
each (median), named as the bench's `fused_*` rows.

    python scripts/torch_ops.py --threads 2
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

# The same timer as the model peer (this script's folder is on sys.path when run).
from torch_peer import median_ms


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=20)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for ch, side in [(32, 32), (64, 16), (64, 8)]:
        conv = nn.Conv2d(ch, ch, 3, padding=1)
        norm = nn.GroupNorm(8, ch)
        x = torch.randn(32, ch, side, side)

        def conv_fwd():
            with torch.no_grad():
                conv(x).sum().item()

        def conv_fwd_bwd():
            conv(x.clone().requires_grad_()).sum().backward()

        def norm_fwd():
            with torch.no_grad():
                F.silu(norm(x)).sum().item()

        def norm_fwd_bwd():
            F.silu(norm(x.clone().requires_grad_())).sum().backward()

        for name, f in [
            (f"conv3x3_{ch}c_{side}px_fwd", conv_fwd),
            (f"conv3x3_{ch}c_{side}px_fwd_bwd", conv_fwd_bwd),
            (f"groupnorm_silu_{ch}c_{side}px_fwd", norm_fwd),
            (f"groupnorm_silu_{ch}c_{side}px_fwd_bwd", norm_fwd_bwd),
        ]:
            print(f"{name}: {median_ms(f, args.iters):.3f} ms")


if __name__ == "__main__":
    main()
