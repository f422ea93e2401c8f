#!/usr/bin/env python3
"""Independent float64 reference values for tests/diffusion.rs.

Implements the published formulas directly with numpy (Ho et al. 2020 for the linear
schedule and the posterior; Nichol & Dhariwal 2021 for cosine; diffusers'
DDPMScheduler.__init__ for scaled_linear and sigmoid; Lin et al. 2023 Algorithm 1 for
zero-terminal-SNR rescaling; diffusers' set_timesteps for the spacings), and, when the
`diffusers` package is installed, checks diffusers' own (float32) alphas_cumprod against it.

Run: python3 scripts/reference_values.py   (needs numpy; diffusers+torch optional)
"""
import math
import numpy as np

def linear(T, a, b): return np.linspace(a, b, T, dtype=np.float64)
def scaled_linear(T, a, b): return np.linspace(a**0.5, b**0.5, T, dtype=np.float64) ** 2
def sigmoid(T, a, b):
    x = np.linspace(-6, 6, T, dtype=np.float64)
    return 1 / (1 + np.exp(-x)) * (b - a) + a
def cosine(T, max_beta=0.999):
    f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return np.array([min(1 - f((i + 1) / T) / f(i / T), max_beta) for i in range(T)])
def zero_snr(betas):
    ab_sqrt = np.sqrt(np.cumprod(1 - betas))
    a0, aT = ab_sqrt[0], ab_sqrt[-1]
    ab_sqrt = (ab_sqrt - aT) * a0 / (a0 - aT)
    ab = ab_sqrt ** 2
    alphas = np.concatenate([ab[0:1], ab[1:] / ab[:-1]])
    return 1 - alphas

def table(betas):
    ab = np.cumprod(1 - betas)
    ab_prev = np.concatenate([[1.0], ab[:-1]])
    post_var = betas * (1 - ab_prev) / (1 - ab)
    coef1 = betas * np.sqrt(ab_prev) / (1 - ab)
    coef2 = (1 - ab_prev) * np.sqrt(1 - betas) / (1 - ab)
    return ab, post_var, coef1, coef2

def show(name, betas, ts):
    ab, pv, c1, c2 = table(betas)
    for t in ts:
        i = t - 1
        print(f"{name} t={t}: beta={float(betas[i])!r} alpha_bar={float(ab[i])!r} post_var={float(pv[i])!r} coef1={float(c1[i])!r} coef2={float(c2[i])!r}")

show("linear(1000,1e-4,0.02)", linear(1000, 1e-4, 0.02), [1, 2, 500, 1000])
show("scaled_linear(1000,0.00085,0.012)", scaled_linear(1000, 0.00085, 0.012), [1, 500, 1000])
show("squaredcos_cap_v2(1000)", cosine(1000), [1, 500, 999, 1000])
show("sigmoid(1000,1e-4,0.02)", sigmoid(1000, 1e-4, 0.02), [1, 500, 1000])
show("linear(1000,1e-4,0.02)+zero_snr", zero_snr(linear(1000, 1e-4, 0.02)), [1, 500, 999, 1000])
show("scaled_linear(1000,0.00085,0.012)+zero_snr", zero_snr(scaled_linear(1000, 0.00085, 0.012)), [1, 500, 1000])

# Worked example (the seed notes): x0 = 0.8, beta1 = 0.1, eps = 0.5, beta2 = 0.2.
x0, b1, eps, b2 = 0.8, 0.1, 0.5, 0.2
mu1 = math.sqrt(1 - b1) * x0
print("example mu1", repr(mu1), "x1", repr(mu1 + math.sqrt(b1) * eps),
      "mu2", repr(math.sqrt((1 - b1) * (1 - b2)) * x0), "var2", repr(1 - (1 - b1) * (1 - b2)))

# diffusers' set_timesteps spacings (0-based there; +1 for paper t).
def spacing(T, n, kind, offset=0):
    if kind == "linspace":
        ts = np.linspace(0, T - 1, n).round()[::-1].copy().astype(np.int64)
    elif kind == "leading":
        r = T // n
        ts = (np.arange(0, n) * r).round()[::-1].copy().astype(np.int64) + offset
    else:
        r = T / n
        ts = np.round(np.arange(T, 0, -r)).astype(np.int64) - 1
    return [int(t) + 1 for t in ts]
for T, n in [(1000, 50), (1000, 3), (1000, 7), (10, 4)]:
    for k in ["leading", "trailing", "linspace"]:
        ts = spacing(T, n, k)
        print(f"spacing T={T} n={n} {k}: first={ts[:4]} last={ts[-3:]} len={len(ts)}")

try:
    import torch
    from diffusers import DDPMScheduler
    for kw in [dict(beta_schedule="linear"),
               dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012),
               dict(beta_schedule="squaredcos_cap_v2"),
               dict(beta_schedule="sigmoid"),
               dict(beta_schedule="linear", rescale_betas_zero_snr=True)]:
        s = DDPMScheduler(num_train_timesteps=1000, **kw)
        ours = {"linear": linear(1000, 1e-4, 0.02), "scaled_linear": scaled_linear(1000, 0.00085, 0.012),
                "squaredcos_cap_v2": cosine(1000), "sigmoid": sigmoid(1000, 1e-4, 0.02)}[kw["beta_schedule"]]
        if kw.get("rescale_betas_zero_snr"): ours = zero_snr(ours)
        d = np.abs(s.alphas_cumprod.double().numpy() - np.cumprod(1 - ours)).max()
        print(f"diffusers {kw}: max |alpha_bar diff| = {d:.3e} (diffusers computes in float32)")
    for T, n in [(1000, 50), (1000, 3), (1000, 7)]:
        for k in ["leading", "trailing", "linspace"]:
            s = DDPMScheduler(num_train_timesteps=T, timestep_spacing=k)
            s.set_timesteps(n)
            assert [int(t) + 1 for t in s.timesteps] == spacing(T, n, k), (T, n, k)
    print("diffusers spacings match")
except ImportError as e:
    print("diffusers not installed; skipped the cross-check:", e)
