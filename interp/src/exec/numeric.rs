//! Scalar numeric semantics that Rust's operators do not already give
//! (core spec, "Numerics"): NaN propagation, `fmin`/`fmax`, `nearest`, and
//! the trapping float-to-integer truncations.

use crate::error::TrapKind;
use crate::nondet::Nondet;

/// A canonical NaN has the quiet bit set and an otherwise zero payload.
#[inline]
pub(crate) fn is_canonical_nan_f32(bits: u32) -> bool {
    bits & 0x7fff_ffff == 0x7fc0_0000
}

#[inline]
pub(crate) fn is_canonical_nan_f64(bits: u64) -> bool {
    bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
}

/// Whether `x` is a NaN other than a canonical one (it then licenses an
/// arbitrary arithmetic NaN as the result).
#[inline]
fn non_canonical_f32(x: f32) -> bool {
    x.is_nan() && !is_canonical_nan_f32(x.to_bits())
}

#[inline]
fn non_canonical_f64(x: f64) -> bool {
    x.is_nan() && !is_canonical_nan_f64(x.to_bits())
}

/// The result bits of an f32 operation on `inputs`: `r` itself unless it is a
/// NaN, in which case the nondeterminism interface picks an allowed NaN.
#[inline(always)]
pub(crate) fn nan32(nd: &mut Nondet, r: f32, inputs: &[f32]) -> u32 {
    if r.is_nan() {
        nd.nan_f32(inputs.iter().any(|x| non_canonical_f32(*x)))
    } else {
        r.to_bits()
    }
}

#[inline(always)]
pub(crate) fn nan64(nd: &mut Nondet, r: f64, inputs: &[f64]) -> u64 {
    if r.is_nan() {
        nd.nan_f64(inputs.iter().any(|x| non_canonical_f64(*x)))
    } else {
        r.to_bits()
    }
}

/// `fmin`: NaN if either operand is; -0 is less than +0.
#[inline]
pub(crate) fn fmin32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == 0.0 && b == 0.0 {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}

#[inline]
pub(crate) fn fmax32(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == 0.0 && b == 0.0 {
        f32::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}

#[inline]
pub(crate) fn fmin64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}

#[inline]
pub(crate) fn fmax64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}

/// `copysign` on bit patterns (never touches the payload).
#[inline]
pub(crate) fn copysign32(a: u32, b: u32) -> u32 {
    (a & 0x7fff_ffff) | (b & 0x8000_0000)
}

#[inline]
pub(crate) fn copysign64(a: u64, b: u64) -> u64 {
    (a & 0x7fff_ffff_ffff_ffff) | (b & 0x8000_0000_0000_0000)
}

/// Truncation to a signed integer of `bits` bits, trapping on NaN and on
/// values outside the target range. `x` is exact in f64 for every f32 input.
#[inline]
pub(crate) fn trunc_s(x: f64, bits: u32) -> Result<i64, TrapKind> {
    if x.is_nan() {
        return Err(TrapKind::InvalidConversionToInteger);
    }
    let t = x.trunc();
    let bound = (1u64 << (bits - 1)) as f64;
    if t >= -bound && t < bound {
        Ok(t as i64)
    } else {
        Err(TrapKind::IntegerOverflow)
    }
}

/// Truncation to an unsigned integer of `bits` bits (see [`trunc_s`]).
#[inline]
pub(crate) fn trunc_u(x: f64, bits: u32) -> Result<u64, TrapKind> {
    if x.is_nan() {
        return Err(TrapKind::InvalidConversionToInteger);
    }
    let t = x.trunc();
    let bound = if bits == 64 {
        18_446_744_073_709_551_616.0
    } else {
        (1u64 << bits) as f64
    };
    if t > -1.0 && t < bound {
        Ok(t as u64)
    } else {
        Err(TrapKind::IntegerOverflow)
    }
}

/// `i32.div_s`.
#[inline]
pub(crate) fn i32_div_s(a: i32, b: i32) -> Result<i32, TrapKind> {
    if b == 0 {
        Err(TrapKind::IntegerDivideByZero)
    } else if a == i32::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        Ok(a.wrapping_div(b))
    }
}

#[inline]
pub(crate) fn i64_div_s(a: i64, b: i64) -> Result<i64, TrapKind> {
    if b == 0 {
        Err(TrapKind::IntegerDivideByZero)
    } else if a == i64::MIN && b == -1 {
        Err(TrapKind::IntegerOverflow)
    } else {
        Ok(a.wrapping_div(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_order_signed_zeros() {
        assert_eq!(fmin32(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(fmax32(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(fmin64(-0.0, 0.0).to_bits(), (-0.0f64).to_bits());
        assert!(fmax64(f64::NAN, 1.0).is_nan());
    }

    #[test]
    fn truncation_traps_at_the_range_edges() {
        assert_eq!(trunc_s(-2147483648.0, 32), Ok(-2147483648));
        assert_eq!(trunc_s(2147483648.0, 32), Err(TrapKind::IntegerOverflow));
        assert_eq!(trunc_s(-2147483648.9, 32), Ok(-2147483648));
        assert_eq!(trunc_u(-0.9, 32), Ok(0));
        assert_eq!(trunc_u(-1.0, 32), Err(TrapKind::IntegerOverflow));
        assert_eq!(trunc_u(4294967295.5, 32), Ok(4294967295));
        assert_eq!(
            trunc_u(18446744073709549568.0, 64),
            Ok(18446744073709549568)
        );
        assert_eq!(
            trunc_u(18446744073709551616.0, 64),
            Err(TrapKind::IntegerOverflow)
        );
        assert_eq!(
            trunc_s(f64::NAN, 64),
            Err(TrapKind::InvalidConversionToInteger)
        );
    }

    #[test]
    fn nan_results_go_through_the_nondeterminism_interface() {
        let mut nd = Nondet::default();
        let r = f32::NAN;
        assert_eq!(nan32(&mut nd, r, &[1.0]), 0x7fc0_0000);
        assert_eq!(nan32(&mut nd, 2.5, &[1.0]), 2.5f32.to_bits());
    }
}
