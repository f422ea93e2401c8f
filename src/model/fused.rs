//! The denoisers' hot layers as burn backend-extension ops with their own backward pass:
//! fused GroupNorm + SiLU and an im2col + GEMM convolution (kernels in
//! [`super::kernels`]).
//!
//! The ops run on burn's `flex` backend, plain or under autodiff (their gradients are
//! registered by hand below, following burn's backend-extension guide). On any other
//! backend (`ndarray`, `gpu`) the public functions fall back to burn's own composed ops, so
//! results agree everywhere (tests/model.rs checks both paths against each other).

use super::kernels::{self, ConvShape, NormShape};
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::{DispatchDevice, backend_extension, tensor::FloatTensor};
use burn::prelude::*;
use burn::tensor::activation::silu;

/// GroupNorm's ε (burn's and PyTorch's default).
pub const GROUP_NORM_EPS: f64 = 1e-5;

/// Ops the denoisers add to a backend.
#[backend_extension(Autodiff, Flex: cfg(feature = "flex"))]
pub trait DenoiserOps: burn::backend::Backend {
    /// SiLU(GroupNorm(x)) (or GroupNorm alone when `silu` is 0).
    ///
    /// # Shapes
    /// `x`: [B, C, H, W]; `gamma`, `beta`: [C] → [B, C, H, W].
    fn group_norm_silu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        groups: usize,
        silu: usize,
    ) -> FloatTensor<Self>;

    /// The gradients of [`DenoiserOps::group_norm_silu`] for x, γ and β.
    fn group_norm_silu_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        groups: usize,
        silu: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

    /// A square convolution with bias (dilation 1, one group).
    ///
    /// # Shapes
    /// `x`: [B, Ci, H, W]; `weight`: [Co, Ci, k, k]; `bias`: [Co] → [B, Co, OH, OW].
    fn conv2d_gemm(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self>;

    /// GELU(x) = x·Φ(x), elementwise.
    fn gelu_fused(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// ∂L/∂x of [`DenoiserOps::gelu_fused`] given ∂L/∂out.
    fn gelu_fused_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Sinusoidal embeddings of each value, side by side.
    ///
    /// # Shapes
    /// `values`: [B, K] → [B, K·dim].
    fn sinusoidal_embedding_fused(values: FloatTensor<Self>, dim: usize) -> FloatTensor<Self>;

    /// ∂L/∂values of [`DenoiserOps::sinusoidal_embedding_fused`] given ∂L/∂out.
    fn sinusoidal_embedding_fused_backward(
        values: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        dim: usize,
    ) -> FloatTensor<Self>;

    /// The gradients of [`DenoiserOps::conv2d_gemm`] for x, the weight and the bias.
    fn conv2d_gemm_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

// ---------------------------------------------------------------------------------------
// Flex: the kernels on the tensors' storage

#[cfg(feature = "flex")]
mod flex_impl {
    use super::*;
    use burn::backend::Flex;
    use burn::backend::flex::{FlexTensor, Layout};
    use burn::tensor::{DType, Shape};
    use burn_std::Bytes;

    fn contiguous(t: &FlexTensor) -> FlexTensor {
        // The kernels read plain contiguous f32 storage from offset 0.
        if t.is_contiguous() && t.layout().start_offset() == 0 {
            t.clone()
        } else {
            t.to_contiguous()
        }
    }

    fn f32s(t: &FlexTensor) -> &[f32] {
        let n = t.layout().num_elements();
        &t.storage::<f32>()[..n]
    }

    fn tensor(data: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
        FlexTensor::new(
            Bytes::from_elems(data),
            Layout::contiguous(Shape::from(shape)),
            DType::F32,
        )
    }

    fn norm_shape(x: &FlexTensor, groups: usize) -> NormShape {
        let d = x.layout().shape();
        NormShape {
            batch: d[0],
            channels: d[1],
            pixels: d[2] * d[3],
            groups,
        }
    }

    fn conv_shape(x: &FlexTensor, w: &FlexTensor, stride: usize, padding: usize) -> ConvShape {
        let (xd, wd) = (x.layout().shape(), w.layout().shape());
        ConvShape {
            batch: xd[0],
            in_channels: xd[1],
            out_channels: wd[0],
            height: xd[2],
            width: xd[3],
            kernel: wd[2],
            stride,
            padding,
        }
    }

    impl DenoiserOps for Flex {
        fn group_norm_silu(
            x: FlexTensor,
            gamma: FlexTensor,
            beta: FlexTensor,
            groups: usize,
            silu: usize,
        ) -> FlexTensor {
            let (x, gamma, beta) = (contiguous(&x), contiguous(&gamma), contiguous(&beta));
            let shape = norm_shape(&x, groups);
            let mut out = vec![0.0_f32; x.layout().num_elements()];
            kernels::group_norm_silu(
                f32s(&x),
                f32s(&gamma),
                f32s(&beta),
                shape,
                GROUP_NORM_EPS,
                silu != 0,
                &mut out,
            );
            tensor(out, x.layout().shape().to_vec())
        }

        fn group_norm_silu_backward(
            x: FlexTensor,
            gamma: FlexTensor,
            beta: FlexTensor,
            grad: FlexTensor,
            groups: usize,
            silu: usize,
        ) -> (FlexTensor, FlexTensor, FlexTensor) {
            let (x, gamma, beta, grad) = (
                contiguous(&x),
                contiguous(&gamma),
                contiguous(&beta),
                contiguous(&grad),
            );
            let shape = norm_shape(&x, groups);
            let mut dx = vec![0.0_f32; x.layout().num_elements()];
            let (dgamma, dbeta) = kernels::group_norm_silu_backward(
                f32s(&x),
                f32s(&gamma),
                f32s(&beta),
                f32s(&grad),
                shape,
                GROUP_NORM_EPS,
                silu != 0,
                &mut dx,
            );
            let c = shape.channels;
            (
                tensor(dx, x.layout().shape().to_vec()),
                tensor(dgamma, vec![c]),
                tensor(dbeta, vec![c]),
            )
        }

        fn gelu_fused(x: FlexTensor) -> FlexTensor {
            let x = contiguous(&x);
            let mut out = vec![0.0_f32; x.layout().num_elements()];
            kernels::gelu(f32s(&x), &mut out);
            tensor(out, x.layout().shape().to_vec())
        }

        fn gelu_fused_backward(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
            let (x, grad) = (contiguous(&x), contiguous(&grad));
            let mut dx = vec![0.0_f32; x.layout().num_elements()];
            kernels::gelu_backward(f32s(&x), f32s(&grad), &mut dx);
            tensor(dx, x.layout().shape().to_vec())
        }

        fn sinusoidal_embedding_fused(values: FlexTensor, dim: usize) -> FlexTensor {
            let values = contiguous(&values);
            let d = values.layout().shape();
            let (b, k) = (d[0], d[1]);
            let mut out = vec![0.0_f32; b * k * dim];
            kernels::sinusoidal_embedding(f32s(&values), k, dim, &mut out);
            tensor(out, vec![b, k * dim])
        }

        fn sinusoidal_embedding_fused_backward(
            values: FlexTensor,
            grad: FlexTensor,
            dim: usize,
        ) -> FlexTensor {
            let (values, grad) = (contiguous(&values), contiguous(&grad));
            let d = values.layout().shape().to_vec();
            let mut dv = vec![0.0_f32; d[0] * d[1]];
            kernels::sinusoidal_embedding_backward(f32s(&values), f32s(&grad), d[1], dim, &mut dv);
            tensor(dv, d)
        }

        fn conv2d_gemm(
            x: FlexTensor,
            weight: FlexTensor,
            bias: FlexTensor,
            stride: usize,
            padding: usize,
        ) -> FlexTensor {
            let (x, weight, bias) = (contiguous(&x), contiguous(&weight), contiguous(&bias));
            let s = conv_shape(&x, &weight, stride, padding);
            let out_shape = vec![s.batch, s.out_channels, s.out_height(), s.out_width()];
            let mut out = vec![0.0_f32; out_shape.iter().product()];
            kernels::conv2d(f32s(&x), f32s(&weight), f32s(&bias), &s, &mut out);
            tensor(out, out_shape)
        }

        fn conv2d_gemm_backward(
            x: FlexTensor,
            weight: FlexTensor,
            grad: FlexTensor,
            stride: usize,
            padding: usize,
        ) -> (FlexTensor, FlexTensor, FlexTensor) {
            let (x, weight, grad) = (contiguous(&x), contiguous(&weight), contiguous(&grad));
            let s = conv_shape(&x, &weight, stride, padding);
            let (dx, (dw, db)) = rayon::join(
                || {
                    let mut dx = vec![0.0_f32; x.layout().num_elements()];
                    kernels::conv2d_input_grad(f32s(&weight), f32s(&grad), &s, &mut dx);
                    dx
                },
                || kernels::conv2d_weight_grad(f32s(&x), f32s(&grad), &s),
            );
            (
                tensor(dx, x.layout().shape().to_vec()),
                tensor(dw, weight.layout().shape().to_vec()),
                tensor(db, vec![s.out_channels]),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------
// Autodiff: forward on the inner backend, gradients registered by hand

#[derive(Debug)]
struct GroupNormSiluBackward;

impl<B: DenoiserOps> Backward<B, 3> for GroupNormSiluBackward {
    type State = (NodeId, NodeId, NodeId, usize, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, gamma, beta, groups, silu) = ops.state;
        let x: FloatTensor<B> = checkpointer.retrieve_node_output(x);
        let gamma: FloatTensor<B> = checkpointer.retrieve_node_output(gamma);
        let beta: FloatTensor<B> = checkpointer.retrieve_node_output(beta);
        let (dx, dgamma, dbeta) = B::group_norm_silu_backward(x, gamma, beta, grad, groups, silu);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_gamma {
            grads.register::<B>(node.id, dgamma);
        }
        if let Some(node) = node_beta {
            grads.register::<B>(node.id, dbeta);
        }
    }
}

#[derive(Debug)]
struct GeluBackward;

impl<B: DenoiserOps> Backward<B, 1> for GeluBackward {
    type State = NodeId;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let x: FloatTensor<B> = checkpointer.retrieve_node_output(ops.state);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, B::gelu_fused_backward(x, grad));
        }
    }
}

#[derive(Debug)]
struct EmbeddingBackward;

impl<B: DenoiserOps> Backward<B, 1> for EmbeddingBackward {
    type State = (NodeId, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_values] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (values, dim) = ops.state;
        let values: FloatTensor<B> = checkpointer.retrieve_node_output(values);
        if let Some(node) = node_values {
            grads.register::<B>(
                node.id,
                B::sinusoidal_embedding_fused_backward(values, grad, dim),
            );
        }
    }
}

#[derive(Debug)]
struct ConvGemmBackward;

impl<B: DenoiserOps> Backward<B, 3> for ConvGemmBackward {
    type State = (NodeId, NodeId, usize, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, stride, padding) = ops.state;
        let x: FloatTensor<B> = checkpointer.retrieve_node_output(x);
        let weight: FloatTensor<B> = checkpointer.retrieve_node_output(weight);
        let (dx, dw, db) = B::conv2d_gemm_backward(x, weight, grad, stride, padding);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            grads.register::<B>(node.id, dw);
        }
        if let Some(node) = node_bias {
            grads.register::<B>(node.id, db);
        }
    }
}

