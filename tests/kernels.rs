//! The fused denoiser ops (src/model/fused.rs) against burn's own composed ops: outputs and
//! every gradient agree within `tolerance::KERNEL` on the UNet's shapes and on odd ones.

use burn::nn::conv::Conv2dConfig;
use burn::nn::{GroupNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::silu;
use burn::tensor::module::conv2d as burn_conv2d;
use burn::tensor::ops::ConvOptions;
use ddpm_lab::model::BackendKind;
use ddpm_lab::model::fused::{self, fused_available};
use ddpm_lab::model::kernels::{exp_fast, sigmoid, sin_cos_fast};
use ddpm_lab::tolerance::{KERNEL, SINGLE, assert_close};
use proptest::prelude::*;

fn flex() -> Device {
    BackendKind::Flex
        .device()
        .expect("flex is the default backend")
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().expect("readback")
}

#[track_caller]
fn assert_all_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    let scale = expected
        .iter()
        .fold(0.0_f32, |m, v| m.max(v.abs()))
        .max(1.0) as f64;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            KERNEL.close(a as f64 / scale, e as f64 / scale),
            "{what}[{i}]: {a} vs {e} (scale {scale})"
        );
    }
}

#[test]
fn the_fused_path_is_taken_on_flex_plain_and_under_autodiff() {
    let d = flex();
    assert!(fused_available(&d));
    assert!(fused_available(&d.clone().autodiff()));
}

#[test]
fn fast_sin_cos_match_f64_over_the_fast_range() {
    // Every quadrant, both signs, up to the 8192 where the kernel hands over to libm; the
    // reference is the f64 sine of the same f32 argument.
    let mut worst = 0.0_f64;
    for i in -200_000..=200_000 {
        let x = i as f32 * 0.040_96;
        let (s, c) = sin_cos_fast(x);
        let (es, ec) = (x as f64).sin_cos();
        worst = worst.max((s as f64 - es).abs()).max((c as f64 - ec).abs());
        assert_close(s as f64, es, SINGLE);
        assert_close(c as f64, ec, SINGLE);
    }
    assert!(worst < 1e-6, "worst error {worst}");
}

#[test]
fn fused_embedding_matches_burn_forward_and_backward() {
    let ad = flex().autodiff();
    // Data-scale values, paper timesteps, and rows past the fast range (libm there).
    let rows: Vec<f32> = vec![
        0.0, 1.0, -1.0, 25.0, -17.5, 1000.0, 3.25, -0.001, 9000.0, 1.0e5, -2.5e6, 999.0,
    ];
    let x = Tensor::<2>::from_data(TensorData::new(rows.clone(), [4, 3]), &ad);
    let r = Tensor::<2>::random([4, 3 * 32], Distribution::Normal(0.0, 1.0), &ad);
    let run = |fused_path: bool| {
        let x = x.clone().detach().require_grad();
        let out = if fused_path {
            fused::sinusoidal_embedding(x.clone(), 32)
        } else {
            fused::sinusoidal_embedding_composed(x.clone(), 32)
        };
        let grads = (out.clone() * r.clone()).sum().backward();
        (values(out.detach()), values(x.grad(&grads).expect("dx")))
    };
    let (o1, d1) = run(true);
    let (o0, d0) = run(false);
    assert_all_close(&o1, &o0, "embedding out");
    assert_all_close(&d1, &d0, "embedding dx");
    // Finite for any finite value.
    let huge = Tensor::<2>::from_data(TensorData::new(vec![3.0e38_f32, -1e30], [2, 1]), &flex());
    assert!(
        values(fused::sinusoidal_embedding(huge, 8))
            .iter()
            .all(|v| v.is_finite())
    );
}

#[test]
fn fast_exp_and_sigmoid_match_libm() {
    // Over the range where e^x is a normal f32 (below that the kernel saturates).
    for i in -1740..=1760 {
        let x = i as f32 * 0.05;
        assert_close(exp_fast(x) as f64, (x as f64).exp(), SINGLE);
        let s = 1.0 / (1.0 + (-(x as f64)).exp());
        assert_close(sigmoid(x) as f64, s, SINGLE);
    }
    // Saturates instead of overflowing to inf or NaN.
    assert!(exp_fast(1e6).is_finite() && exp_fast(1e6) > 1e38);
    assert!(exp_fast(-1e6) >= 0.0 && exp_fast(-1e6) < 1e-37);
    assert!(exp_fast(f32::NAN).is_nan() || exp_fast(f32::NAN).is_finite());
    assert!((0.0..1e-37).contains(&sigmoid(-1e6)));
    assert_eq!(sigmoid(1e6), 1.0);
}

