#!/usr/bin/env python3
"""PyTorch CPU peer of ddpm-lab's UNet and MLP (optional; needs `torch`).

Builds the same architectures as src/model/unet.rs and src/model/mlp.rs (same layers,
same channel plan, same parameter count) and times what benches/model.rs times:
UNet forward at batch 1 and 16, a UNet training step (AdamW) at batch 32, an MLP
forward of 2000 points and an MLP training step at batch 512. Prints medians in
milliseconds, one `name: value ms` line each (as `ddpm-lab bench --suite`).

Run with any Python that has torch, e.g. `python scripts/torch_peer.py --threads 2`.
"""

import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoidal(values, dim):
    half = dim // 2
    denom = max(half - 1, 1)
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / denom)
    args = values[:, None] * freqs[None, :]
    return torch.cat([args.sin(), args.cos()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, ci, co, tdim, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, ci)
        self.conv1 = nn.Conv2d(ci, co, 3, padding=1)
        self.time = nn.Linear(tdim, co)
        self.norm2 = nn.GroupNorm(groups, co)
        self.conv2 = nn.Conv2d(co, co, 3, padding=1)
        self.shortcut = nn.Conv2d(ci, co, 1) if ci != co else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.shortcut(x) if self.shortcut is not None else x) + h


class Attention(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)

    def forward(self, x):
        b, c, h, w = x.shape
        tokens = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        q, k, v = self.qkv(tokens).split(c, dim=2)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=2)
        out = self.proj(att @ v).transpose(1, 2).reshape(b, c, h, w)
        return x + out


class UNet(nn.Module):
    """The channel plan of UNetConfig::plan: res blocks down, one more per level up."""

    def __init__(self, in_ch=1, channels=(32, 64, 64), res_blocks=1, attention=True, groups=8):
        super().__init__()
        c0 = channels[0]
        tdim = 4 * c0
        self.c0 = c0
        self.time_in = nn.Linear(c0, tdim)
        self.time_out = nn.Linear(tdim, tdim)
        self.conv_in = nn.Conv2d(in_ch, c0, 3, padding=1)
        levels = len(channels)
        skips = [c0]
        ch = c0
        self.down = nn.ModuleList()
        for i, out in enumerate(channels):
            lvl = nn.Module()
            lvl.blocks = nn.ModuleList()
            lvl.attns = nn.ModuleList()
            for _ in range(res_blocks):
                lvl.blocks.append(ResBlock(ch, out, tdim, groups))
                if attention and i == levels - 1 and levels > 1:
                    lvl.attns.append(Attention(out, groups))
                ch = out
                skips.append(ch)
            lvl.resample = None
            if i + 1 < levels:
                lvl.resample = nn.Conv2d(ch, ch, 3, stride=2, padding=1)
                skips.append(ch)
            self.down.append(lvl)
        self.mid1 = ResBlock(ch, ch, tdim, groups)
        self.mid_attn = Attention(ch, groups) if attention else None
        self.mid2 = ResBlock(ch, ch, tdim, groups)
        self.up = nn.ModuleList()
        for k, out in enumerate(reversed(channels)):
            i = levels - 1 - k
            lvl = nn.Module()
            lvl.blocks = nn.ModuleList()
            lvl.attns = nn.ModuleList()
            for _ in range(res_blocks + 1):
                skip = skips.pop()
                lvl.blocks.append(ResBlock(ch + skip, out, tdim, groups))
                if attention and i == levels - 1 and levels > 1:
                    lvl.attns.append(Attention(out, groups))
                ch = out
            lvl.resample = nn.Conv2d(ch, ch, 3, padding=1) if i > 0 else None
            self.up.append(lvl)
        self.norm_out = nn.GroupNorm(groups, c0)
        self.conv_out = nn.Conv2d(c0, in_ch, 3, padding=1)

    def forward(self, x, t):
        temb = F.silu(self.time_out(F.silu(self.time_in(sinusoidal(t, self.c0)))))
        h = self.conv_in(x)
        skips = [h]
        for lvl in self.down:
            for j, block in enumerate(lvl.blocks):
                h = block(h, temb)
                if j < len(lvl.attns):
                    h = lvl.attns[j](h)
                skips.append(h)
            if lvl.resample is not None:
                h = lvl.resample(h)
                skips.append(h)
        h = self.mid1(h, temb)
        if self.mid_attn is not None:
            h = self.mid_attn(h)
        h = self.mid2(h, temb)
        for lvl in self.up:
            for j, block in enumerate(lvl.blocks):
                h = block(torch.cat([h, skips.pop()], dim=1), temb)
                if j < len(lvl.attns):
                    h = lvl.attns[j](h)
            if lvl.resample is not None:
                h = lvl.resample(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


class Mlp(nn.Module):
    def __init__(self, hidden=128, layers=3, embed=32, scale=25.0):
        super().__init__()
        self.embed, self.scale = embed, scale
        self.input = nn.Linear(3 * embed, hidden)
        self.blocks = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers))
        self.output = nn.Linear(hidden, 2)

    def forward(self, x, t):
        s = x * self.scale
        e = torch.cat([sinusoidal(s[:, 0], self.embed), sinusoidal(s[:, 1], self.embed),
                       sinusoidal(t, self.embed)], dim=1)
        h = F.gelu(self.input(e))
        for b in self.blocks:
            h = h + F.gelu(b(h))
        return self.output(h)


def median_ms(fn, iters, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    unet = UNet()
    n_params = sum(p.numel() for p in unet.parameters())
    print(f"torch {torch.__version__}, {args.threads} threads; UNet {n_params} parameters")
    with torch.no_grad():
        for b in (1, 16):
            x, t = torch.randn(b, 1, 32, 32), torch.full((b,), 500.0)
            print(f"unet_forward_b{b}: {median_ms(lambda: unet(x, t), args.iters):.2f} ms")

    opt = torch.optim.AdamW(unet.parameters(), lr=1e-4, weight_decay=0.0)
    x, t, eps = torch.randn(32, 1, 32, 32), torch.randint(1, 1001, (32,)).float(), torch.randn(32, 1, 32, 32)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(unet(x, t), eps)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()

    print(f"unet_train_step_b32: {median_ms(step, args.iters):.2f} ms")

    mlp = Mlp()
    with torch.no_grad():
        pts, t = torch.randn(2000, 2), torch.full((2000,), 500.0)
        print(f"mlp_forward_2000: {median_ms(lambda: mlp(pts, t), args.iters * 5):.3f} ms")

    mopt = torch.optim.AdamW(mlp.parameters(), lr=1e-4, weight_decay=0.0)
    px, pt, peps = torch.randn(512, 2), torch.randint(1, 1001, (512,)).float(), torch.randn(512, 2)

    def mlp_step():
        mopt.zero_grad()
        loss = F.mse_loss(mlp(px, pt), peps)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(mlp.parameters(), 1.0)
        mopt.step()

    print(f"mlp_train_step_b512: {median_ms(mlp_step, args.iters * 5):.3f} ms")


if __name__ == "__main__":
    main()