impl<B: DenoiserOps, C: CheckpointStrategy> DenoiserOps for Autodiff<B, C> {
    fn gelu_fused(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match GeluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&x);
                let out = B::gelu_fused(x.into_primitive());
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gelu_fused(x.into_primitive())),
        }
    }

    fn gelu_fused_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        let dx = B::gelu_fused_backward(x.into_primitive(), grad.into_primitive());
        <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dx)
    }

    fn sinusoidal_embedding_fused(values: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        match EmbeddingBackward
            .prepare::<C>([values.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&values), dim);
                let out = B::sinusoidal_embedding_fused(values.into_primitive(), dim);
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::sinusoidal_embedding_fused(values.into_primitive(), dim))
            }
        }
    }

    fn sinusoidal_embedding_fused_backward(
        values: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        dim: usize,
    ) -> FloatTensor<Self> {
        let dv = B::sinusoidal_embedding_fused_backward(
            values.into_primitive(),
            grad.into_primitive(),
            dim,
        );
        <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dv)
    }

    fn group_norm_silu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        groups: usize,
        silu: usize,
    ) -> FloatTensor<Self> {
        match GroupNormSiluBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = (
                    prep.checkpoint(&x),
                    prep.checkpoint(&gamma),
                    prep.checkpoint(&beta),
                    groups,
                    silu,
                );
                let out = B::group_norm_silu(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    groups,
                    silu,
                );
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::group_norm_silu(
                x.into_primitive(),
                gamma.into_primitive(),
                beta.into_primitive(),
                groups,
                silu,
            )),
        }
    }

    fn group_norm_silu_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        groups: usize,
        silu: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        // Only reached if someone differentiates the gradient itself: computed as constants.
        let (dx, dg, db) = B::group_norm_silu_backward(
            x.into_primitive(),
            gamma.into_primitive(),
            beta.into_primitive(),
            grad.into_primitive(),
            groups,
            silu,
        );
        (
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dx),
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dg),
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(db),
        )
    }

    fn conv2d_gemm(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        match ConvGemmBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = (
                    prep.checkpoint(&x),
                    prep.checkpoint(&weight),
                    stride,
                    padding,
                );
                let out = B::conv2d_gemm(
                    x.into_primitive(),
                    weight.into_primitive(),
                    bias.into_primitive(),
                    stride,
                    padding,
                );
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::conv2d_gemm(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                stride,
                padding,
            )),
        }
    }

    fn conv2d_gemm_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (dx, dw, db) = B::conv2d_gemm_backward(
            x.into_primitive(),
            weight.into_primitive(),
            grad.into_primitive(),
            stride,
            padding,
        );
        (
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dx),
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(dw),
            <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(db),
        )
    }
}