/// (B, Ci, Co, H, W, k, stride, padding)
fn check_conv(
    b: usize,
    ci: usize,
    co: usize,
    h: usize,
    w: usize,
    k: usize,
    stride: usize,
    pad: usize,
) {
    let ad = flex().autodiff();
    let x = Tensor::<4>::random([b, ci, h, w], Distribution::Normal(0.0, 1.0), &ad);
    let weight = Tensor::<4>::random([co, ci, k, k], Distribution::Normal(0.0, 0.3), &ad);
    let bias = Tensor::<1>::random([co], Distribution::Normal(0.0, 0.3), &ad);
    // A fixed random upstream gradient: L = Σ out · r.
    let probe_shape = burn_conv2d(
        x.clone().detach(),
        weight.clone().detach(),
        Some(bias.clone().detach()),
        ConvOptions::new([stride, stride], [pad, pad], [1, 1], 1),
    )
    .dims();
    let r = Tensor::<4>::random(probe_shape, Distribution::Normal(0.0, 1.0), &ad);

    let run = |fused_path: bool| {
        let (x, weight, bias) = (
            x.clone().detach().require_grad(),
            weight.clone().detach().require_grad(),
            bias.clone().detach().require_grad(),
        );
        let out = if fused_path {
            fused::conv2d(x.clone(), weight.clone(), bias.clone(), stride, pad)
        } else {
            burn_conv2d(
                x.clone(),
                weight.clone(),
                Some(bias.clone()),
                ConvOptions::new([stride, stride], [pad, pad], [1, 1], 1),
            )
        };
        let grads = (out.clone() * r.clone()).sum().backward();
        (
            values(out.detach()),
            values(x.grad(&grads).expect("dx")),
            values(weight.grad(&grads).expect("dw")),
            values(bias.grad(&grads).expect("db")),
        )
    };
    let (o1, dx1, dw1, db1) = run(true);
    let (o0, dx0, dw0, db0) = run(false);
    let tag = format!("conv b{b} {ci}->{co} {h}x{w} k{k} s{stride} p{pad}");
    assert_all_close(&o1, &o0, &format!("{tag} out"));
    assert_all_close(&dx1, &dx0, &format!("{tag} dx"));
    assert_all_close(&dw1, &dw0, &format!("{tag} dw"));
    assert_all_close(&db1, &db0, &format!("{tag} db"));
}

#[test]
fn conv_matches_burn_on_the_unet_shapes() {
    check_conv(4, 32, 32, 16, 16, 3, 1, 1); // body conv, batch parallel
    check_conv(1, 3, 32, 12, 12, 3, 1, 1); // conv_in, one item (parallel GEMM)
    check_conv(3, 16, 16, 10, 10, 3, 2, 1); // downsampling
    check_conv(2, 24, 8, 6, 6, 1, 1, 0); // 1 × 1 shortcut
    check_conv(2, 8, 3, 9, 7, 3, 1, 1); // conv_out, odd non-square picture
}

fn check_norm(b: usize, c: usize, h: usize, w: usize, groups: usize, with_silu: bool, scale: f64) {
    let ad = flex().autodiff();
    let x = Tensor::<4>::random([b, c, h, w], Distribution::Normal(0.5, scale), &ad);
    let r = Tensor::<4>::random([b, c, h, w], Distribution::Normal(0.0, 1.0), &ad);
    let layer = GroupNormConfig::new(groups, c).init(&ad);
    // Non-trivial affine parameters.
    let gamma = Tensor::<1>::random([c], Distribution::Normal(1.0, 0.3), &ad);
    let beta = Tensor::<1>::random([c], Distribution::Normal(0.0, 0.3), &ad);
    let run = |fused_path: bool| {
        let (x, g, bt) = (
            x.clone().detach().require_grad(),
            gamma.clone().detach().require_grad(),
            beta.clone().detach().require_grad(),
        );
        let out = if fused_path {
            fused::group_norm_silu(x.clone(), g.clone(), bt.clone(), groups, with_silu)
        } else {
            let mut layer = layer.clone();
            layer.gamma = Some(burn::module::Param::from_tensor(g.clone()));
            layer.beta = Some(burn::module::Param::from_tensor(bt.clone()));
            let y = layer.forward(x.clone());
            if with_silu { silu(y) } else { y }
        };
        let grads = (out.clone() * r.clone()).sum().backward();
        (
            values(out.detach()),
            values(x.grad(&grads).expect("dx")),
            values(g.grad(&grads).expect("dgamma")),
            values(bt.grad(&grads).expect("dbeta")),
        )
    };
    let (o1, dx1, dg1, db1) = run(true);
    let (o0, dx0, dg0, db0) = run(false);
    let tag = format!("norm b{b} c{c} {h}x{w} g{groups} silu={with_silu} scale={scale}");
    assert_all_close(&o1, &o0, &format!("{tag} out"));
    assert_all_close(&dx1, &dx0, &format!("{tag} dx"));
    assert_all_close(&dg1, &dg0, &format!("{tag} dgamma"));
    assert_all_close(&db1, &db0, &format!("{tag} dbeta"));
}

