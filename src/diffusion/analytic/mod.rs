//! Analytic denoisers: exact answers a trained network can be put beside.
//!
//! - [`ideal`]: the empirical (ideal) denoiser of a finite training set;
//! - [`gaussian`]: Gaussian (Wiener) denoisers from a mean and covariance (2-D: full 2 × 2;
//!   images: per-pixel, i.e. a diagonal covariance in pixel space);
//! - [`mixture2d`]: the exact score and posterior mean of isotropic 2-D Gaussian mixtures
//!   (the 1-D case lives in [`super::gmm1d`]);
//! - [`sliced_wasserstein`]: how far a 2-D sample set is from a mixture.

pub mod gaussian;
pub mod ideal;
pub mod mixture2d;
pub mod sliced_wasserstein;

pub use gaussian::{DiagonalGaussianDenoiser, Gaussian2dDenoiser, GaussianDenoiserError};
pub use ideal::{IdealDenoiser, IdealDenoiserError, Nearest};
pub use mixture2d::{IsotropicMixture2d, Mixture2dError};
pub use sliced_wasserstein::{SlicedW2Error, sliced_w2};