// ---------------------------------------------------------------------------------------
// Tensor-level entry points

/// Whether the fused ops can run on this device: `flex`, plain or under autodiff.
pub fn fused_available(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    {
        matches!(
            device.as_dispatch().clone().inner(),
            DispatchDevice::Flex(_)
        )
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

/// SiLU(GroupNorm(x)·γ + β) (or without the SiLU), fused where the backend allows.
///
/// # Shapes
/// `x`: [B, C, H, W]; `gamma`, `beta`: [C] → [B, C, H, W].
pub fn group_norm_silu(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    groups: usize,
    with_silu: bool,
) -> Tensor<4> {
    if fused_available(&x.device()) {
        let out = burn::backend::Dispatch::group_norm_silu(
            x.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
            groups,
            usize::from(with_silu),
        );
        return Tensor::from_dispatch(out);
    }
    let y = group_norm_composed(x, gamma, beta, groups);
    if with_silu { silu(y) } else { y }
}

/// GroupNorm from burn's tensor ops (the reference the fused kernel is tested against).
pub fn group_norm_composed(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    groups: usize,
) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let grouped = x.reshape([b, groups, (c / groups) * h * w]);
    let mean = grouped.clone().mean_dim(2);
    let centred = grouped - mean;
    let var = centred.clone().square().mean_dim(2);
    let normed = centred / (var + GROUP_NORM_EPS).sqrt();
    normed.reshape([b, c, h, w]) * gamma.reshape([1, c, 1, 1]) + beta.reshape([1, c, 1, 1])
}

/// GELU(x) = x·Φ(x) (exact form), fused where the backend allows.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if fused_available(&x.device()) {
        return Tensor::from_dispatch(burn::backend::Dispatch::gelu_fused(x.into_dispatch()));
    }
    burn::tensor::activation::gelu(x)
}

