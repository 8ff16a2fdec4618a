//! Wide arithmetic (the wide-arithmetic proposal): 128-bit addition and
//! subtraction on pairs of i64 halves, and the full 128-bit products of two
//! i64s. Results are `(low, high)` halves.

/// A wide-arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WideOp {
    /// `i64.add128`: `(lo1, hi1, lo2, hi2) -> (lo, hi)`.
    Add128,
    /// `i64.sub128`.
    Sub128,
    /// `i64.mul_wide_s`: `(a, b) -> (lo, hi)` of the signed product.
    MulWideS,
    /// `i64.mul_wide_u`.
    MulWideU,
}

impl WideOp {
    /// Number of i64 operands.
    pub(crate) fn arity(self) -> usize {
        match self {
            WideOp::Add128 | WideOp::Sub128 => 4,
            WideOp::MulWideS | WideOp::MulWideU => 2,
        }
    }
}

fn join(lo: u64, hi: u64) -> u128 {
    lo as u128 | ((hi as u128) << 64)
}

fn split(v: u128) -> (u64, u64) {
    (v as u64, (v >> 64) as u64)
}

/// Evaluates `op` on its operands (`ops[..op.arity()]`).
pub(crate) fn eval(op: WideOp, ops: [u64; 4]) -> (u64, u64) {
    match op {
        WideOp::Add128 => split(join(ops[0], ops[1]).wrapping_add(join(ops[2], ops[3]))),
        WideOp::Sub128 => split(join(ops[0], ops[1]).wrapping_sub(join(ops[2], ops[3]))),
        WideOp::MulWideS => {
            split((ops[0] as i64 as i128).wrapping_mul(ops[1] as i64 as i128) as u128)
        }
        WideOp::MulWideU => split((ops[0] as u128) * (ops[1] as u128)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_and_borrows_cross_the_halves() {
        assert_eq!(eval(WideOp::Add128, [u64::MAX, 0, 1, 0]), (0, 1));
        assert_eq!(eval(WideOp::Add128, [u64::MAX, u64::MAX, 1, 0]), (0, 0));
        assert_eq!(eval(WideOp::Sub128, [0, 1, 1, 0]), (u64::MAX, 0));
        assert_eq!(eval(WideOp::Sub128, [0, 0, 1, 0]), (u64::MAX, u64::MAX));
    }

    #[test]
    fn products_are_full_width() {
        assert_eq!(
            eval(WideOp::MulWideU, [u64::MAX, u64::MAX, 0, 0]),
            (1, u64::MAX - 1)
        );
        assert_eq!(
            eval(WideOp::MulWideS, [u64::MAX, 2, 0, 0]),
            (u64::MAX - 1, u64::MAX)
        );
        assert_eq!(
            eval(WideOp::MulWideS, [i64::MIN as u64, i64::MIN as u64, 0, 0]),
            (0, 1 << 62)
        );
    }
}
