//! `MlpDenoiser`: the denoiser for 2-D points.
//!
//! Sinusoidal embeddings of x, y and t, concatenated, then residual blocks of
//! Linear → GELU at a fixed width, then a linear head back to 2 numbers.

use super::ModelConfigError;
use burn::nn::{Gelu, Linear, LinearConfig};
use burn::prelude::*;

/// The MLP's shape.
#[derive(Config, Debug, PartialEq)]
pub struct MlpDenoiserConfig {
    /// Width of every hidden layer.
    #[config(default = 128)]
    pub hidden: usize,
    /// Number of hidden residual blocks (each Linear → GELU).
    #[config(default = 3)]
    pub hidden_layers: usize,
    /// Size of each sinusoidal embedding (x, y and t each get one).
    #[config(default = 32)]
    pub embed_dim: usize,
    /// x and y are multiplied by this before their embedding, so the frequencies resolve
    /// structure at the data's scale (~[−1, 1]).
    #[config(default = 25.0)]
    pub input_scale: f64,
}

impl MlpDenoiserConfig {
    /// Checks the numbers before any layer is built (burn's layers panic on bad shapes).
    pub fn validate(&self) -> Result<(), ModelConfigError> {
        if self.hidden == 0 || self.hidden > 8192 {
            return Err(ModelConfigError::new(format!(
                "MLP hidden width must be 1..=8192 (got {})",
                self.hidden
            )));
        }
        if self.hidden_layers == 0 || self.hidden_layers > 64 {
            return Err(ModelConfigError::new(format!(
                "MLP hidden_layers must be 1..=64 (got {})",
                self.hidden_layers
            )));
        }
        if self.embed_dim < 2 || !self.embed_dim.is_multiple_of(2) || self.embed_dim > 1024 {
            return Err(ModelConfigError::new(format!(
                "MLP embed_dim must be even and 2..=1024 (got {})",
                self.embed_dim
            )));
        }
        if !self.input_scale.is_finite() || self.input_scale <= 0.0 {
            return Err(ModelConfigError::new(format!(
                "MLP input_scale must be a positive number (got {})",
                self.input_scale
            )));
        }
        Ok(())
    }

    /// Builds the network (parameters are initialised lazily, on first use).
    pub fn init(&self, device: &Device) -> Result<MlpDenoiser, ModelConfigError> {
        self.validate()?;
        let input = LinearConfig::new(3 * self.embed_dim, self.hidden).init(device);
        let blocks = (0..self.hidden_layers)
            .map(|_| LinearConfig::new(self.hidden, self.hidden).init(device))
            .collect();
        let output = LinearConfig::new(self.hidden, 2).init(device);
        Ok(MlpDenoiser {
            input,
            blocks,
            output,
            activation: Gelu::new(),
            embed_dim: self.embed_dim,
            input_scale: self.input_scale,
        })
    }
}

/// Predicts ε (or x0, or v) for a batch of noisy 2-D points.
#[derive(Module, Debug)]
pub struct MlpDenoiser {
    input: Linear,
    blocks: Vec<Linear>,
    output: Linear,
    activation: Gelu,
    embed_dim: usize,
    input_scale: f64,
}

impl MlpDenoiser {
    /// # Shapes
    /// `x_t`: [B, 2]; `t`: [B] (paper timesteps 1..T as floats) → [B, 2].
    pub fn forward(&self, x_t: Tensor<2>, t: Tensor<1>) -> Tensor<2> {
        let [batch, _] = x_t.dims();
        // [x·s, y·s, t] → their three embeddings side by side, in one op.
        let values = Tensor::cat(
            vec![x_t.mul_scalar(self.input_scale), t.reshape([batch, 1])],
            1,
        );
        let emb = super::fused::sinusoidal_embedding(values, self.embed_dim);
        // GELU through the fused kernel (`self.activation` stays for the record layout).
        let mut h = super::fused::gelu(self.input.forward(emb));
        for block in &self.blocks {
            // Residual: keeps gradients healthy through the stack.
            h = h.clone() + super::fused::gelu(block.forward(h));
        }
        self.output.forward(h)
    }
}
