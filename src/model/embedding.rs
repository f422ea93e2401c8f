//! Sinusoidal embeddings (Vaswani et al. 2017; Ho et al. 2020 for the timestep).

use super::kernels::embedding_frequencies as frequencies;
use burn::prelude::*;

/// Embeds each value as [sin(v·ω_0..), cos(v·ω_0..)].
///
/// # Shapes
/// `values`: [B] → [B, dim] (`dim` even).
///
/// # Formula
/// e(v) = [sin(v·ω_i)]_{i<dim/2} ‖ [cos(v·ω_i)]_{i<dim/2}, ω_i = 10000^(−i/(dim/2 − 1)).
pub fn sinusoidal_embedding(values: Tensor<1>, dim: usize) -> Tensor<2> {
    let half = dim / 2;
    let [batch] = values.dims();
    let device = values.device();
    let freqs = Tensor::<1>::from_data(TensorData::new(frequencies(half), [half]), &device);
    let args = values.reshape([batch, 1]) * freqs.reshape([1, half]);
    Tensor::cat(vec![args.clone().sin(), args.cos()], 1)
}
