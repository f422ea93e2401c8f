//! Where a UNet training step goes, op by op: each layer kind of the default UNet at the
//! shapes a batch-32 training step at 32 × 32 gives it, forward alone (plain device) and
//! forward + backward (autodiff device), through burn's own layers (`burn_*`) and through
//! the fused ops the UNet uses (`fused_*`, src/model/fused.rs).
//!
//! `cargo bench --bench ops` (add `-- conv3x3` to pick some). `scripts/torch_ops.py` times
//! the same ops in PyTorch.

use burn::nn::conv::Conv2dConfig;
use burn::nn::{GroupNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::silu;
use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::model::BackendKind;
use ddpm_lab::model::{fused, kernels};
use std::time::Duration;

fn benches(c: &mut Criterion) {
    // As the binary does (src/main.rs): freed tensor buffers are reused.
    ddpm_lab::heap::keep_freed_buffers();
    let Ok(plain) = BackendKind::Flex.device() else {
        return;
    };
    let ad = plain.clone().autodiff();
    let mut g = c.benchmark_group("ops");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    // (channels, side) of the UNet's levels at 32 × 32, batch 32.
    for (ch, side) in [(32usize, 32usize), (64, 16), (64, 8)] {
        let shape = [32, ch, side, side];
        for (label, device) in [("fwd", &plain), ("fwd_bwd", &ad)] {
            let conv = Conv2dConfig::new([ch, ch], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device);
            let norm = GroupNormConfig::new(8, ch).init(device);
            let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), device);
            let backward = label == "fwd_bwd";
            let gamma = norm.gamma.as_ref().map(|p| p.val());
            let beta = norm.beta.as_ref().map(|p| p.val());
            let weight = conv.weight.val();
            let bias = conv.bias.as_ref().map(|p| p.val());
            let run = |f: &dyn Fn(Tensor<4>) -> Tensor<4>| {
                let input = if backward {
                    x.clone().require_grad()
                } else {
                    x.clone()
                };
                let y = f(input).sum();
                if backward {
                    let _ = y.backward();
                } else {
                    let _ = y.into_scalar::<f32>();
                }
            };
            g.bench_function(format!("burn_conv3x3_{ch}c_{side}px_{label}"), |b| {
                b.iter(|| run(&|t| conv.forward(t)))
            });
            if let Some(bias) = &bias {
                g.bench_function(format!("fused_conv3x3_{ch}c_{side}px_{label}"), |b| {
                    b.iter(|| run(&|t| fused::conv2d(t, weight.clone(), bias.clone(), 1, 1)))
                });
            }
            g.bench_function(format!("burn_groupnorm_silu_{ch}c_{side}px_{label}"), |b| {
                b.iter(|| run(&|t| silu(norm.forward(t))))
            });
            if let (Some(gamma), Some(beta)) = (&gamma, &beta) {
                g.bench_function(
                    format!("fused_groupnorm_silu_{ch}c_{side}px_{label}"),
                    |b| {
                        b.iter(|| {
                            run(&|t| {
                                fused::group_norm_silu(t, gamma.clone(), beta.clone(), 8, true)
                            })
                        })
                    },
                );
            }
        }
    }
    g.finish();
}

/// The convolution's three GEMM phases alone, on plain slices (no burn, no autodiff): what
/// a backward pass costs beside its forward.
fn kernel_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernels");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (ch, side) in [(32usize, 32usize), (64, 16), (64, 8)] {
        let s = kernels::ConvShape {
            batch: 32,
            in_channels: ch,
            out_channels: ch,
            height: side,
            width: side,
            kernel: 3,
            stride: 1,
            padding: 1,
        };
        let n = 32 * ch * side * side;
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let w: Vec<f32> = (0..ch * ch * 9)
            .map(|i| ((i * 31) % 100) as f32 / 1000.0)
            .collect();
        let bias = vec![0.1_f32; ch];
        let mut out = vec![0.0_f32; n];
        g.bench_function(format!("conv2d_{ch}c_{side}px"), |b| {
            b.iter(|| kernels::conv2d(&x, &w, &bias, &s, &mut out))
        });
        g.bench_function(format!("conv2d_input_grad_{ch}c_{side}px"), |b| {
            b.iter(|| kernels::conv2d_input_grad(&w, &x, &s, &mut out))
        });
        g.bench_function(format!("conv2d_weight_grad_{ch}c_{side}px"), |b| {
            b.iter(|| kernels::conv2d_weight_grad(&x, &x, &s))
        });
    }
    g.finish();
}

criterion_group!(op_benches, benches, kernel_benches);
criterion_main!(op_benches);
