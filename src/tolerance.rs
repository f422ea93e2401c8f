//! The one tolerance policy for numeric tests: |actual − expected| ≤ abs + rel·|expected|.

/// For values checked against published reference digits (10 significant figures).
pub const REFERENCE: Tolerance = Tolerance {
    rel: 1e-9,
    abs: 1e-12,
};
/// For identities that hold exactly in real arithmetic and differ only by f64 rounding.
pub const ROUNDING: Tolerance = Tolerance {
    rel: 1e-10,
    abs: 1e-12,
};
/// For numerical integration and grid-based checks.
pub const NUMERICAL: Tolerance = Tolerance {
    rel: 1e-6,
    abs: 1e-8,
};
/// For derivatives taken by central differences over one training step of a T = 1000
/// schedule (truncation error O(T⁻²·λ'''/λ')).
pub const FINITE_DIFFERENCE: Tolerance = Tolerance {
    rel: 1e-3,
    abs: 1e-12,
};
/// For f32 buffers.
pub const SINGLE: Tolerance = Tolerance {
    rel: 1e-5,
    abs: 1e-6,
};

/// For two f32 implementations of the same layer that sum in different orders (a fused
/// kernel against burn's composed ops), relative to the values' own scale (~1).
pub const KERNEL: Tolerance = Tolerance {
    rel: 2e-4,
    abs: 2e-4,
};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub rel: f64,
    pub abs: f64,
}

impl Tolerance {
    pub fn close(&self, actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= self.abs + self.rel * expected.abs()
    }
}

/// Panics with both values when they are not close under `tol`.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, tol: Tolerance) {
    assert!(
        tol.close(actual, expected),
        "{actual} is not within {tol:?} of {expected} (diff {})",
        (actual - expected).abs()
    );
}
