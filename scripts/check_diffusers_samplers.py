#!/usr/bin/env python3
"""Checks ddpm-lab's Euler, Heun and DPM-Solver++(2M) samplers against diffusers'
EulerDiscreteScheduler, HeunDiscreteScheduler and DPMSolverMultistepScheduler
(algorithm_type="dpmsolver++", solver_order=2), with their default spacing (linspace),
with Karras sigmas, and with final sigma 0.

1. `ddpm-lab sigmas` against scheduler.sigmas / scheduler.timesteps for a grid of schedules,
   step counts and Karras on/off.
2. `--references`: prints, for tests/samplers.rs, the sigmas of a few configs and the end
   points of sampling runs with the exact x0 of a 2-D Gaussian mixture (prediction_type
   "sample") from four fixed starting points.

diffusers keeps alphas_cumprod in float32; so that the comparison is of the algorithms, not
of float32 cumulative products, alphas_cumprod is replaced by the float64 product of the same
betas before set_timesteps (diffusers' sigmas are still rounded to float32 after that).

Needs numpy, torch and diffusers (pip install numpy torch diffusers). Optional: not part of
the test command. Usage:
  python3 scripts/check_diffusers_samplers.py [path/to/ddpm-lab] [--references]
"""
import io, subprocess, sys
import numpy as np
import torch
from diffusers import (DPMSolverMultistepScheduler, EulerDiscreteScheduler,
                       HeunDiscreteScheduler)

args = [a for a in sys.argv[1:] if not a.startswith("--")]
binary = args[0] if args else "target/release/ddpm-lab"
REFERENCES = "--references" in sys.argv

CLASSES = {"euler": EulerDiscreteScheduler, "heun": HeunDiscreteScheduler,
           "dpmpp2m": DPMSolverMultistepScheduler}
SCHEDULES = {
    "linear": dict(beta_schedule="linear", beta_start=1e-4, beta_end=0.02),
    "scaled_linear": dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012),
    "squaredcos_cap_v2": dict(beta_schedule="squaredcos_cap_v2"),
}


def ours_cli_flags(name, cfg, T):
    flags = ["--kind", name, "--steps", str(T)]
    if "beta_start" in cfg:
        flags += ["--beta-start", repr(cfg["beta_start"]), "--beta-end", repr(cfg["beta_end"])]
    return flags


def make(sampler, name, T, karras):
    cfg = dict(SCHEDULES[name])
    kw = dict(num_train_timesteps=T, use_karras_sigmas=karras, **cfg)
    if sampler == "dpmpp2m":
        kw.update(algorithm_type="dpmsolver++", solver_order=2)
    sched = CLASSES[sampler](**kw)
    betas = sched.betas.double()
    if name == "squaredcos_cap_v2":
        # diffusers' own float64 recomputation of betas_for_alpha_bar.
        import math
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)],
                             dtype=torch.float64)
    elif name == "linear":
        betas = torch.linspace(cfg["beta_start"], cfg["beta_end"], T, dtype=torch.float64)
    elif name == "scaled_linear":
        betas = torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, T,
                               dtype=torch.float64) ** 2
    sched.alphas_cumprod = torch.cumprod(1.0 - betas, 0)
    return sched


def distinct_levels(sampler, sched):
    """(paper timesteps, sigmas) with Heun's repeated entries removed, final 0 included."""
    s = sched.sigmas.double().numpy()
    t = sched.timesteps.double().numpy()
    if sampler == "heun":
        s = np.concatenate([s[:1], s[1:-1:2], s[-1:]])
        t = np.concatenate([t[:1], t[1::2]])
    return np.concatenate([t + 1.0, [0.0]]), s