#[test]
fn group_norm_silu_matches_burn() {
    check_norm(4, 32, 8, 8, 8, true, 1.0);
    check_norm(1, 64, 4, 4, 8, true, 3.0);
    check_norm(3, 16, 5, 7, 4, false, 1.0);
    check_norm(2, 8, 6, 6, 1, true, 1e-2);
}

#[test]
fn the_composed_fallback_matches_burns_group_norm() {
    let d = flex();
    let x = Tensor::<4>::random([2, 16, 5, 5], Distribution::Normal(0.0, 2.0), &d);
    let layer = GroupNormConfig::new(4, 16).init(&d);
    let gamma = layer.gamma.as_ref().expect("affine").val();
    let beta = layer.beta.as_ref().expect("affine").val();
    let ours = values(fused::group_norm_composed(x.clone(), gamma, beta, 4));
    assert_all_close(&ours, &values(layer.forward(x)), "composed group norm");
}

#[test]
fn a_unet_layer_stack_is_unchanged_by_the_fused_ops() {
    // The same burn Conv2d layer run by burn and by the fused path (the UNet's wrapper).
    let d = flex();
    let layer = Conv2dConfig::new([8, 16], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .init(&d);
    let x = Tensor::<4>::random([2, 8, 12, 12], Distribution::Normal(0.0, 1.0), &d);
    let bias = layer.bias.as_ref().expect("bias").val();
    let ours = values(fused::conv2d(x.clone(), layer.weight.val(), bias, 1, 1));
    assert_all_close(&ours, &values(layer.forward(x)), "Conv2d layer");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn conv_matches_burn_on_random_geometry(
        b in 1usize..4, ci in 1usize..6, co in 1usize..6, h in 3usize..10, w in 3usize..10,
        k in prop::sample::select(vec![1usize, 3]), stride in 1usize..3,
    ) {
        let pad = k / 2;
        check_conv(b, ci, co, h, w, k, stride, pad);
    }

    /// Any padding, even and wide kernels, strides past the kernel, pictures narrower
    /// than the kernel: im2col's copied spans and zero margins at every edge case.
    #[test]
    fn conv_matches_burn_on_odd_padding_and_strides(
        b in 1usize..3, ci in 1usize..4, co in 1usize..4, h in 1usize..9, w in 1usize..9,
        k in 1usize..6, stride in 1usize..5, pad in 0usize..4,
    ) {
        prop_assume!(h + 2 * pad >= k && w + 2 * pad >= k && pad < k);
        check_conv(b, ci, co, h, w, k, stride, pad);
    }
}

#[test]
fn gelu_matches_burn_forward_and_backward() {
    let ad = flex().autodiff();
    let x = Tensor::<2>::random([300, 37], Distribution::Normal(0.0, 3.0), &ad);
    let r = Tensor::<2>::random([300, 37], Distribution::Normal(0.0, 1.0), &ad);
    let run = |fused_path: bool| {
        let x = x.clone().detach().require_grad();
        let out = if fused_path {
            fused::gelu(x.clone())
        } else {
            burn::tensor::activation::gelu(x.clone())
        };
        let grads = (out.clone() * r.clone()).sum().backward();
        (values(out.detach()), values(x.grad(&grads).expect("dx")))
    };
    let (o1, d1) = run(true);
    let (o0, d0) = run(false);
    assert_all_close(&o1, &o0, "gelu");
    assert_all_close(&d1, &d0, "gelu dx");
}
