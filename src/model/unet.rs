//! A DDPM-style UNet for small images (Ho et al. 2020, scaled down for a CPU).
//!
//! Time: sinusoidal embedding → Linear → SiLU → Linear. Body: a 3 × 3 input conv, then per
//! resolution (32 → 16 → 8) residual blocks (GroupNorm, SiLU, conv, time injection), with
//! optional self-attention at the lowest resolution; a middle block; an up path that
//! concatenates the matching down-path activations (skip connections); GroupNorm, SiLU
//! and a 3 × 3 output conv.

use super::ModelConfigError;
use super::fused;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{GroupNorm, GroupNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{silu, softmax};
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

/// The UNet's shape.
#[derive(Config, Debug, PartialEq)]
pub struct UNetConfig {
    /// Image channels (1 grayscale, 3 RGB).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Image side; must be divisible by 2^(levels − 1).
    #[config(default = 32)]
    pub image_size: usize,
    /// Channels per resolution, highest resolution first (32 → 16 → 8 for three).
    #[config(default = "vec![32, 64, 64]")]
    pub channels: Vec<usize>,
    /// Residual blocks per resolution on the way down (the way up has one more, as DDPM).
    #[config(default = 1)]
    pub res_blocks: usize,
    /// Self-attention at the lowest resolution and in the middle block.
    #[config(default = true)]
    pub attention: bool,
    /// GroupNorm groups (must divide every channel count).
    #[config(default = 8)]
    pub groups: usize,
}

/// The channel plan both `init` and `forward` walk: (input channels, output channels)
/// of every residual block, down path then up path.
struct Plan {
    down: Vec<Vec<(usize, usize)>>,
    mid: usize,
    up: Vec<Vec<(usize, usize)>>,
}

impl UNetConfig {
    fn plan(&self) -> Plan {
        let c0 = self.channels.first().copied().unwrap_or(1);
        let levels = self.channels.len();
        let mut skips = vec![c0];
        let mut ch = c0;
        let mut down = Vec::with_capacity(levels);
        for (i, &out) in self.channels.iter().enumerate() {
            let mut blocks = Vec::new();
            for _ in 0..self.res_blocks {
                blocks.push((ch, out));
                ch = out;
                skips.push(ch);
            }
            if i + 1 < levels {
                skips.push(ch);
            }
            down.push(blocks);
        }
        let mid = ch;
        let mut up = Vec::with_capacity(levels);
        for &out in self.channels.iter().rev() {
            let mut blocks = Vec::new();
            for _ in 0..self.res_blocks + 1 {
                let skip = skips.pop().unwrap_or(0);
                blocks.push((ch + skip, out));
                ch = out;
            }
            up.push(blocks);
        }
        Plan { down, mid, up }
    }

    /// The time embedding width (4 × the first channel count, as DDPM).
    pub fn time_dim(&self) -> usize {
        4 * self.channels.first().copied().unwrap_or(1)
    }

    /// Checks the numbers before any layer is built (burn's layers panic on bad shapes).
    pub fn validate(&self) -> Result<(), ModelConfigError> {
        let err = |m: String| Err(ModelConfigError::new(m));
        if !(1..=4).contains(&self.in_channels) {
            return err(format!(
                "UNet in_channels must be 1..=4 (got {})",
                self.in_channels
            ));
        }
        if self.channels.is_empty() || self.channels.len() > 5 {
            return err(format!(
                "UNet needs 1..=5 resolutions (got {})",
                self.channels.len()
            ));
        }
        if self.channels.iter().any(|&c| c == 0 || c > 1024) {
            return err(format!(
                "UNet channel counts must be 1..=1024 (got {:?})",
                self.channels
            ));
        }
        if self.res_blocks == 0 || self.res_blocks > 8 {
            return err(format!(
                "UNet res_blocks must be 1..=8 (got {})",
                self.res_blocks
            ));
        }
        let factor = 1usize << (self.channels.len() - 1);
        if self.image_size == 0 || !self.image_size.is_multiple_of(factor) || self.image_size > 512
        {
            return err(format!(
                "UNet image_size {} must be divisible by {factor} and at most 512",
                self.image_size
            ));
        }
        if self.groups == 0 {
            return err("UNet groups must be at least 1".into());
        }
        let plan = self.plan();
        let all_norm_channels = plan
            .down
            .iter()
            .chain(plan.up.iter())
            .flatten()
            .flat_map(|&(i, o)| [i, o])
            .chain(std::iter::once(plan.mid));
        for c in all_norm_channels {
            if !c.is_multiple_of(self.groups) {
                return err(format!(
                    "UNet groups = {} must divide every channel count (including concatenated skips), but not {c}",
                    self.groups
                ));
            }
        }
        Ok(())
    }

    /// Builds the network (parameters are initialised lazily, on first use).
    pub fn init(&self, device: &Device) -> Result<UNet, ModelConfigError> {
        self.validate()?;
        let plan = self.plan();
        let c0 = self.channels[0];
        let tdim = self.time_dim();
        let levels = self.channels.len();
        let attn_level = |i: usize| self.attention && i + 1 == levels && levels > 1;
        let down = plan
            .down
            .iter()
            .enumerate()
            .map(|(i, blocks)| {
                let res: Vec<ResBlock> = blocks
                    .iter()
                    .map(|&(ci, co)| ResBlock::new(ci, co, tdim, self.groups, device))
                    .collect();
                let attns = if attn_level(i) {
                    blocks
                        .iter()
                        .map(|&(_, co)| AttentionBlock::new(co, self.groups, device))
                        .collect()
                } else {
                    Vec::new()
                };
                let out = blocks.last().map(|b| b.1).unwrap_or(c0);
                let downsample = (i + 1 < levels).then(|| {
                    Conv2dConfig::new([out, out], [3, 3])
                        .with_stride([2, 2])
                        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                        .init(device)
                });
                Level {
                    blocks: res,
                    attns,
                    resample: downsample,
                }
            })
            .collect();
        let up = plan
            .up
            .iter()
            .enumerate()
            .map(|(k, blocks)| {
                let i = levels - 1 - k;
                let res: Vec<ResBlock> = blocks
                    .iter()
                    .map(|&(ci, co)| ResBlock::new(ci, co, tdim, self.groups, device))
                    .collect();
                let attns = if attn_level(i) {
                    blocks
                        .iter()
                        .map(|&(_, co)| AttentionBlock::new(co, self.groups, device))
                        .collect()
                } else {
                    Vec::new()
                };
                let out = blocks.last().map(|b| b.1).unwrap_or(c0);
                let upsample = (i > 0).then(|| conv3x3(out, out, device));
                Level {
                    blocks: res,
                    attns,
                    resample: upsample,
                }
            })
            .collect();
        let mid = plan.mid;
        Ok(UNet {
            time_in: LinearConfig::new(c0, tdim).init(device),
            time_out: LinearConfig::new(tdim, tdim).init(device),
            conv_in: conv3x3(self.in_channels, c0, device),
            down,
            mid_block1: ResBlock::new(mid, mid, tdim, self.groups, device),
            mid_attn: self
                .attention
                .then(|| AttentionBlock::new(mid, self.groups, device)),
            mid_block2: ResBlock::new(mid, mid, tdim, self.groups, device),
            up,
            norm_out: GroupNormConfig::new(self.groups, c0).init(device),
            conv_out: Conv2dConfig::new([c0, self.in_channels], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .with_initializer(Initializer::Zeros)
                .init(device),
            time_embed_dim: c0,
            in_channels: self.in_channels,
            image_size: self.image_size,
        })
    }
}

fn conv3x3(ci: usize, co: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([ci, co], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .init(device)
}

/// Runs a burn `Conv2d` layer through [`fused::conv2d`] (its own backward pass), with the
/// layer's own parameters, so checkpoints keep burn's layout.
///
/// Every conv of this network is square with symmetric padding, one group, dilation 1 and
/// a bias; anything else takes burn's own forward.
fn conv(layer: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let [k, k2] = layer.kernel_size;
    let padding = match &layer.padding {
        PaddingConfig2d::Same => Some(k / 2),
        PaddingConfig2d::Valid => Some(0),
        PaddingConfig2d::Explicit(a, b, c, d) if a == b && b == c && c == d => Some(*a),
        _ => None,
    };
    match (&layer.bias, padding) {
        (Some(bias), Some(padding))
            if k == k2
                && k % 2 == 1
                && layer.groups == 1
                && layer.dilation == [1, 1]
                && layer.stride[0] == layer.stride[1] =>
        {
            fused::conv2d(x, layer.weight.val(), bias.val(), layer.stride[0], padding)
        }
        _ => layer.forward(x),
    }
}

/// SiLU(GroupNorm(x)) through the fused kernel, with the layer's own γ and β.
fn norm_silu(layer: &GroupNorm, x: Tensor<4>) -> Tensor<4> {
    match (&layer.gamma, &layer.beta) {
        (Some(gamma), Some(beta)) => {
            fused::group_norm_silu(x, gamma.val(), beta.val(), layer.num_groups, true)
        }
        _ => silu(layer.forward(x)),
    }
}

/// GroupNorm alone through the fused kernel (the attention block's input).
fn norm(layer: &GroupNorm, x: Tensor<4>) -> Tensor<4> {
    match (&layer.gamma, &layer.beta) {
        (Some(gamma), Some(beta)) => {
            fused::group_norm_silu(x, gamma.val(), beta.val(), layer.num_groups, false)
        }
        _ => layer.forward(x),
    }
}

/// Residual block: GroupNorm → SiLU → conv → + time → GroupNorm → SiLU → conv, plus a
/// 1 × 1 conv on the shortcut when the channel count changes.
#[derive(Module, Debug)]
pub struct ResBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    time: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    shortcut: Option<Conv2d>,
}

impl ResBlock {
    fn new(ci: usize, co: usize, tdim: usize, groups: usize, device: &Device) -> Self {
        Self {
            norm1: GroupNormConfig::new(groups, ci).init(device),
            conv1: conv3x3(ci, co, device),
            time: LinearConfig::new(tdim, co).init(device),
            norm2: GroupNormConfig::new(groups, co).init(device),
            // Zero-initialised so every block starts as the identity (DDPM's reference code).
            conv2: Conv2dConfig::new([co, co], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .with_initializer(Initializer::Zeros)
                .init(device),
            shortcut: (ci != co).then(|| Conv2dConfig::new([ci, co], [1, 1]).init(device)),
        }
    }

    /// # Shapes
    /// `x`: [B, Ci, H, W]; `temb`: [B, Tdim] (already through SiLU) → [B, Co, H, W].
    pub fn forward(&self, x: Tensor<4>, temb: Tensor<2>) -> Tensor<4> {
        let h = conv(&self.conv1, norm_silu(&self.norm1, x.clone()));
        let [b, co, _, _] = h.dims();
        let h = h + self.time.forward(temb).reshape([b, co, 1, 1]);
        let h = conv(&self.conv2, norm_silu(&self.norm2, h));
        let skip = match &self.shortcut {
            Some(layer) => conv(layer, x),
            None => x,
        };
        skip + h
    }
}

/// Single-head self-attention over all pixels, with a residual connection.
#[derive(Module, Debug)]
pub struct AttentionBlock {
    norm: GroupNorm,
    qkv: Linear,
    proj: Linear,
}

impl AttentionBlock {
    fn new(c: usize, groups: usize, device: &Device) -> Self {
        Self {
            norm: GroupNormConfig::new(groups, c).init(device),
            qkv: LinearConfig::new(c, 3 * c).init(device),
            proj: LinearConfig::new(c, c)
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }

    /// # Shapes
    /// `x`: [B, C, H, W] → [B, C, H, W].
    ///
    /// # Formula
    /// out = x + proj(softmax(q·kᵀ/√C)·v), q, k, v = split(qkv(norm(x))) over the H·W pixels.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, h, w] = x.dims();
        let n = h * w;
        let tokens = norm(&self.norm, x.clone())
            .reshape([b, c, n])
            .swap_dims(1, 2);
        let qkv = self.qkv.forward(tokens);
        let q = qkv.clone().slice([0..b, 0..n, 0..c]);
        let k = qkv.clone().slice([0..b, 0..n, c..2 * c]);
        let v = qkv.slice([0..b, 0..n, 2 * c..3 * c]);
        let scores = q.matmul(k.swap_dims(1, 2)).div_scalar((c as f64).sqrt());
        let attended = softmax(scores, 2).matmul(v);
        let out = self
            .proj
            .forward(attended)
            .swap_dims(1, 2)
            .reshape([b, c, h, w]);
        x + out
    }
}

/// One resolution: its residual blocks, their attention blocks (empty where there is no
/// attention) and the down- or upsampling conv (none at the last level of a path).
#[derive(Module, Debug)]
pub struct Level {
    blocks: Vec<ResBlock>,
    attns: Vec<AttentionBlock>,
    resample: Option<Conv2d>,
}

/// The image denoiser.
#[derive(Module, Debug)]
pub struct UNet {
    time_in: Linear,
    time_out: Linear,
    conv_in: Conv2d,
    down: Vec<Level>,
    mid_block1: ResBlock,
    mid_attn: Option<AttentionBlock>,
    mid_block2: ResBlock,
    up: Vec<Level>,
    norm_out: GroupNorm,
    conv_out: Conv2d,
    time_embed_dim: usize,
    in_channels: usize,
    image_size: usize,
}

impl UNet {
    /// # Shapes
    /// `x_t`: [B, C, S, S]; `t`: [B] (paper timesteps 1..T as floats) → [B, C, S, S].
    pub fn forward(&self, x_t: Tensor<4>, t: Tensor<1>) -> Tensor<4> {
        let [batch] = t.dims();
        let temb = super::fused::sinusoidal_embedding(t.reshape([batch, 1]), self.time_embed_dim);
        let temb = self.time_out.forward(silu(self.time_in.forward(temb)));
        // Every block takes SiLU(temb) (DDPM's `nonlinearity(temb)` before `temb_proj`).
        let temb = silu(temb);

        let mut h = conv(&self.conv_in, x_t);
        let mut skips = vec![h.clone()];
        for level in &self.down {
            for (j, block) in level.blocks.iter().enumerate() {
                h = block.forward(h, temb.clone());
                if let Some(attn) = level.attns.get(j) {
                    h = attn.forward(h);
                }
                skips.push(h.clone());
            }
            if let Some(down) = &level.resample {
                h = conv(down, h);
                skips.push(h.clone());
            }
        }
        h = self.mid_block1.forward(h, temb.clone());
        if let Some(attn) = &self.mid_attn {
            h = attn.forward(h);
        }
        h = self.mid_block2.forward(h, temb.clone());
        for level in &self.up {
            for (j, block) in level.blocks.iter().enumerate() {
                // The plan guarantees a skip for every up block; an empty stack would be a
                // bug in `plan`, and the block's shape check would then fail loudly.
                if let Some(skip) = skips.pop() {
                    h = Tensor::cat(vec![h, skip], 1);
                }
                h = block.forward(h, temb.clone());
                if let Some(attn) = level.attns.get(j) {
                    h = attn.forward(h);
                }
            }
            if let Some(up) = &level.resample {
                let [_, _, hh, ww] = h.dims();
                let options = InterpolateOptions::new(InterpolateMode::Nearest)
                    .with_output_size([2 * hh, 2 * ww]);
                h = conv(up, interpolate(h, options));
            }
        }
        conv(&self.conv_out, norm_silu(&self.norm_out, h))
    }

    /// Image channels and side this network was built for.
    pub fn image_shape(&self) -> (usize, usize) {
        (self.in_channels, self.image_size)
    }
}