/// Sinusoidal embeddings of each of a row's values, side by side, fused where the backend
/// allows (one pass with a vectorised sine and cosine instead of ~6 tensor ops per value).
///
/// # Shapes
/// `values`: [B, K] → [B, K·dim]; value k fills columns k·dim .. (k+1)·dim.
///
/// # Formula
/// As [`super::embedding::sinusoidal_embedding`], per value.
pub fn sinusoidal_embedding(values: Tensor<2>, dim: usize) -> Tensor<2> {
    if fused_available(&values.device()) {
        return Tensor::from_dispatch(burn::backend::Dispatch::sinusoidal_embedding_fused(
            values.into_dispatch(),
            dim,
        ));
    }
    sinusoidal_embedding_composed(values, dim)
}

/// [`sinusoidal_embedding`] from burn's tensor ops (the reference the kernel is tested
/// against).
pub fn sinusoidal_embedding_composed(values: Tensor<2>, dim: usize) -> Tensor<2> {
    let [batch, k] = values.dims();
    let columns = (0..k)
        .map(|i| {
            let column = values.clone().slice([0..batch, i..i + 1]).reshape([batch]);
            super::embedding::sinusoidal_embedding(column, dim)
        })
        .collect();
    Tensor::cat(columns, 1)
}

/// A square convolution with bias, as im2col + GEMM where the backend allows.
///
/// # Shapes
/// `x`: [B, Ci, H, W]; `weight`: [Co, Ci, k, k]; `bias`: [Co] → [B, Co, OH, OW].
pub fn conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    stride: usize,
    padding: usize,
) -> Tensor<4> {
    if fused_available(&x.device()) {
        let out = burn::backend::Dispatch::conv2d_gemm(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            stride,
            padding,
        );
        return Tensor::from_dispatch(out);
    }
    burn::tensor::module::conv2d(
        x,
        weight,
        Some(bias),
        burn::tensor::ops::ConvOptions::new([stride, stride], [padding, padding], [1, 1], 1),
    )
}