def cli_levels(sampler, name, T, n, karras):
    cmd = [binary, "sigmas", *ours_cli_flags(name, SCHEDULES[name], T), "--sampling-steps",
           str(n), "--sampler", sampler] + (["--karras"] if karras else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    table = np.genfromtxt(io.StringIO(out), delimiter=",", names=True)
    return np.atleast_1d(table["t"]), np.atleast_1d(table["sigma"])


worst_sigma = worst_t = 0.0
if not REFERENCES:
    for sampler in CLASSES:
        for name in SCHEDULES:
            for T in (1000, 200):
                for n in (1, 2, 5, 10, 25, 50):
                    for karras in (False, True):
                        sched = make(sampler, name, T, karras)
                        sched.set_timesteps(n)
                        t_ref, s_ref = distinct_levels(sampler, sched)
                        t_ours, s_ours = cli_levels(sampler, name, T, n, karras)
                        assert len(s_ours) == len(s_ref), (sampler, name, T, n, karras)
                        ds = float(np.max(np.abs(s_ours - s_ref) / np.maximum(s_ref, 1e-30)))
                        dt = float(np.max(np.abs(t_ours - t_ref)))
                        worst_sigma, worst_t = max(worst_sigma, ds), max(worst_t, dt)
                        # float32: diffusers rounds its linspace timesteps and sigmas to float32.
                        if ds > 1e-5 or dt > 1e-3:
                            print(f"MISMATCH {sampler} {name} T={T} n={n} karras={karras}: "
                                  f"rel sigma {ds:.2e}, t {dt:.2e}")
                            print(" ours", s_ours, t_ours)
                            print(" diffusers", s_ref, t_ref)
                            sys.exit(1)
    print(f"sigmas agree: worst relative sigma difference {worst_sigma:.2e} (float32 rounding), "
          f"worst timestep difference {worst_t:.2e}")
    sys.exit(0)

# ---------------------------------------------------------------- references for the tests
MIXTURE = [(0.3, (-1.0, 0.5), 0.3), (0.5, (1.2, -0.4), 0.5), (0.2, (0.0, 1.5), 0.2)]
STARTS = np.array([[0.3, -1.2], [1.7, 0.4], [-0.8, -0.1], [0.05, 2.2]])


def mixture_x0(x, alpha_bar):
    """E[x0 | x_t] of the isotropic mixture, float64, x: [N, 2] VP frame."""
    a = np.sqrt(alpha_bar)
    logs, means = [], []
    for w, mu, s in MIXTURE:
        mu = np.array(mu)
        v = alpha_bar * s * s + 1 - alpha_bar
        d = x - a * mu
        logs.append(np.log(w) - (d ** 2).sum(1) / (2 * v) - np.log(2 * np.pi * v))
        means.append(mu + (a * s * s / v) * d)
    logs = np.stack(logs)
    r = np.exp(logs - logs.max(0))
    r /= r.sum(0)
    return np.einsum("kn,knd->nd", r, np.stack(means))


def run(sampler, name, T, n, karras):
    sched = make(sampler, name, T, karras)
    sched.config.prediction_type = "sample"
    sched.register_to_config(prediction_type="sample")
    sched.set_timesteps(n)
    x = torch.tensor(STARTS, dtype=torch.float32) * sched.init_noise_sigma
    for t in sched.timesteps:
        inp = sched.scale_model_input(x, t) if hasattr(sched, "scale_model_input") else x
        idx = sched.step_index if sched.step_index is not None else 0
        sigma = float(sched.sigmas[idx])
        x0 = mixture_x0(inp.double().numpy(), 1.0 / (1.0 + sigma * sigma))
        x = sched.step(torch.tensor(x0, dtype=torch.float32), t, x).prev_sample
    return x.double().numpy()


print("// sigmas: (sampler, schedule, T, steps, karras) -> (paper t, sigma)")
for sampler, name, T, n, karras in [("euler", "linear", 1000, 10, False),
                                    ("euler", "linear", 1000, 10, True),
                                    ("dpmpp2m", "linear", 1000, 10, False),
                                    ("dpmpp2m", "scaled_linear", 1000, 10, True),
                                    ("heun", "squaredcos_cap_v2", 1000, 5, True)]:
    sched = make(sampler, name, T, karras)
    sched.set_timesteps(n)
    t, s = distinct_levels(sampler, sched)
    print(f"// {sampler} {name} T={T} n={n} karras={karras}")
    print("t:", ", ".join(repr(float(v)) for v in t))
    print("sigma:", ", ".join(repr(float(v)) for v in s))

print("// end points from STARTS with the mixture's exact x0")
for sampler, name, T, n, karras in [("euler", "linear", 1000, 10, False),
                                    ("heun", "linear", 1000, 10, False),
                                    ("dpmpp2m", "linear", 1000, 10, False),
                                    ("euler", "linear", 1000, 25, True),
                                    ("heun", "squaredcos_cap_v2", 1000, 8, True),
                                    ("dpmpp2m", "scaled_linear", 1000, 15, True)]:
    x = run(sampler, name, T, n, karras)
    print(f"// {sampler} {name} T={T} n={n} karras={karras}")
    print("[" + ", ".join(f"[{p[0]!r}, {p[1]!r}]" for p in x.tolist()) + "]")
