#!/usr/bin/env python3
"""Checks that diffusers' DDPMScheduler.from_pretrained loads every config that
`ddpm-lab export-diffusers` writes to the same alpha_bar that `ddpm-lab schedule` prints.

Needs numpy, torch and diffusers (pip install numpy torch diffusers). Optional: not part of
the test command. Usage: python3 scripts/check_diffusers_export.py [path/to/ddpm-lab]
"""
import io, subprocess, sys, tempfile, pathlib
import numpy as np
from diffusers import DDPMScheduler

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/ddpm-lab"
cases = {
    "linear": ["--kind", "linear"],
    "scaled_linear_zero_snr": ["--kind", "scaled_linear", "--beta-start", "0.00085",
                               "--beta-end", "0.012", "--rescale-zero-snr"],
    "cosine_500": ["--kind", "squaredcos_cap_v2", "--steps", "500"],
    "sigmoid_200": ["--kind", "sigmoid", "--steps", "200", "--beta-end", "0.03"],
}
worst = 0.0
with tempfile.TemporaryDirectory() as tmp:
    betas = pathlib.Path(tmp, "betas.txt")
    betas.write_text("0.01 0.02 0.05 0.1 0.3 0.6\n")
    cases["trained_betas"] = ["--betas-file", str(betas)]
    for name, args in cases.items():
        out_dir = pathlib.Path(tmp, name)
        subprocess.run([binary, "export-diffusers", *args, "--out", str(out_dir)], check=True,
                       capture_output=True)
        table = subprocess.run([binary, "schedule", *args], check=True, capture_output=True,
                               text=True).stdout
        ours = np.loadtxt(io.StringIO(table), delimiter=",", skiprows=1, ndmin=2)[:, 3]
        theirs = DDPMScheduler.from_pretrained(out_dir).alphas_cumprod.double().numpy()
        assert len(ours) == len(theirs), name
        d = float(np.abs(theirs - ours).max())
        worst = max(worst, d)
        print(f"{name:24s} T={len(ours):5d}  max |alpha_bar diff| = {d:.2e}")
# diffusers computes in float32: agreement to a few float32 ulps is the best possible.
assert worst < 1e-6, worst
print("all configs load to the same alpha_bar (float32 precision)")
