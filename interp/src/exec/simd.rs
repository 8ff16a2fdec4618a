//! The pure semantics of the fixed-width SIMD (`v128`) operators of
//! WebAssembly 2.0 and of the relaxed-SIMD operators of WebAssembly 3.0.
//!
//! A vector is a `u128` whose lane 0 is in the least significant bits; a
//! scalar travels in a `u64` slot (i32 and f32 zero-extended). Nothing here
//! touches memory or stacks: the executor reads and writes the bytes and
//! calls these functions with values. Every NaN a float lane produces and
//! every choice a relaxed operator may make goes through [`Nondet`], so the
//! deterministic mode gives the deterministic profile of Wasm 3.0.

use std::ops::{Add, Div, Mul, Sub};

use wasmparser::{MemArg, Operator};

use crate::nondet::{F32_CANONICAL_NAN, F64_CANONICAL_NAN, Nondet};

// ---------------------------------------------------------------------------
// Lanes
// ---------------------------------------------------------------------------

/// A lane type: its width and how it sits in a vector.
trait Lane: Copy + PartialOrd {
    const BITS: u32;
    const COUNT: usize = (128 / Self::BITS) as usize;
    /// The lane whose bits are the low `BITS` bits of `b`.
    fn from_bits(b: u128) -> Self;
    /// The lane's bits, zero-extended.
    fn bits(self) -> u128;
}

/// An integer lane; `wide` lets mixed-width arithmetic run in `i128`, where
/// nothing the SIMD operators compute can overflow.
trait Int: Lane {
    fn wide(self) -> i128;
}

macro_rules! int_lanes {
    ($($t:ty: $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$t>::BITS;
            fn from_bits(b: u128) -> Self {
                b as $u as $t
            }
            fn bits(self) -> u128 {
                self as $u as u128
            }
        }
        impl Int for $t {
            fn wide(self) -> i128 {
                self as i128
            }
        }
    )*};
}
int_lanes!(i8: u8, u8: u8, i16: u16, u16: u16, i32: u32, u32: u32, i64: u64, u64: u64);

/// A float lane, with what NaN propagation and relaxed madd need.
trait Float: Lane + Add<Output = Self> + Mul<Output = Self> {
    const SIGN: u128;
    const CANONICAL_NAN: u128;
    fn is_nan(self) -> bool;
    /// The bits of a NaN result, chosen by `nd` (spec: `nans`).
    fn nan(nd: &mut Nondet, arithmetic: bool) -> u128;
    /// IEEE 754 fusedMultiplyAdd, rounded once.
    fn fma(self, b: Self, c: Self) -> Self;

    /// A NaN that licenses an arbitrary arithmetic NaN result.
    fn non_canonical(self) -> bool {
        self.is_nan() && self.bits() & !Self::SIGN != Self::CANONICAL_NAN
    }
    fn is_zero(self) -> bool {
        self.bits() & !Self::SIGN == 0
    }
    /// `fneg`: flips the sign bit only, NaNs included.
    fn negate(self) -> Self {
        Self::from_bits(self.bits() ^ Self::SIGN)
    }
}

macro_rules! float_lanes {
    ($($t:ty: $u:ty, $canonical:expr, $nan:ident);*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$u>::BITS;
            fn from_bits(b: u128) -> Self {
                <$t>::from_bits(b as $u)
            }
            fn bits(self) -> u128 {
                self.to_bits() as u128
            }
        }
        impl Float for $t {
            const SIGN: u128 = 1 << (<$u>::BITS - 1);
            const CANONICAL_NAN: u128 = $canonical as u128;
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn nan(nd: &mut Nondet, arithmetic: bool) -> u128 {
                nd.$nan(arithmetic) as u128
            }
            fn fma(self, b: Self, c: Self) -> Self {
                self.mul_add(b, c)
            }
        }
    )*};
}
float_lanes!(f32: u32, F32_CANONICAL_NAN, nan_f32; f64: u64, F64_CANONICAL_NAN, nan_f64);

/// Lane `i` of `v`; `i` is taken modulo the lane count, so it never overflows.
fn lane<T: Lane>(v: u128, i: usize) -> T {
    T::from_bits(v >> ((i % T::COUNT) as u32 * T::BITS))
}

/// The vector of `bits`-wide lanes whose lane `i` is the low bits of `f(i)`.
fn pack(bits: u32, mut f: impl FnMut(usize) -> u128) -> u128 {
    let mask = u128::MAX >> (128 - bits);
    (0..(128 / bits) as usize).fold(0, |v, i| v | (f(i) & mask) << (i as u32 * bits))
}

/// `v` with lane `i` (modulo the lane count) of width `bits` replaced by the low bits of `x`.
fn set_lane(v: u128, bits: u32, i: usize, x: u128) -> u128 {
    let shift = (i % (128 / bits) as usize) as u32 * bits;
    let mask = (u128::MAX >> (128 - bits)) << shift;
    (v & !mask) | ((x << shift) & mask)
}

/// The vector with every `bits`-wide lane equal to the low bits of `x`.
fn splat_bits(bits: u32, x: u128) -> u128 {
    pack(bits, |_| x)
}

/// A lane-wise unary operation.
fn map1<T: Lane>(a: u128, f: impl Fn(T) -> T) -> u128 {
    pack(T::BITS, |i| f(lane(a, i)).bits())
}

/// A lane-wise binary operation.
fn map2<T: Lane>(a: u128, b: u128, f: impl Fn(T, T) -> T) -> u128 {
    pack(T::BITS, |i| f(lane(a, i), lane(b, i)).bits())
}

/// A lane-wise comparison: all ones where `f` holds, zero elsewhere.
fn cmp<T: Lane>(a: u128, b: u128, f: impl Fn(&T, &T) -> bool) -> u128 {
    pack(T::BITS, |i| {
        if f(&lane(a, i), &lane(b, i)) {
            u128::MAX
        } else {
            0
        }
    })
}

/// The bits of float result `r`, or of a NaN from `nd` if `r` is one.
fn result<F: Float>(nd: &mut Nondet, r: F, arithmetic: bool) -> u128 {
    if r.is_nan() {
        F::nan(nd, arithmetic)
    } else {
        r.bits()
    }
}

/// A lane-wise float operation whose NaN results go through `nd`; so do
/// `fmap2` and `fmap3`.
fn fmap1<F: Float>(a: u128, nd: &mut Nondet, f: impl Fn(F) -> F) -> u128 {
    pack(F::BITS, |i| {
        let x: F = lane(a, i);
        result(nd, f(x), x.non_canonical())
    })
}

fn fmap2<F: Float>(a: u128, b: u128, nd: &mut Nondet, f: impl Fn(F, F) -> F) -> u128 {
    pack(F::BITS, |i| {
        let (x, y): (F, F) = (lane(a, i), lane(b, i));
        result(nd, f(x, y), x.non_canonical() || y.non_canonical())
    })
}

fn fmap3<F: Float>(a: u128, b: u128, c: u128, nd: &mut Nondet, f: impl Fn(F, F, F) -> F) -> u128 {
    pack(F::BITS, |i| {
        let (x, y, z): (F, F, F) = (lane(a, i), lane(b, i), lane(c, i));
        let arithmetic = x.non_canonical() || y.non_canonical() || z.non_canonical();
        result(nd, f(x, y, z), arithmetic)
    })
}

// ---------------------------------------------------------------------------
// Operator classes
// ---------------------------------------------------------------------------

/// Declares the operator enums whose variants are named exactly like the
/// wasmparser operators they stand for, and their classification.
macro_rules! plain_ops {
    ($($(#[$doc:meta])* $enum:ident => $class:ident [$($op:ident),* $(,)?])*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub(crate) enum $enum { $($op),* }
        )*

        /// The class of a SIMD operator that has no immediates.
        fn classify_plain(op: &Operator<'_>) -> Option<SimdClass> {
            Some(match op {
                $($(Operator::$op => SimdClass::$class($enum::$op),)*)*
                _ => return None,
            })
        }
    };
}

plain_ops! {
    /// `v128 -> v128` operators.
    SimdUnOp => Unary [
        V128Not,
        I8x16Abs, I8x16Neg, I8x16Popcnt,
        I16x8Abs, I16x8Neg, I16x8ExtAddPairwiseI8x16S, I16x8ExtAddPairwiseI8x16U,
        I16x8ExtendLowI8x16S, I16x8ExtendHighI8x16S, I16x8ExtendLowI8x16U, I16x8ExtendHighI8x16U,
        I32x4Abs, I32x4Neg, I32x4ExtAddPairwiseI16x8S, I32x4ExtAddPairwiseI16x8U,
        I32x4ExtendLowI16x8S, I32x4ExtendHighI16x8S, I32x4ExtendLowI16x8U, I32x4ExtendHighI16x8U,
        I64x2Abs, I64x2Neg,
        I64x2ExtendLowI32x4S, I64x2ExtendHighI32x4S, I64x2ExtendLowI32x4U, I64x2ExtendHighI32x4U,
        F32x4Ceil, F32x4Floor, F32x4Trunc, F32x4Nearest, F32x4Abs, F32x4Neg, F32x4Sqrt,
        F64x2Ceil, F64x2Floor, F64x2Trunc, F64x2Nearest, F64x2Abs, F64x2Neg, F64x2Sqrt,
        I32x4TruncSatF32x4S, I32x4TruncSatF32x4U, I32x4TruncSatF64x2SZero, I32x4TruncSatF64x2UZero,
        F32x4ConvertI32x4S, F32x4ConvertI32x4U, F64x2ConvertLowI32x4S, F64x2ConvertLowI32x4U,
        F32x4DemoteF64x2Zero, F64x2PromoteLowF32x4,
        I32x4RelaxedTruncF32x4S, I32x4RelaxedTruncF32x4U,
        I32x4RelaxedTruncF64x2SZero, I32x4RelaxedTruncF64x2UZero,
    ]

    /// `(v128, v128) -> v128` operators.
    SimdBinOp => Binary [
        V128And, V128AndNot, V128Or, V128Xor,
        I8x16Swizzle, I8x16RelaxedSwizzle,
        I8x16Eq, I8x16Ne, I8x16LtS, I8x16LtU, I8x16GtS, I8x16GtU,
        I8x16LeS, I8x16LeU, I8x16GeS, I8x16GeU,
        I16x8Eq, I16x8Ne, I16x8LtS, I16x8LtU, I16x8GtS, I16x8GtU,
        I16x8LeS, I16x8LeU, I16x8GeS, I16x8GeU,
        I32x4Eq, I32x4Ne, I32x4LtS, I32x4LtU, I32x4GtS, I32x4GtU,
        I32x4LeS, I32x4LeU, I32x4GeS, I32x4GeU,
        I64x2Eq, I64x2Ne, I64x2LtS, I64x2GtS, I64x2LeS, I64x2GeS,
        F32x4Eq, F32x4Ne, F32x4Lt, F32x4Gt, F32x4Le, F32x4Ge,
        F64x2Eq, F64x2Ne, F64x2Lt, F64x2Gt, F64x2Le, F64x2Ge,
        I8x16NarrowI16x8S, I8x16NarrowI16x8U, I16x8NarrowI32x4S, I16x8NarrowI32x4U,
        I8x16Add, I8x16AddSatS, I8x16AddSatU, I8x16Sub, I8x16SubSatS, I8x16SubSatU,
        I8x16MinS, I8x16MinU, I8x16MaxS, I8x16MaxU, I8x16AvgrU,
        I16x8Add, I16x8AddSatS, I16x8AddSatU, I16x8Sub, I16x8SubSatS, I16x8SubSatU, I16x8Mul,
        I16x8MinS, I16x8MinU, I16x8MaxS, I16x8MaxU, I16x8AvgrU,
        I16x8Q15MulrSatS, I16x8RelaxedQ15mulrS,
        I16x8ExtMulLowI8x16S, I16x8ExtMulHighI8x16S, I16x8ExtMulLowI8x16U, I16x8ExtMulHighI8x16U,
        I16x8RelaxedDotI8x16I7x16S,
        I32x4Add, I32x4Sub, I32x4Mul, I32x4MinS, I32x4MinU, I32x4MaxS, I32x4MaxU,
        I32x4DotI16x8S,
        I32x4ExtMulLowI16x8S, I32x4ExtMulHighI16x8S, I32x4ExtMulLowI16x8U, I32x4ExtMulHighI16x8U,
        I64x2Add, I64x2Sub, I64x2Mul,
        I64x2ExtMulLowI32x4S, I64x2ExtMulHighI32x4S, I64x2ExtMulLowI32x4U, I64x2ExtMulHighI32x4U,
        F32x4Add, F32x4Sub, F32x4Mul, F32x4Div, F32x4Min, F32x4Max, F32x4PMin, F32x4PMax,
        F32x4RelaxedMin, F32x4RelaxedMax,
        F64x2Add, F64x2Sub, F64x2Mul, F64x2Div, F64x2Min, F64x2Max, F64x2PMin, F64x2PMax,
        F64x2RelaxedMin, F64x2RelaxedMax,
    ]

    /// `(v128, v128, v128) -> v128` operators.
    SimdTernOp => Ternary [
        V128Bitselect,
        F32x4RelaxedMadd, F32x4RelaxedNmadd, F64x2RelaxedMadd, F64x2RelaxedNmadd,
        I8x16RelaxedLaneselect, I16x8RelaxedLaneselect, I32x4RelaxedLaneselect,
        I64x2RelaxedLaneselect,
        I32x4RelaxedDotI8x16I7x16AddS,
    ]

    /// `(v128, i32) -> v128` shifts.
    SimdShiftOp => Shift [
        I8x16Shl, I8x16ShrS, I8x16ShrU, I16x8Shl, I16x8ShrS, I16x8ShrU,
        I32x4Shl, I32x4ShrS, I32x4ShrU, I64x2Shl, I64x2ShrS, I64x2ShrU,
    ]

    /// `v128 -> i32` tests.
    SimdTestOp => Test [
        V128AnyTrue,
        I8x16AllTrue, I8x16Bitmask, I16x8AllTrue, I16x8Bitmask,
        I32x4AllTrue, I32x4Bitmask, I64x2AllTrue, I64x2Bitmask,
    ]
}

/// `*.splat`: the shape whose every lane gets the scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdSplatOp {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

/// `*.extract_lane[_s|_u]`: the shape, and for narrow lanes the extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdExtractOp {
    I8x16S,
    I8x16U,
    I16x8S,
    I16x8U,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

/// `*.replace_lane`: the shape whose lane gets the scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdReplaceOp {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

/// The `v128.load*` operators other than `load*_lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdLoadOp {
    /// `v128.load`
    Full,
    /// `v128.load8x8_s`: eight bytes, each sign-extended to an i16 lane.
    Extend8x8S,
    Extend8x8U,
    Extend16x4S,
    Extend16x4U,
    Extend32x2S,
    Extend32x2U,
    /// `v128.load8_splat`
    Splat8,
    Splat16,
    Splat32,
    Splat64,
    /// `v128.load32_zero`: the low lane, the rest zero.
    Zero32,
    Zero64,
}

/// The lane width of `v128.load*_lane` and `v128.store*_lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdLaneWidth {
    W8,
    W16,
    W32,
    W64,
}

/// What the executor has to do for a SIMD operator, with its immediates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdClass {
    Unary(SimdUnOp),
    Binary(SimdBinOp),
    Ternary(SimdTernOp),
    Shift(SimdShiftOp),
    Splat(SimdSplatOp),
    Test(SimdTestOp),
    ExtractLane(SimdExtractOp, u8),
    ReplaceLane(SimdReplaceOp, u8),
    Const(u128),
    Shuffle([u8; 16]),
    Load(SimdLoadOp, MemArg),
    /// `v128.store`
    Store(MemArg),
    LoadLane(SimdLaneWidth, MemArg, u8),
    StoreLane(SimdLaneWidth, MemArg, u8),
}

/// Maps every `@simd` and `@relaxed_simd` operator of wasmparser to its
/// class; `None` for every other operator.
pub(crate) fn classify(op: &Operator<'_>) -> Option<SimdClass> {
    use SimdClass as C;
    use SimdExtractOp as E;
    use SimdLaneWidth::*;
    use SimdLoadOp as L;
    use SimdReplaceOp as R;
    use SimdSplatOp as S;
    Some(match *op {
        Operator::V128Const { value } => C::Const(value.into()),
        Operator::I8x16Shuffle { lanes } => C::Shuffle(lanes),

        Operator::I8x16Splat => C::Splat(S::I8x16),
        Operator::I16x8Splat => C::Splat(S::I16x8),
        Operator::I32x4Splat => C::Splat(S::I32x4),
        Operator::I64x2Splat => C::Splat(S::I64x2),
        Operator::F32x4Splat => C::Splat(S::F32x4),
        Operator::F64x2Splat => C::Splat(S::F64x2),

        Operator::I8x16ExtractLaneS { lane } => C::ExtractLane(E::I8x16S, lane),
        Operator::I8x16ExtractLaneU { lane } => C::ExtractLane(E::I8x16U, lane),
        Operator::I16x8ExtractLaneS { lane } => C::ExtractLane(E::I16x8S, lane),
        Operator::I16x8ExtractLaneU { lane } => C::ExtractLane(E::I16x8U, lane),
        Operator::I32x4ExtractLane { lane } => C::ExtractLane(E::I32x4, lane),
        Operator::I64x2ExtractLane { lane } => C::ExtractLane(E::I64x2, lane),
        Operator::F32x4ExtractLane { lane } => C::ExtractLane(E::F32x4, lane),
        Operator::F64x2ExtractLane { lane } => C::ExtractLane(E::F64x2, lane),

        Operator::I8x16ReplaceLane { lane } => C::ReplaceLane(R::I8x16, lane),
        Operator::I16x8ReplaceLane { lane } => C::ReplaceLane(R::I16x8, lane),
        Operator::I32x4ReplaceLane { lane } => C::ReplaceLane(R::I32x4, lane),
        Operator::I64x2ReplaceLane { lane } => C::ReplaceLane(R::I64x2, lane),
        Operator::F32x4ReplaceLane { lane } => C::ReplaceLane(R::F32x4, lane),
        Operator::F64x2ReplaceLane { lane } => C::ReplaceLane(R::F64x2, lane),

        Operator::V128Load { memarg } => C::Load(L::Full, memarg),
        Operator::V128Load8x8S { memarg } => C::Load(L::Extend8x8S, memarg),
        Operator::V128Load8x8U { memarg } => C::Load(L::Extend8x8U, memarg),
        Operator::V128Load16x4S { memarg } => C::Load(L::Extend16x4S, memarg),
        Operator::V128Load16x4U { memarg } => C::Load(L::Extend16x4U, memarg),
        Operator::V128Load32x2S { memarg } => C::Load(L::Extend32x2S, memarg),
        Operator::V128Load32x2U { memarg } => C::Load(L::Extend32x2U, memarg),
        Operator::V128Load8Splat { memarg } => C::Load(L::Splat8, memarg),
        Operator::V128Load16Splat { memarg } => C::Load(L::Splat16, memarg),
        Operator::V128Load32Splat { memarg } => C::Load(L::Splat32, memarg),
        Operator::V128Load64Splat { memarg } => C::Load(L::Splat64, memarg),
        Operator::V128Load32Zero { memarg } => C::Load(L::Zero32, memarg),
        Operator::V128Load64Zero { memarg } => C::Load(L::Zero64, memarg),
        Operator::V128Store { memarg } => C::Store(memarg),

        Operator::V128Load8Lane { memarg, lane } => C::LoadLane(W8, memarg, lane),
        Operator::V128Load16Lane { memarg, lane } => C::LoadLane(W16, memarg, lane),
        Operator::V128Load32Lane { memarg, lane } => C::LoadLane(W32, memarg, lane),
        Operator::V128Load64Lane { memarg, lane } => C::LoadLane(W64, memarg, lane),
        Operator::V128Store8Lane { memarg, lane } => C::StoreLane(W8, memarg, lane),
        Operator::V128Store16Lane { memarg, lane } => C::StoreLane(W16, memarg, lane),
        Operator::V128Store32Lane { memarg, lane } => C::StoreLane(W32, memarg, lane),
        Operator::V128Store64Lane { memarg, lane } => C::StoreLane(W64, memarg, lane),

        _ => return classify_plain(op),
    })
}

// ---------------------------------------------------------------------------
// Integer helpers (spec: "Integer Operations" and "Vector Operations")
// ---------------------------------------------------------------------------

/// `extend_low/high` and the `load*x*` loads: lanes `from..` of `a`, each
/// extended to `bits`.
fn extend<T: Int>(a: u128, from: usize, bits: u32) -> u128 {
    pack(bits, |i| lane::<T>(a, from + i).wide() as u128)
}

/// `extadd_pairwise`: sums of adjacent lanes, extended to twice the width.
fn extadd_pairwise<T: Int>(a: u128) -> u128 {
    let wide = |i| lane::<T>(a, i).wide();
    pack(2 * T::BITS, |i| (wide(2 * i) + wide(2 * i + 1)) as u128)
}

/// `extmul_low/high`: products of lanes `from..`, extended to twice the width.
fn extmul<T: Int>(a: u128, b: u128, from: usize) -> u128 {
    let wide = |v, i| lane::<T>(v, from + i).wide();
    pack(2 * T::BITS, |i| (wide(a, i) * wide(b, i)) as u128)
}

/// `narrow_s/u`: the lanes of `a` then of `b`, saturated to `[lo, hi]`.
fn narrow<T: Int>(a: u128, b: u128, lo: i128, hi: i128) -> u128 {
    let half = T::COUNT;
    pack(T::BITS / 2, |i| {
        let x: T = if i < half {
            lane(a, i)
        } else {
            lane(b, i - half)
        };
        x.wide().clamp(lo, hi) as u128
    })
}

/// `avgr_u`: the average rounded up.
fn avgr<T: Int>(a: u128, b: u128) -> u128 {
    pack(T::BITS, |i| {
        ((lane::<T>(a, i).wide() + lane::<T>(b, i).wide() + 1) >> 1) as u128
    })
}

/// `iq15mulrsat_s` of one pair of i16 lanes.
fn q15mulr(x: i16, y: i16) -> i128 {
    ((x as i128 * y as i128 + 0x4000) >> 15).clamp(i16::MIN.into(), i16::MAX.into())
}

/// `all_true`: whether no lane is zero.
fn all_true<T: Int>(a: u128) -> u32 {
    (0..T::COUNT).all(|i| lane::<T>(a, i).wide() != 0) as u32
}

/// `bitmask`: the top bit of each (signed) lane `i` as bit `i`.
fn bitmask<T: Int>(a: u128) -> u32 {
    (0..T::COUNT).fold(0, |m, i| m | ((lane::<T>(a, i).wide() < 0) as u32) << i)
}

/// `v128.bitselect`: bits of `a` where `m` is set, of `b` elsewhere.
fn bitselect(a: u128, b: u128, m: u128) -> u128 {
    (a & m) | (b & !m)
}

/// `i8x16.swizzle` lane: `a[j]`, or 0 for an index out of range.
fn swizzle_lane(a: u128, j: u8) -> u128 {
    if j < 16 {
        lane::<u8>(a, j.into()).into()
    } else {
        0
    }
}

// ---------------------------------------------------------------------------
// Float helpers (spec: "Floating-Point Operations")
// ---------------------------------------------------------------------------

/// `fmin`: NaN if either is NaN (a NaN that [`result`] replaces); -0 < +0.
fn fmin<F: Float>(x: F, y: F) -> F {
    if x.is_nan() || y.is_nan() {
        if x.is_nan() { x } else { y }
    } else if x.is_zero() && y.is_zero() {
        F::from_bits(x.bits() | y.bits())
    } else if x < y {
        x
    } else {
        y
    }
}

/// `fmax`: NaN if either is NaN; +0 > -0.
fn fmax<F: Float>(x: F, y: F) -> F {
    if x.is_nan() || y.is_nan() {
        if x.is_nan() { x } else { y }
    } else if x.is_zero() && y.is_zero() {
        F::from_bits(x.bits() & y.bits())
    } else if x > y {
        x
    } else {
        y
    }
}

/// `fpmin`: `y < x ? y : x`, an input lane bit for bit (no NaN rules).
fn pmin<F: Float>(x: F, y: F) -> F {
    if y < x { y } else { x }
}

/// `fpmax`: `x < y ? y : x`, an input lane bit for bit.
fn pmax<F: Float>(x: F, y: F) -> F {
    if x < y { y } else { x }
}

/// The sign-bit mask of every lane of a float shape, for `abs` and `neg`.
fn sign_bits<F: Float>() -> u128 {
    splat_bits(F::BITS, F::SIGN)
}

/// `trunc_sat` of the f32x4 lanes (or, if `f64_lanes`, the two f64x2 lanes
/// with the upper result lanes zero) to i32x4; for a NaN or out-of-range
/// lane, `relaxed` overrides the saturated result (`relaxed_trunc`).
fn trunc_i32x4(a: u128, f64_lanes: bool, signed: bool, relaxed: Option<u32>) -> u128 {
    pack(32, |i| {
        let x = if !f64_lanes {
            lane::<f32>(a, i).into()
        } else if i < 2 {
            lane::<f64>(a, i)
        } else {
            return 0;
        };
        let t = x.trunc();
        let (fits, sat) = if signed {
            (
                (-2_147_483_648.0..2_147_483_648.0).contains(&t),
                x as i32 as u32,
            )
        } else {
            ((0.0..4_294_967_296.0).contains(&t), x as u32)
        };
        match relaxed {
            Some(r) if !fits => r.into(),
            _ => sat.into(),
        }
    })
}

// ---------------------------------------------------------------------------
// Relaxed SIMD (Wasm 3.0, "Relaxed Operations")
// ---------------------------------------------------------------------------

/// Picks alternative `0..n` of a relaxed operator, once per execution;
/// alternative 0 is the deterministic profile's. (The spec fixes each choice
/// for a whole run; choosing anew each time explores a superset of that.)
/// The relaxed operators whose results may differ between implementations.
/// The spec fixes each choice for a whole run, so it is made once per family
/// (and seed), not per execution.
#[derive(Clone, Copy)]
enum Relaxed {
    MinMax = 1,
    Madd,
    Laneselect,
    TruncS,
    TruncU,
    Swizzle,
    Q15Mulr,
    Dot,
}

fn relaxed(nd: &mut Nondet, family: Relaxed, n: usize) -> usize {
    nd.fixed_choice(family as u64, n)
}

/// `relaxed_trunc_*_s` results for NaN and out-of-range lanes: saturation
/// (`None`, the deterministic profile's) or INT32_MIN, as x86 gives.
const RELAXED_TRUNC_S: [Option<u32>; 2] = [None, Some(0x8000_0000)];

/// `relaxed_trunc_*_u` likewise: saturation or what x86 lowerings give (the
/// spec once listed these three; it now allows any value there).
const RELAXED_TRUNC_U: [Option<u32>; 4] =
    [None, Some(u32::MAX), Some(u32::MAX - 1), Some(0x8000_0000)];

/// `relaxed_swizzle` lane: like `swizzle`, except that alternative 1 takes
/// indices 16..=127 modulo 16 (indices >= 128 always give 0).
fn relaxed_swizzle_lane(a: u128, j: u8, alt: usize) -> u128 {
    match j {
        16..=127 if alt == 1 => lane::<u8>(a, (j % 16).into()).into(),
        _ => swizzle_lane(a, j),
    }
}

/// `frelaxed_min`/`frelaxed_max` (`min` selects which): alternative 0 is
/// `fmin`/`fmax`; for a NaN operand or zeros of opposite sign, 1 returns
/// `x`, 2 returns `y`, and 3 returns the non-NaN operand or the min/max zero.
fn relaxed_min_max<F: Float>(a: u128, b: u128, nd: &mut Nondet, min: bool) -> u128 {
    let alt = relaxed(nd, Relaxed::MinMax, 4);
    let op = if min { fmin::<F> } else { fmax::<F> };
    pack(F::BITS, |i| {
        let (x, y): (F, F) = (lane(a, i), lane(b, i));
        let opposite_zeros = x.is_zero() && y.is_zero() && x.bits() != y.bits();
        let r = match alt {
            1 if x.is_nan() || y.is_nan() || opposite_zeros => x,
            2 if x.is_nan() || y.is_nan() || opposite_zeros => y,
            3 if x.is_nan() => y,
            3 if y.is_nan() => x,
            _ => return result(nd, op(x, y), x.non_canonical() || y.non_canonical()),
        };
        r.bits()
    })
}

/// `relaxed_madd` (`negate`: `relaxed_nmadd`, i.e. madd of `-x`):
/// alternative 0 rounds `x * y` and then the sum (the deterministic
/// profile's choice), alternative 1 is fused with a single rounding.
fn relaxed_madd<F: Float>(a: u128, b: u128, c: u128, nd: &mut Nondet, negate: bool) -> u128 {
    let fused = relaxed(nd, Relaxed::Madd, 2) == 1;
    fmap3(a, b, c, nd, |x: F, y, z| {
        let x = if negate { x.negate() } else { x };
        if fused { x.fma(y, z) } else { x * y + z }
    })
}

/// `relaxed_laneselect` on `bits`-wide lanes: alternative 0 is
/// `bitselect`, alternative 1 selects by the top bit of each mask lane.
fn relaxed_laneselect(a: u128, b: u128, m: u128, bits: u32, nd: &mut Nondet) -> u128 {
    let m = match relaxed(nd, Relaxed::Laneselect, 2) {
        0 => m,
        // All ones where the lane's top bit is set.
        _ => pack(bits, |i| {
            (m >> (i as u32 * bits + bits - 1) & 1).wrapping_neg()
        }),
    };
    bitselect(a, b, m)
}

/// `relaxed_dot_i8x16_i7x16_s`: pairwise products of the signed lanes of `a`
/// with the lanes of `b`, read signed (alternative 0) or unsigned
/// (alternative 1), summed with signed saturation into i16x8.
fn relaxed_dot_i16x8(a: u128, b: u128, alt: usize) -> u128 {
    let product = |k| {
        let y = if alt == 0 {
            lane::<i8>(b, k).wide()
        } else {
            lane::<u8>(b, k).wide()
        };
        lane::<i8>(a, k).wide() * y
    };
    pack(16, |i| {
        (product(2 * i) + product(2 * i + 1)).clamp(i16::MIN.into(), i16::MAX.into()) as u128
    })
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// A `v128 -> v128` operator.
pub(crate) fn unary(op: SimdUnOp, a: u128, nd: &mut Nondet) -> u128 {
    use SimdUnOp::*;
    match op {
        V128Not => !a,
        I8x16Abs => map1(a, i8::wrapping_abs),
        I8x16Neg => map1(a, i8::wrapping_neg),
        I8x16Popcnt => map1(a, |x: u8| x.count_ones() as u8),
        I16x8Abs => map1(a, i16::wrapping_abs),
        I16x8Neg => map1(a, i16::wrapping_neg),
        I16x8ExtAddPairwiseI8x16S => extadd_pairwise::<i8>(a),
        I16x8ExtAddPairwiseI8x16U => extadd_pairwise::<u8>(a),
        I16x8ExtendLowI8x16S => extend::<i8>(a, 0, 16),
        I16x8ExtendHighI8x16S => extend::<i8>(a, 8, 16),
        I16x8ExtendLowI8x16U => extend::<u8>(a, 0, 16),
        I16x8ExtendHighI8x16U => extend::<u8>(a, 8, 16),
        I32x4Abs => map1(a, i32::wrapping_abs),
        I32x4Neg => map1(a, i32::wrapping_neg),
        I32x4ExtAddPairwiseI16x8S => extadd_pairwise::<i16>(a),
        I32x4ExtAddPairwiseI16x8U => extadd_pairwise::<u16>(a),
        I32x4ExtendLowI16x8S => extend::<i16>(a, 0, 32),
        I32x4ExtendHighI16x8S => extend::<i16>(a, 4, 32),
        I32x4ExtendLowI16x8U => extend::<u16>(a, 0, 32),
        I32x4ExtendHighI16x8U => extend::<u16>(a, 4, 32),
        I64x2Abs => map1(a, i64::wrapping_abs),
        I64x2Neg => map1(a, i64::wrapping_neg),
        I64x2ExtendLowI32x4S => extend::<i32>(a, 0, 64),
        I64x2ExtendHighI32x4S => extend::<i32>(a, 2, 64),
        I64x2ExtendLowI32x4U => extend::<u32>(a, 0, 64),
        I64x2ExtendHighI32x4U => extend::<u32>(a, 2, 64),

        F32x4Ceil => fmap1(a, nd, f32::ceil),
        F32x4Floor => fmap1(a, nd, f32::floor),
        F32x4Trunc => fmap1(a, nd, f32::trunc),
        F32x4Nearest => fmap1(a, nd, f32::round_ties_even),
        F32x4Sqrt => fmap1(a, nd, f32::sqrt),
        F32x4Abs => a & !sign_bits::<f32>(),
        F32x4Neg => a ^ sign_bits::<f32>(),
        F64x2Ceil => fmap1(a, nd, f64::ceil),
        F64x2Floor => fmap1(a, nd, f64::floor),
        F64x2Trunc => fmap1(a, nd, f64::trunc),
        F64x2Nearest => fmap1(a, nd, f64::round_ties_even),
        F64x2Sqrt => fmap1(a, nd, f64::sqrt),
        F64x2Abs => a & !sign_bits::<f64>(),
        F64x2Neg => a ^ sign_bits::<f64>(),

        I32x4TruncSatF32x4S => trunc_i32x4(a, false, true, None),
        I32x4TruncSatF32x4U => trunc_i32x4(a, false, false, None),
        I32x4TruncSatF64x2SZero => trunc_i32x4(a, true, true, None),
        I32x4TruncSatF64x2UZero => trunc_i32x4(a, true, false, None),
        F32x4ConvertI32x4S => pack(32, |i| (lane::<i32>(a, i) as f32).bits()),
        F32x4ConvertI32x4U => pack(32, |i| (lane::<u32>(a, i) as f32).bits()),
        F64x2ConvertLowI32x4S => pack(64, |i| f64::from(lane::<i32>(a, i)).bits()),
        F64x2ConvertLowI32x4U => pack(64, |i| f64::from(lane::<u32>(a, i)).bits()),
        F32x4DemoteF64x2Zero => pack(32, |i| match i {
            0 | 1 => {
                let x = lane::<f64>(a, i);
                result(nd, x as f32, x.non_canonical())
            }
            _ => 0,
        }),
        F64x2PromoteLowF32x4 => pack(64, |i| {
            let x = lane::<f32>(a, i);
            result(nd, f64::from(x), x.non_canonical())
        }),

        I32x4RelaxedTruncF32x4S | I32x4RelaxedTruncF64x2SZero => {
            let r = RELAXED_TRUNC_S.get(relaxed(nd, Relaxed::TruncS, RELAXED_TRUNC_S.len()));
            trunc_i32x4(
                a,
                op == I32x4RelaxedTruncF64x2SZero,
                true,
                r.copied().flatten(),
            )
        }
        I32x4RelaxedTruncF32x4U | I32x4RelaxedTruncF64x2UZero => {
            let r = RELAXED_TRUNC_U.get(relaxed(nd, Relaxed::TruncU, RELAXED_TRUNC_U.len()));
            trunc_i32x4(
                a,
                op == I32x4RelaxedTruncF64x2UZero,
                false,
                r.copied().flatten(),
            )
        }
    }
}

/// A `(v128, v128) -> v128` operator.
pub(crate) fn binary(op: SimdBinOp, a: u128, b: u128, nd: &mut Nondet) -> u128 {
    use SimdBinOp::*;
    match op {
        V128And => a & b,
        V128AndNot => a & !b,
        V128Or => a | b,
        V128Xor => a ^ b,
        I8x16Swizzle => pack(8, |i| swizzle_lane(a, lane(b, i))),
        I8x16RelaxedSwizzle => {
            let alt = relaxed(nd, Relaxed::Swizzle, 2);
            pack(8, |i| relaxed_swizzle_lane(a, lane(b, i), alt))
        }

        I8x16Eq => cmp(a, b, u8::eq),
        I8x16Ne => cmp(a, b, u8::ne),
        I8x16LtS => cmp(a, b, i8::lt),
        I8x16LtU => cmp(a, b, u8::lt),
        I8x16GtS => cmp(a, b, i8::gt),
        I8x16GtU => cmp(a, b, u8::gt),
        I8x16LeS => cmp(a, b, i8::le),
        I8x16LeU => cmp(a, b, u8::le),
        I8x16GeS => cmp(a, b, i8::ge),
        I8x16GeU => cmp(a, b, u8::ge),
        I16x8Eq => cmp(a, b, u16::eq),
        I16x8Ne => cmp(a, b, u16::ne),
        I16x8LtS => cmp(a, b, i16::lt),
        I16x8LtU => cmp(a, b, u16::lt),
        I16x8GtS => cmp(a, b, i16::gt),
        I16x8GtU => cmp(a, b, u16::gt),
        I16x8LeS => cmp(a, b, i16::le),
        I16x8LeU => cmp(a, b, u16::le),
        I16x8GeS => cmp(a, b, i16::ge),
        I16x8GeU => cmp(a, b, u16::ge),
        I32x4Eq => cmp(a, b, u32::eq),
        I32x4Ne => cmp(a, b, u32::ne),
        I32x4LtS => cmp(a, b, i32::lt),
        I32x4LtU => cmp(a, b, u32::lt),
        I32x4GtS => cmp(a, b, i32::gt),
        I32x4GtU => cmp(a, b, u32::gt),
        I32x4LeS => cmp(a, b, i32::le),
        I32x4LeU => cmp(a, b, u32::le),
        I32x4GeS => cmp(a, b, i32::ge),
        I32x4GeU => cmp(a, b, u32::ge),
        I64x2Eq => cmp(a, b, u64::eq),
        I64x2Ne => cmp(a, b, u64::ne),
        I64x2LtS => cmp(a, b, i64::lt),
        I64x2GtS => cmp(a, b, i64::gt),
        I64x2LeS => cmp(a, b, i64::le),
        I64x2GeS => cmp(a, b, i64::ge),
        // IEEE comparisons: false when either is NaN, except `ne`.
        F32x4Eq => cmp(a, b, f32::eq),
        F32x4Ne => cmp(a, b, f32::ne),
        F32x4Lt => cmp(a, b, f32::lt),
        F32x4Gt => cmp(a, b, f32::gt),
        F32x4Le => cmp(a, b, f32::le),
        F32x4Ge => cmp(a, b, f32::ge),
        F64x2Eq => cmp(a, b, f64::eq),
        F64x2Ne => cmp(a, b, f64::ne),
        F64x2Lt => cmp(a, b, f64::lt),
        F64x2Gt => cmp(a, b, f64::gt),
        F64x2Le => cmp(a, b, f64::le),
        F64x2Ge => cmp(a, b, f64::ge),

        I8x16NarrowI16x8S => narrow::<i16>(a, b, i8::MIN.into(), i8::MAX.into()),
        I8x16NarrowI16x8U => narrow::<i16>(a, b, 0, u8::MAX.into()),
        I16x8NarrowI32x4S => narrow::<i32>(a, b, i16::MIN.into(), i16::MAX.into()),
        I16x8NarrowI32x4U => narrow::<i32>(a, b, 0, u16::MAX.into()),

        I8x16Add => map2(a, b, u8::wrapping_add),
        I8x16AddSatS => map2(a, b, i8::saturating_add),
        I8x16AddSatU => map2(a, b, u8::saturating_add),
        I8x16Sub => map2(a, b, u8::wrapping_sub),
        I8x16SubSatS => map2(a, b, i8::saturating_sub),
        I8x16SubSatU => map2(a, b, u8::saturating_sub),
        I8x16MinS => map2(a, b, i8::min),
        I8x16MinU => map2(a, b, u8::min),
        I8x16MaxS => map2(a, b, i8::max),
        I8x16MaxU => map2(a, b, u8::max),
        I8x16AvgrU => avgr::<u8>(a, b),
        I16x8Add => map2(a, b, u16::wrapping_add),
        I16x8AddSatS => map2(a, b, i16::saturating_add),
        I16x8AddSatU => map2(a, b, u16::saturating_add),
        I16x8Sub => map2(a, b, u16::wrapping_sub),
        I16x8SubSatS => map2(a, b, i16::saturating_sub),
        I16x8SubSatU => map2(a, b, u16::saturating_sub),
        I16x8Mul => map2(a, b, u16::wrapping_mul),
        I16x8MinS => map2(a, b, i16::min),
        I16x8MinU => map2(a, b, u16::min),
        I16x8MaxS => map2(a, b, i16::max),
        I16x8MaxU => map2(a, b, u16::max),
        I16x8AvgrU => avgr::<u16>(a, b),
        I16x8Q15MulrSatS => pack(16, |i| q15mulr(lane(a, i), lane(b, i)) as u128),
        // Only -1.0 * -1.0 overflows: alternative 0 saturates, 1 wraps.
        I16x8RelaxedQ15mulrS => {
            let alt = relaxed(nd, Relaxed::Q15Mulr, 2);
            pack(16, |i| match (lane::<i16>(a, i), lane::<i16>(b, i)) {
                (i16::MIN, i16::MIN) if alt == 1 => 0x8000,
                (x, y) => q15mulr(x, y) as u128,
            })
        }
        I16x8ExtMulLowI8x16S => extmul::<i8>(a, b, 0),
        I16x8ExtMulHighI8x16S => extmul::<i8>(a, b, 8),
        I16x8ExtMulLowI8x16U => extmul::<u8>(a, b, 0),
        I16x8ExtMulHighI8x16U => extmul::<u8>(a, b, 8),
        I16x8RelaxedDotI8x16I7x16S => relaxed_dot_i16x8(a, b, relaxed(nd, Relaxed::Dot, 2)),
        I32x4Add => map2(a, b, u32::wrapping_add),
        I32x4Sub => map2(a, b, u32::wrapping_sub),
        I32x4Mul => map2(a, b, u32::wrapping_mul),
        I32x4MinS => map2(a, b, i32::min),
        I32x4MinU => map2(a, b, u32::min),
        I32x4MaxS => map2(a, b, i32::max),
        I32x4MaxU => map2(a, b, u32::max),
        // `dot_i16x8_s`: the pair sums wrap (only for four times -32768).
        I32x4DotI16x8S => {
            let product = |k| lane::<i16>(a, k).wide() * lane::<i16>(b, k).wide();
            pack(32, |i| (product(2 * i) + product(2 * i + 1)) as u128)
        }
        I32x4ExtMulLowI16x8S => extmul::<i16>(a, b, 0),
        I32x4ExtMulHighI16x8S => extmul::<i16>(a, b, 4),
        I32x4ExtMulLowI16x8U => extmul::<u16>(a, b, 0),
        I32x4ExtMulHighI16x8U => extmul::<u16>(a, b, 4),
        I64x2Add => map2(a, b, u64::wrapping_add),
        I64x2Sub => map2(a, b, u64::wrapping_sub),
        I64x2Mul => map2(a, b, u64::wrapping_mul),
        I64x2ExtMulLowI32x4S => extmul::<i32>(a, b, 0),
        I64x2ExtMulHighI32x4S => extmul::<i32>(a, b, 2),
        I64x2ExtMulLowI32x4U => extmul::<u32>(a, b, 0),
        I64x2ExtMulHighI32x4U => extmul::<u32>(a, b, 2),

        F32x4Add => fmap2(a, b, nd, f32::add),
        F32x4Sub => fmap2(a, b, nd, f32::sub),
        F32x4Mul => fmap2(a, b, nd, f32::mul),
        F32x4Div => fmap2(a, b, nd, f32::div),
        F32x4Min => fmap2(a, b, nd, fmin::<f32>),
        F32x4Max => fmap2(a, b, nd, fmax::<f32>),
        F32x4PMin => map2(a, b, pmin::<f32>),
        F32x4PMax => map2(a, b, pmax::<f32>),
        F32x4RelaxedMin => relaxed_min_max::<f32>(a, b, nd, true),
        F32x4RelaxedMax => relaxed_min_max::<f32>(a, b, nd, false),
        F64x2Add => fmap2(a, b, nd, f64::add),
        F64x2Sub => fmap2(a, b, nd, f64::sub),
        F64x2Mul => fmap2(a, b, nd, f64::mul),
        F64x2Div => fmap2(a, b, nd, f64::div),
        F64x2Min => fmap2(a, b, nd, fmin::<f64>),
        F64x2Max => fmap2(a, b, nd, fmax::<f64>),
        F64x2PMin => map2(a, b, pmin::<f64>),
        F64x2PMax => map2(a, b, pmax::<f64>),
        F64x2RelaxedMin => relaxed_min_max::<f64>(a, b, nd, true),
        F64x2RelaxedMax => relaxed_min_max::<f64>(a, b, nd, false),
    }
}

/// A `(v128, v128, v128) -> v128` operator.
pub(crate) fn ternary(op: SimdTernOp, a: u128, b: u128, c: u128, nd: &mut Nondet) -> u128 {
    use SimdTernOp::*;
    match op {
        V128Bitselect => bitselect(a, b, c),
        F32x4RelaxedMadd => relaxed_madd::<f32>(a, b, c, nd, false),
        F32x4RelaxedNmadd => relaxed_madd::<f32>(a, b, c, nd, true),
        F64x2RelaxedMadd => relaxed_madd::<f64>(a, b, c, nd, false),
        F64x2RelaxedNmadd => relaxed_madd::<f64>(a, b, c, nd, true),
        I8x16RelaxedLaneselect => relaxed_laneselect(a, b, c, 8, nd),
        I16x8RelaxedLaneselect => relaxed_laneselect(a, b, c, 16, nd),
        I32x4RelaxedLaneselect => relaxed_laneselect(a, b, c, 32, nd),
        I64x2RelaxedLaneselect => relaxed_laneselect(a, b, c, 64, nd),
        // The i16x8 relaxed dot, pairwise added into i32x4, plus `c` (wrapping).
        I32x4RelaxedDotI8x16I7x16AddS => {
            let dot = relaxed_dot_i16x8(a, b, relaxed(nd, Relaxed::Dot, 2));
            let pair = |i| lane::<i16>(dot, 2 * i).wide() + lane::<i16>(dot, 2 * i + 1).wide();
            pack(32, |i| (pair(i) + lane::<i32>(c, i).wide()) as u128)
        }
    }
}

/// A shift; the count is taken modulo the lane width (`wrapping_sh*`).
pub(crate) fn shift(op: SimdShiftOp, a: u128, count: u32) -> u128 {
    use SimdShiftOp::*;
    match op {
        I8x16Shl => map1(a, |x: u8| x.wrapping_shl(count)),
        I8x16ShrS => map1(a, |x: i8| x.wrapping_shr(count)),
        I8x16ShrU => map1(a, |x: u8| x.wrapping_shr(count)),
        I16x8Shl => map1(a, |x: u16| x.wrapping_shl(count)),
        I16x8ShrS => map1(a, |x: i16| x.wrapping_shr(count)),
        I16x8ShrU => map1(a, |x: u16| x.wrapping_shr(count)),
        I32x4Shl => map1(a, |x: u32| x.wrapping_shl(count)),
        I32x4ShrS => map1(a, |x: i32| x.wrapping_shr(count)),
        I32x4ShrU => map1(a, |x: u32| x.wrapping_shr(count)),
        I64x2Shl => map1(a, |x: u64| x.wrapping_shl(count)),
        I64x2ShrS => map1(a, |x: i64| x.wrapping_shr(count)),
        I64x2ShrU => map1(a, |x: u64| x.wrapping_shr(count)),
    }
}

/// `*.splat` of a scalar slot.
pub(crate) fn splat(op: SimdSplatOp, x: u64) -> u128 {
    use SimdSplatOp::*;
    let bits = match op {
        I8x16 => 8,
        I16x8 => 16,
        I32x4 | F32x4 => 32,
        I64x2 | F64x2 => 64,
    };
    splat_bits(bits, x.into())
}

/// A `v128 -> i32` test.
pub(crate) fn test(op: SimdTestOp, a: u128) -> u32 {
    use SimdTestOp::*;
    match op {
        V128AnyTrue => (a != 0) as u32,
        I8x16AllTrue => all_true::<u8>(a),
        I16x8AllTrue => all_true::<u16>(a),
        I32x4AllTrue => all_true::<u32>(a),
        I64x2AllTrue => all_true::<u64>(a),
        I8x16Bitmask => bitmask::<i8>(a),
        I16x8Bitmask => bitmask::<i16>(a),
        I32x4Bitmask => bitmask::<i32>(a),
        I64x2Bitmask => bitmask::<i64>(a),
    }
}

/// `*.extract_lane`: the lane as a scalar slot (i32 results zero-extended).
pub(crate) fn extract_lane(op: SimdExtractOp, lane_index: u8, a: u128) -> u64 {
    use SimdExtractOp::*;
    let i = lane_index.into();
    match op {
        I8x16S => lane::<i8>(a, i) as i32 as u32 as u64,
        I8x16U => lane::<u8>(a, i).into(),
        I16x8S => lane::<i16>(a, i) as i32 as u32 as u64,
        I16x8U => lane::<u16>(a, i).into(),
        I32x4 | F32x4 => lane::<u32>(a, i).into(),
        I64x2 | F64x2 => lane::<u64>(a, i),
    }
}

/// `*.replace_lane`: `a` with the lane set to the low bits of the slot.
pub(crate) fn replace_lane(op: SimdReplaceOp, lane_index: u8, a: u128, x: u64) -> u128 {
    use SimdReplaceOp::*;
    let bits = match op {
        I8x16 => 8,
        I16x8 => 16,
        I32x4 | F32x4 => 32,
        I64x2 | F64x2 => 64,
    };
    set_lane(a, bits, lane_index.into(), x.into())
}

/// `i8x16.shuffle`: lane `i` is byte `lanes[i]` of the 32 bytes of `a` then `b`.
pub(crate) fn shuffle(lanes: &[u8; 16], a: u128, b: u128) -> u128 {
    pack(8, |i| {
        let j = usize::from(lanes[i % 16] % 32);
        let source = if j < 16 { a } else { b };
        lane::<u8>(source, j).into()
    })
}

/// How many bytes a `v128.load*` reads.
pub(crate) fn load_access_size(op: SimdLoadOp) -> usize {
    use SimdLoadOp::*;
    match op {
        Full => 16,
        Extend8x8S | Extend8x8U | Extend16x4S | Extend16x4U | Extend32x2S | Extend32x2U => 8,
        Splat8 => 1,
        Splat16 => 2,
        Splat32 | Zero32 => 4,
        Splat64 | Zero64 => 8,
    }
}

/// The little-endian value of up to the first `size` (at most 16) bytes.
fn le_bytes(bytes: &[u8], size: usize) -> u128 {
    let mut buf = [0; 16];
    for (to, from) in buf.iter_mut().zip(bytes).take(size) {
        *to = *from;
    }
    u128::from_le_bytes(buf)
}

/// A `v128.load*` of the bytes read (`load_access_size(op)` of them).
pub(crate) fn load(op: SimdLoadOp, bytes: &[u8]) -> u128 {
    use SimdLoadOp::*;
    let v = le_bytes(bytes, load_access_size(op));
    match op {
        Full | Zero32 | Zero64 => v,
        Extend8x8S => extend::<i8>(v, 0, 16),
        Extend8x8U => extend::<u8>(v, 0, 16),
        Extend16x4S => extend::<i16>(v, 0, 32),
        Extend16x4U => extend::<u16>(v, 0, 32),
        Extend32x2S => extend::<i32>(v, 0, 64),
        Extend32x2U => extend::<u32>(v, 0, 64),
        Splat8 => splat_bits(8, v),
        Splat16 => splat_bits(16, v),
        Splat32 => splat_bits(32, v),
        Splat64 => splat_bits(64, v),
    }
}

/// The lane width in bytes, which is also the access size.
pub(crate) fn lane_width_bytes(w: SimdLaneWidth) -> usize {
    match w {
        SimdLaneWidth::W8 => 1,
        SimdLaneWidth::W16 => 2,
        SimdLaneWidth::W32 => 4,
        SimdLaneWidth::W64 => 8,
    }
}

/// `v128.load*_lane`: `a` with the lane replaced by the bytes read.
pub(crate) fn load_lane(w: SimdLaneWidth, lane_index: u8, a: u128, bytes: &[u8]) -> u128 {
    let size = lane_width_bytes(w);
    set_lane(a, 8 * size as u32, lane_index.into(), le_bytes(bytes, size))
}

/// `v128.store*_lane`: the lane's bits, to be stored little-endian.
pub(crate) fn store_lane(w: SimdLaneWidth, lane_index: u8, a: u128) -> u64 {
    let i = lane_index.into();
    match w {
        SimdLaneWidth::W8 => lane::<u8>(a, i).into(),
        SimdLaneWidth::W16 => lane::<u16>(a, i).into(),
        SimdLaneWidth::W32 => lane::<u32>(a, i).into(),
        SimdLaneWidth::W64 => lane::<u64>(a, i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nondet::NondetMode;

    /// A vector from its first lanes (the rest zero).
    fn v<T: Lane>(lanes: &[T]) -> u128 {
        pack(T::BITS, |i| lanes.get(i).map_or(0, |x| x.bits()))
    }

    /// All lanes of `a` as `T`.
    fn ls<T: Lane>(a: u128) -> Vec<T> {
        (0..T::COUNT).map(|i| lane(a, i)).collect()
    }

    fn det() -> Nondet {
        Nondet::default()
    }

    fn un(op: SimdUnOp, a: u128) -> u128 {
        unary(op, a, &mut det())
    }

    fn bin(op: SimdBinOp, a: u128, b: u128) -> u128 {
        binary(op, a, b, &mut det())
    }

    fn tern(op: SimdTernOp, a: u128, b: u128, c: u128) -> u128 {
        ternary(op, a, b, c, &mut det())
    }

    const CANON32: u32 = F32_CANONICAL_NAN;
    const CANON64: u64 = F64_CANONICAL_NAN;
    /// A NaN with a payload other than the canonical one.
    const ODD_NAN32: u32 = 0x7fa0_0001;

    // --- classification -------------------------------------------------

    trait Dummy {
        fn dummy() -> Self;
    }
    impl Dummy for u8 {
        fn dummy() -> Self {
            0
        }
    }
    impl Dummy for [u8; 16] {
        fn dummy() -> Self {
            [0; 16]
        }
    }
    impl Dummy for wasmparser::V128 {
        fn dummy() -> Self {
            0u128.into()
        }
    }
    impl Dummy for MemArg {
        fn dummy() -> Self {
            MemArg {
                align: 0,
                max_align: 0,
                offset: 0,
                memory: 0,
            }
        }
    }

    /// Every `@simd` and `@relaxed_simd` operator of wasmparser, with its name.
    macro_rules! all_simd_operators {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            [$( (stringify!($op), Operator::$op $({ $($arg: <$argty as Dummy>::dummy()),* })?) ),*]
        };
    }

    #[test]
    fn every_simd_operator_is_classified() {
        let ops = wasmparser::for_each_visit_simd_operator!(all_simd_operators);
        assert_eq!(ops.len(), 256, "wasmparser's SIMD operator count changed");
        for (name, op) in &ops {
            let class = classify(op).unwrap_or_else(|| panic!("{name} is not classified"));
            // Operators without immediates mirror wasmparser's names.
            let mirrored = match class {
                SimdClass::Unary(o) => Some(format!("{o:?}")),
                SimdClass::Binary(o) => Some(format!("{o:?}")),
                SimdClass::Ternary(o) => Some(format!("{o:?}")),
                SimdClass::Shift(o) => Some(format!("{o:?}")),
                SimdClass::Test(o) => Some(format!("{o:?}")),
                _ => None,
            };
            if let Some(mirrored) = mirrored {
                assert_eq!(&mirrored, name);
            }
        }
    }

    /// Runs an operator of any class on the given operands.
    fn execute(class: SimdClass, x: [u128; 3], imm: u8, nd: &mut Nondet) -> u128 {
        let [a, b, c] = x;
        let bytes = a.to_le_bytes();
        let some_bytes = &bytes[..usize::from(imm) % 17];
        match class {
            SimdClass::Unary(o) => unary(o, a, nd),
            SimdClass::Binary(o) => binary(o, a, b, nd),
            SimdClass::Ternary(o) => ternary(o, a, b, c, nd),
            SimdClass::Shift(o) => shift(o, a, b as u32),
            SimdClass::Splat(o) => splat(o, b as u64),
            SimdClass::Test(o) => test(o, a).into(),
            SimdClass::ExtractLane(o, _) => extract_lane(o, imm, a).into(),
            SimdClass::ReplaceLane(o, _) => replace_lane(o, imm, a, b as u64),
            SimdClass::Const(k) => k,
            SimdClass::Shuffle(_) => shuffle(&b.to_le_bytes(), a, c),
            SimdClass::Load(o, _) => load(o, some_bytes) ^ load(o, &bytes[..load_access_size(o)]),
            SimdClass::Store(_) => 0,
            SimdClass::LoadLane(w, _, _) => load_lane(w, imm, a, some_bytes),
            SimdClass::StoreLane(w, _, _) => store_lane(w, imm, a).into(),
        }
    }

    #[test]
    fn no_operator_panics_on_any_input() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Edge lane values: zeros, ones, sign bits, NaNs, infinities.
        let edges = [
            0,
            u128::MAX,
            0x8000_0000_8000_0000_8000_0000_8000_0000,
            0x7fc0_0001_ff80_0000_7f80_0000_8000_0000,
        ];
        let ops = wasmparser::for_each_visit_simd_operator!(all_simd_operators);
        for seed in 0..4 {
            let mut nd = match seed {
                0 => det(),
                s => Nondet::new(NondetMode::Seeded(s)),
            };
            for (_, op) in &ops {
                let class = classify(op).expect("classified");
                for round in 0..64 {
                    let mut vector = || match round % 3 {
                        0 => edges[(next() % 4) as usize],
                        _ => u128::from(next()) << 64 | u128::from(next()),
                    };
                    let x = [vector(), vector(), vector()];
                    let _ = execute(class, x, next() as u8, &mut nd);
                }
            }
        }
    }

    #[test]
    fn non_simd_operators_are_not_classified() {
        let memarg = MemArg::dummy();
        for op in [
            Operator::Nop,
            Operator::Unreachable,
            Operator::I32Add,
            Operator::I32Const { value: 7 },
            Operator::F32Add,
            Operator::F64Sqrt,
            Operator::I64Load { memarg },
            Operator::LocalGet { local_index: 0 },
        ] {
            assert_eq!(classify(&op), None, "{op:?}");
        }
    }

    #[test]
    fn immediates_are_carried() {
        let memarg = MemArg {
            align: 3,
            max_align: 4,
            offset: 9,
            memory: 1,
        };
        let c = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128;
        assert_eq!(
            classify(&Operator::V128Const { value: c.into() }),
            Some(SimdClass::Const(c))
        );
        let lanes = [31; 16];
        assert_eq!(
            classify(&Operator::I8x16Shuffle { lanes }),
            Some(SimdClass::Shuffle(lanes))
        );
        assert_eq!(
            classify(&Operator::V128Load16Lane { memarg, lane: 5 }),
            Some(SimdClass::LoadLane(SimdLaneWidth::W16, memarg, 5))
        );
        assert_eq!(
            classify(&Operator::I16x8ExtractLaneU { lane: 7 }),
            Some(SimdClass::ExtractLane(SimdExtractOp::I16x8U, 7))
        );
        assert_eq!(
            classify(&Operator::V128Load32Zero { memarg }),
            Some(SimdClass::Load(SimdLoadOp::Zero32, memarg))
        );
    }

    #[test]
    fn operator_enums_are_small() {
        use std::mem::size_of;
        assert!(size_of::<SimdUnOp>() <= 2);
        assert!(size_of::<SimdBinOp>() <= 2);
        assert!(size_of::<SimdTernOp>() <= 2);
        assert!(size_of::<SimdShiftOp>() <= 2);
        assert!(size_of::<SimdSplatOp>() <= 2);
        assert!(size_of::<SimdTestOp>() <= 2);
        assert!(size_of::<SimdExtractOp>() <= 2);
        assert!(size_of::<SimdReplaceOp>() <= 2);
        assert!(size_of::<SimdLoadOp>() <= 2);
        assert!(size_of::<SimdLaneWidth>() <= 2);
    }

    // --- integer lanes --------------------------------------------------

    #[test]
    fn integer_arithmetic_wraps_and_saturates() {
        use SimdBinOp::*;
        let a = v::<i8>(&[127, -128, 100, -100, 1]);
        let b = v::<i8>(&[1, -1, 100, -100, 2]);
        assert_eq!(ls::<i8>(bin(I8x16Add, a, b))[..5], [-128, 127, -56, 56, 3]);
        assert_eq!(
            ls::<i8>(bin(I8x16AddSatS, a, b))[..5],
            [127, -128, 127, -128, 3]
        );
        assert_eq!(
            ls::<i8>(bin(I8x16SubSatS, a, b))[..5],
            [126, -127, 0, 0, -1]
        );
        let (x, y) = (v::<u8>(&[250, 3, 255]), v::<u8>(&[10, 5, 255]));
        assert_eq!(ls::<u8>(bin(I8x16AddSatU, x, y))[..3], [255, 8, 255]);
        assert_eq!(ls::<u8>(bin(I8x16SubSatU, x, y))[..3], [240, 0, 0]);
        assert_eq!(ls::<u8>(bin(I8x16AvgrU, x, y))[..3], [130, 4, 255]);
        assert_eq!(
            ls::<u16>(bin(
                I16x8AvgrU,
                v::<u16>(&[1, 65535]),
                v::<u16>(&[2, 65534])
            ))[..2],
            [2, 65535]
        );
        assert_eq!(ls::<i8>(bin(I8x16MinS, a, b))[..2], [1, -128]);
        assert_eq!(ls::<u8>(bin(I8x16MinU, a, b))[..2], [1, 0x80]);
        let m = bin(I16x8Mul, v::<i16>(&[300, -2]), v::<i16>(&[300, 16384]));
        assert_eq!(ls::<i16>(m)[..2], [300i32.wrapping_mul(300) as i16, -32768]);
        let m = bin(I64x2Mul, v::<u64>(&[u64::MAX, 3]), v::<u64>(&[2, 5]));
        assert_eq!(ls::<u64>(m), [u64::MAX - 1, 15]);
        let m = bin(I32x4MaxU, v::<i32>(&[-1, 5]), v::<i32>(&[1, 6]));
        assert_eq!(ls::<i32>(m)[..2], [-1, 6]);
    }

    #[test]
    fn unary_integer_operators() {
        use SimdUnOp::*;
        assert_eq!(
            ls::<i8>(un(I8x16Abs, v::<i8>(&[-128, -5, 5])))[..3],
            [-128, 5, 5]
        );
        assert_eq!(
            ls::<i64>(un(I64x2Neg, v::<i64>(&[i64::MIN, 7]))),
            [i64::MIN, -7]
        );
        assert_eq!(
            ls::<u8>(un(I8x16Popcnt, v::<u8>(&[0xff, 0x81, 0])))[..3],
            [8, 2, 0]
        );
        assert_eq!(un(V128Not, 0), u128::MAX);
        let a = v::<i8>(&[-128, -128, 127, 127, -1, 1]);
        assert_eq!(
            ls::<i16>(un(I16x8ExtAddPairwiseI8x16S, a))[..3],
            [-256, 254, 0]
        );
        assert_eq!(
            ls::<u16>(un(I16x8ExtAddPairwiseI8x16U, a))[..3],
            [256, 254, 256]
        );
        let a = v::<i16>(&[-1, -32768, 0, 0, 5, -6, 7, -8]);
        assert_eq!(
            ls::<i32>(un(I32x4ExtAddPairwiseI16x8U, a)),
            [65535 + 32768, 0, 65535, 65535]
        );
        assert_eq!(ls::<i32>(un(I32x4ExtendHighI16x8S, a)), [5, -6, 7, -8]);
        assert_eq!(ls::<u32>(un(I32x4ExtendLowI16x8U, a)), [65535, 32768, 0, 0]);
        let a = v::<i32>(&[-1, 2, -3, 4]);
        assert_eq!(ls::<i64>(un(I64x2ExtendHighI32x4S, a)), [-3, 4]);
        assert_eq!(ls::<u64>(un(I64x2ExtendLowI32x4U, a)), [0xffff_ffff, 2]);
        let a = v::<i8>(&[0, 0, 0, 0, 0, 0, 0, 0, -1, 2]);
        assert_eq!(ls::<i16>(un(I16x8ExtendHighI8x16S, a))[..2], [-1, 2]);
        assert_eq!(ls::<u16>(un(I16x8ExtendHighI8x16U, a))[..2], [255, 2]);
    }

    #[test]
    fn shifts_take_the_count_modulo_the_lane_width() {
        use SimdShiftOp::*;
        let a = v::<i8>(&[-128, 64, 1]);
        assert_eq!(ls::<i8>(shift(I8x16Shl, a, 9))[..3], [0, -128, 2]);
        assert_eq!(ls::<i8>(shift(I8x16ShrS, a, 8))[..3], [-128, 64, 1]);
        assert_eq!(ls::<i8>(shift(I8x16ShrS, a, 15))[..3], [-1, 0, 0]);
        assert_eq!(ls::<u8>(shift(I8x16ShrU, a, 7))[..3], [1, 0, 0]);
        let a = v::<i16>(&[-32768, 3]);
        assert_eq!(ls::<i16>(shift(I16x8ShrS, a, 17))[..2], [-16384, 1]);
        assert_eq!(ls::<u16>(shift(I16x8ShrU, a, 16))[..2], [0x8000, 3]);
        let a = v::<i32>(&[1, -1, 0, 0]);
        assert_eq!(ls::<i32>(shift(I32x4Shl, a, 33))[..2], [2, -2]);
        let a = v::<i64>(&[i64::MIN, 1]);
        assert_eq!(ls::<i64>(shift(I64x2ShrS, a, 65)), [i64::MIN >> 1, 0]);
        assert_eq!(ls::<u64>(shift(I64x2ShrU, a, 127)), [1, 0]);
        assert_eq!(ls::<u64>(shift(I64x2Shl, a, u32::MAX)), [0, 1 << 63]);
    }

    #[test]
    fn narrowing_saturates() {
        use SimdBinOp::*;
        let a = v::<i16>(&[300, -300, 127, -128, 255, 256, -1, 0]);
        let b = v::<i16>(&[1, 2, 3, 4, 5, 6, 7, i16::MIN]);
        let s = ls::<i8>(bin(I8x16NarrowI16x8S, a, b));
        assert_eq!(
            s,
            [
                127, -128, 127, -128, 127, 127, -1, 0, 1, 2, 3, 4, 5, 6, 7, -128
            ]
        );
        let u = ls::<u8>(bin(I8x16NarrowI16x8U, a, b));
        assert_eq!(u, [255, 0, 127, 0, 255, 255, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0]);
        let a = v::<i32>(&[70000, -70000, 65535, -1]);
        assert_eq!(
            ls::<i16>(bin(I16x8NarrowI32x4S, a, a))[..4],
            [32767, -32768, 32767, -1]
        );
        assert_eq!(
            ls::<u16>(bin(I16x8NarrowI32x4U, a, a))[..4],
            [65535, 0, 65535, 0]
        );
    }

    #[test]
    fn q15mulr_saturates_only_the_overflowing_case() {
        let a = v::<i16>(&[i16::MIN, i16::MIN, 16384, 1, -1, i16::MAX]);
        let b = v::<i16>(&[i16::MIN, i16::MAX, 16384, 16384, 16384, i16::MAX]);
        let r = ls::<i16>(bin(SimdBinOp::I16x8Q15MulrSatS, a, b));
        assert_eq!(r[..6], [i16::MAX, -32767, 8192, 1, 0, 32766]);
        // Relaxed: the deterministic choice saturates as well.
        let r = ls::<i16>(bin(SimdBinOp::I16x8RelaxedQ15mulrS, a, b));
        assert_eq!(r[..6], [i16::MAX, -32767, 8192, 1, 0, 32766]);
    }

    #[test]
    fn dot_extmul_and_products() {
        use SimdBinOp::*;
        let a = v::<i16>(&[i16::MIN, i16::MIN, 1, 2, 3, 4, -5, 6]);
        let b = v::<i16>(&[i16::MIN, i16::MIN, 7, 8, 9, 10, 11, 12]);
        assert_eq!(ls::<i32>(bin(I32x4DotI16x8S, a, b)), [i32::MIN, 23, 67, 17]);
        assert_eq!(
            ls::<i32>(bin(I32x4ExtMulLowI16x8S, a, b)),
            [1 << 30, 1 << 30, 7, 16]
        );
        assert_eq!(
            ls::<u32>(bin(I32x4ExtMulLowI16x8U, a, b)),
            [1 << 30, 1 << 30, 7, 16]
        );
        let x = v::<i8>(&[-1; 16]);
        assert_eq!(ls::<i16>(bin(I16x8ExtMulHighI8x16S, x, x)), [1; 8]);
        assert_eq!(ls::<u16>(bin(I16x8ExtMulHighI8x16U, x, x)), [65025; 8]);
        let x = v::<u32>(&[0, 0, u32::MAX, 2]);
        assert_eq!(
            ls::<u64>(bin(I64x2ExtMulHighI32x4U, x, x)),
            [0xffff_fffe_0000_0001, 4]
        );
        assert_eq!(ls::<i64>(bin(I64x2ExtMulHighI32x4S, x, x)), [1, 4]);
    }

    #[test]
    fn comparisons_give_lane_masks() {
        use SimdBinOp::*;
        let (a, b) = (v::<i8>(&[-1, 1, 2]), v::<i8>(&[1, 1, 1]));
        assert_eq!(ls::<u8>(bin(I8x16LtS, a, b))[..3], [0xff, 0, 0]);
        assert_eq!(ls::<u8>(bin(I8x16LtU, a, b))[..3], [0, 0, 0]);
        assert_eq!(ls::<u8>(bin(I8x16GeU, a, b))[..3], [0xff, 0xff, 0xff]);
        assert_eq!(
            ls::<u64>(bin(I64x2LtS, v::<i64>(&[-1, 3]), v::<i64>(&[0, 3]))),
            [u64::MAX, 0]
        );
        let nan = f32::from_bits(CANON32);
        let (x, y) = (
            v::<f32>(&[nan, 0.0, 1.0, nan]),
            v::<f32>(&[nan, -0.0, 2.0, 1.0]),
        );
        assert_eq!(ls::<u32>(bin(F32x4Eq, x, y)), [0, u32::MAX, 0, 0]);
        assert_eq!(
            ls::<u32>(bin(F32x4Ne, x, y)),
            [u32::MAX, 0, u32::MAX, u32::MAX]
        );
        assert_eq!(ls::<u32>(bin(F32x4Lt, x, y)), [0, 0, u32::MAX, 0]);
        assert_eq!(
            ls::<u64>(bin(
                F64x2Ge,
                v::<f64>(&[f64::NAN, 2.0]),
                v::<f64>(&[1.0, 2.0])
            )),
            [0, u64::MAX]
        );
    }

    #[test]
    fn tests_and_bitmasks() {
        use SimdTestOp::*;
        assert_eq!(test(V128AnyTrue, 0), 0);
        assert_eq!(test(V128AnyTrue, 1 << 100), 1);
        assert_eq!(test(I8x16AllTrue, v::<u8>(&[1; 16])), 1);
        assert_eq!(test(I8x16AllTrue, v::<u8>(&[1; 15])), 0);
        assert_eq!(test(I64x2AllTrue, v::<u64>(&[1 << 63, 1])), 1);
        assert_eq!(test(I8x16Bitmask, v::<i8>(&[-1, 0, -128, 127])), 0b101);
        assert_eq!(
            test(I16x8Bitmask, v::<i16>(&[0, 0, 0, 0, 0, 0, 0, -1])),
            0x80
        );
        assert_eq!(test(I32x4Bitmask, u128::MAX), 0xf);
        assert_eq!(test(I64x2Bitmask, v::<i64>(&[1, -1])), 0b10);
    }

    #[test]
    fn swizzle_and_shuffle() {
        let a = v::<u8>(&core::array::from_fn::<u8, 16, _>(|i| 10 + i as u8));
        let idx = v::<u8>(&[0, 15, 16, 255, 128, 3]);
        let r = ls::<u8>(bin(SimdBinOp::I8x16Swizzle, a, idx));
        assert_eq!(r[..6], [10, 25, 0, 0, 0, 13]);
        assert_eq!(r[6..], [10; 10]);
        // Relaxed: the deterministic choice is the same.
        assert_eq!(
            bin(SimdBinOp::I8x16RelaxedSwizzle, a, idx),
            bin(SimdBinOp::I8x16Swizzle, a, idx)
        );
        let b = v::<u8>(&core::array::from_fn::<u8, 16, _>(|i| 100 + i as u8));
        let lanes = core::array::from_fn(|i| 31 - i as u8);
        let r = ls::<u8>(shuffle(&lanes, a, b));
        assert_eq!(r[..2], [115, 114]);
        assert_eq!(r[15], 100);
        // Out-of-range lane immediates (rejected by validation) wrap, never panic.
        assert_eq!(ls::<u8>(shuffle(&[255; 16], a, b)), [115; 16]);
    }

    #[test]
    fn bitwise_operators() {
        use SimdBinOp::*;
        let (a, b) = (0xff00_ff00u128, 0x0ff0_0ff0u128);
        assert_eq!(bin(V128And, a, b), 0x0f00_0f00);
        assert_eq!(bin(V128AndNot, a, b), 0xf000_f000);
        assert_eq!(bin(V128Or, a, b), 0xfff0_fff0);
        assert_eq!(bin(V128Xor, a, b), 0xf0f0_f0f0);
        assert_eq!(
            tern(SimdTernOp::V128Bitselect, a, b, 0xffff_0000),
            0xff00_0ff0
        );
    }

    // --- float lanes ----------------------------------------------------

    #[test]
    fn float_arithmetic_and_nan_results() {
        use SimdBinOp::*;
        let odd = f32::from_bits(ODD_NAN32);
        let a = v::<f32>(&[1.5, f32::INFINITY, odd, 0.0]);
        let b = v::<f32>(&[2.25, f32::NEG_INFINITY, 1.0, 0.0]);
        assert_eq!(
            ls::<u32>(bin(F32x4Add, a, b)),
            [3.75f32.to_bits(), CANON32, CANON32, 0]
        );
        assert_eq!(ls::<u32>(bin(F32x4Div, a, b))[3], CANON32);
        assert_eq!(
            ls::<f64>(bin(F64x2Mul, v::<f64>(&[1.5, -2.0]), v::<f64>(&[4.0, 0.5]))),
            [6.0, -1.0]
        );
        // Seeded NaNs: arithmetic (quiet) when an input was a non-canonical NaN,
        // canonical (either sign) when none was.
        let mut nd = Nondet::new(NondetMode::Seeded(5));
        for _ in 0..50 {
            let r = ls::<u32>(binary(F32x4Add, a, b, &mut nd));
            assert_eq!(r[0], 3.75f32.to_bits());
            assert_eq!(r[1] & 0x7fff_ffff, CANON32, "inf - inf: canonical");
            assert!(f32::from_bits(r[2]).is_nan() && r[2] & 0x0040_0000 != 0);
        }
        let r = ls::<u32>(un(
            SimdUnOp::F32x4Sqrt,
            v::<f32>(&[-1.0, 4.0, -0.0, f32::INFINITY]),
        ));
        assert_eq!(
            r,
            [
                CANON32,
                2f32.to_bits(),
                (-0f32).to_bits(),
                f32::INFINITY.to_bits()
            ]
        );
    }

    #[test]
    fn abs_neg_only_touch_the_sign_bit() {
        use SimdUnOp::*;
        let a = v::<u32>(&[ODD_NAN32 | 0x8000_0000, ODD_NAN32, (-1.5f32).to_bits(), 0]);
        assert_eq!(
            ls::<u32>(un(F32x4Abs, a)),
            [ODD_NAN32, ODD_NAN32, 1.5f32.to_bits(), 0]
        );
        assert_eq!(
            ls::<u32>(un(F32x4Neg, a)),
            [
                ODD_NAN32,
                ODD_NAN32 | 0x8000_0000,
                1.5f32.to_bits(),
                0x8000_0000
            ]
        );
        let a = v::<u64>(&[0x7ff0_0000_0000_0001, (-0f64).to_bits()]);
        assert_eq!(ls::<u64>(un(F64x2Neg, a)), [0xfff0_0000_0000_0001, 0]);
        assert_eq!(ls::<u64>(un(F64x2Abs, a)), [0x7ff0_0000_0000_0001, 0]);
    }

    #[test]
    fn min_max_order_zeros_and_propagate_nans() {
        use SimdBinOp::*;
        let nan = f32::from_bits(ODD_NAN32);
        let a = v::<f32>(&[0.0, -0.0, nan, 1.0]);
        let b = v::<f32>(&[-0.0, 0.0, 1.0, f32::NEG_INFINITY]);
        let neg0 = (-0f32).to_bits();
        assert_eq!(
            ls::<u32>(bin(F32x4Min, a, b)),
            [neg0, neg0, CANON32, f32::NEG_INFINITY.to_bits()]
        );
        assert_eq!(
            ls::<u32>(bin(F32x4Max, a, b)),
            [0, 0, CANON32, 1f32.to_bits()]
        );
        let r = ls::<u64>(bin(
            F64x2Min,
            v::<f64>(&[-0.0, 2.0]),
            v::<f64>(&[0.0, f64::NAN]),
        ));
        assert_eq!(r, [(-0f64).to_bits(), CANON64]);
    }

    #[test]
    fn pmin_pmax_select_an_input_bit_for_bit() {
        use SimdBinOp::*;
        let nan = f32::from_bits(ODD_NAN32);
        let a = v::<f32>(&[nan, 1.0, 0.0, -0.0]);
        let b = v::<f32>(&[1.0, nan, -0.0, 0.0]);
        assert_eq!(
            ls::<u32>(bin(F32x4PMin, a, b)),
            [ODD_NAN32, 1f32.to_bits(), 0, (-0f32).to_bits()]
        );
        assert_eq!(
            ls::<u32>(bin(F32x4PMax, a, b)),
            [ODD_NAN32, 1f32.to_bits(), 0, (-0f32).to_bits()]
        );
        let r = ls::<f64>(bin(
            F64x2PMax,
            v::<f64>(&[1.0, 3.0]),
            v::<f64>(&[2.0, -3.0]),
        ));
        assert_eq!(r, [2.0, 3.0]);
    }

    #[test]
    fn rounding() {
        use SimdUnOp::*;
        let a = v::<f32>(&[2.5, -0.5, 3.5, -2.5]);
        assert_eq!(
            ls::<u32>(un(F32x4Nearest, a)),
            [2f32, -0.0, 4.0, -2.0].map(f32::to_bits)
        );
        assert_eq!(
            ls::<u32>(un(F32x4Ceil, a)),
            [3f32, -0.0, 4.0, -2.0].map(f32::to_bits)
        );
        assert_eq!(
            ls::<u32>(un(F32x4Floor, a)),
            [2f32, -1.0, 3.0, -3.0].map(f32::to_bits)
        );
        assert_eq!(
            ls::<u32>(un(F32x4Trunc, a)),
            [2f32, -0.0, 3.0, -2.0].map(f32::to_bits)
        );
        let a = v::<f64>(&[0.5, -1.5]);
        assert_eq!(
            ls::<u64>(un(F64x2Nearest, a)),
            [0f64, -2.0].map(f64::to_bits)
        );
        assert_eq!(ls::<u64>(un(F64x2Floor, a)), [0f64, -2.0].map(f64::to_bits));
        let r = ls::<u64>(un(F64x2Ceil, v::<u64>(&[0x7ff4_0000_0000_0000, CANON64])));
        assert_eq!(r, [CANON64, CANON64]);
    }

    #[test]
    fn trunc_sat_saturates_and_maps_nan_to_zero() {
        use SimdUnOp::*;
        let a = v::<f32>(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1.9]);
        assert_eq!(
            ls::<i32>(un(I32x4TruncSatF32x4S, a)),
            [0, i32::MAX, i32::MIN, -1]
        );
        assert_eq!(ls::<u32>(un(I32x4TruncSatF32x4U, a)), [0, u32::MAX, 0, 0]);
        let a = v::<f64>(&[-2147483649.0, 4294967295.9]);
        assert_eq!(
            ls::<i32>(un(I32x4TruncSatF64x2SZero, a)),
            [i32::MIN, i32::MAX, 0, 0]
        );
        assert_eq!(
            ls::<u32>(un(I32x4TruncSatF64x2UZero, a)),
            [0, u32::MAX, 0, 0]
        );
        // Relaxed: the deterministic choice saturates as well.
        let a = v::<f32>(&[f32::NAN, 3e9, -3e9, 7.5]);
        assert_eq!(
            ls::<i32>(un(I32x4RelaxedTruncF32x4S, a)),
            [0, i32::MAX, i32::MIN, 7]
        );
        assert_eq!(
            ls::<u32>(un(I32x4RelaxedTruncF32x4U, a)),
            [0, 3_000_000_000, 0, 7]
        );
        let a = v::<f64>(&[f64::NAN, 5e9]);
        assert_eq!(
            ls::<i32>(un(I32x4RelaxedTruncF64x2SZero, a)),
            [0, i32::MAX, 0, 0]
        );
        assert_eq!(
            ls::<u32>(un(I32x4RelaxedTruncF64x2UZero, a)),
            [0, u32::MAX, 0, 0]
        );
    }

    #[test]
    fn conversions() {
        use SimdUnOp::*;
        let a = v::<i32>(&[-1, i32::MAX, 16_777_217, 0]);
        assert_eq!(
            ls::<f32>(un(F32x4ConvertI32x4S, a)),
            [-1.0, 2147483648.0, 16777216.0, 0.0]
        );
        assert_eq!(
            ls::<f32>(un(F32x4ConvertI32x4U, a)),
            [4294967296.0, 2147483648.0, 16777216.0, 0.0]
        );
        assert_eq!(
            ls::<f64>(un(F64x2ConvertLowI32x4S, a)),
            [-1.0, 2147483647.0]
        );
        assert_eq!(
            ls::<f64>(un(F64x2ConvertLowI32x4U, a)),
            [4294967295.0, 2147483647.0]
        );
        let a = v::<f64>(&[1e300, f64::from_bits(0x7ff4_0000_0000_0000)]);
        assert_eq!(
            ls::<u32>(un(F32x4DemoteF64x2Zero, a)),
            [f32::INFINITY.to_bits(), CANON32, 0, 0]
        );
        let r = ls::<f32>(un(
            F32x4DemoteF64x2Zero,
            v::<f64>(&[1.0 + f64::EPSILON, -0.1]),
        ));
        assert_eq!(r, [1.0, -0.1, 0.0, 0.0]);
        let a = v::<u32>(&[(-1.25f32).to_bits(), ODD_NAN32, 5, 6]);
        assert_eq!(
            ls::<u64>(un(F64x2PromoteLowF32x4, a)),
            [(-1.25f64).to_bits(), CANON64]
        );
    }

    // --- lanes, splats and memory ---------------------------------------

    #[test]
    fn splat_extract_replace() {
        use SimdExtractOp as E;
        assert_eq!(
            splat(SimdSplatOp::I8x16, 0x1ff),
            u128::from_le_bytes([0xff; 16])
        );
        assert_eq!(
            ls::<u16>(splat(SimdSplatOp::I16x8, 0xabcd_1234)),
            [0x1234; 8]
        );
        assert_eq!(
            ls::<f32>(splat(SimdSplatOp::F32x4, 1.5f32.to_bits().into())),
            [1.5; 4]
        );
        assert_eq!(ls::<u64>(splat(SimdSplatOp::F64x2, 7)), [7, 7]);
        let a = v::<i8>(&[0, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        assert_eq!(extract_lane(E::I8x16S, 1, a), 0xffff_ff80);
        assert_eq!(extract_lane(E::I8x16U, 1, a), 0x80);
        assert_eq!(extract_lane(E::I8x16U, 15, a), 5);
        let a = v::<i16>(&[0, 0, -2]);
        assert_eq!(extract_lane(E::I16x8S, 2, a), 0xffff_fffe);
        assert_eq!(extract_lane(E::I16x8U, 2, a), 0xfffe);
        let a = v::<u64>(&[1, u64::MAX]);
        assert_eq!(extract_lane(E::I64x2, 1, a), u64::MAX);
        assert_eq!(extract_lane(E::F32x4, 2, a), u32::MAX.into());
        let r = replace_lane(SimdReplaceOp::I16x8, 3, 0, 0xdead_beef);
        assert_eq!(ls::<u16>(r), [0, 0, 0, 0xbeef, 0, 0, 0, 0]);
        let r = replace_lane(SimdReplaceOp::F64x2, 0, u128::MAX, 0);
        assert_eq!(ls::<u64>(r), [0, u64::MAX]);
        // Lane indices beyond the shape (rejected by validation) wrap, never panic.
        assert_eq!(extract_lane(E::I64x2, 255, a), u64::MAX);
        assert_eq!(replace_lane(SimdReplaceOp::I8x16, 200, 0, 1), 1 << 64);
    }

    #[test]
    fn loads_and_lane_accesses() {
        use SimdLoadOp::*;
        let bytes: [u8; 16] = core::array::from_fn(|i| 0x80 + i as u8);
        assert_eq!(load(Full, &bytes), u128::from_le_bytes(bytes));
        assert_eq!(ls::<i16>(load(Extend8x8S, &bytes[..8]))[..2], [-128, -127]);
        assert_eq!(ls::<u16>(load(Extend8x8U, &bytes[..8]))[..2], [0x80, 0x81]);
        assert_eq!(
            ls::<i32>(load(Extend16x4S, &bytes[..8]))[0],
            0xffff_8180u32 as i32
        );
        assert_eq!(
            ls::<u64>(load(Extend32x2U, &bytes[..8])),
            [0x8382_8180, 0x8786_8584]
        );
        assert_eq!(
            ls::<i64>(load(Extend32x2S, &bytes[..8]))[0],
            0x8382_8180u32 as i32 as i64
        );
        assert_eq!(ls::<u8>(load(Splat8, &bytes[..1])), [0x80; 16]);
        assert_eq!(ls::<u32>(load(Splat32, &bytes[..4])), [0x8382_8180; 4]);
        assert_eq!(ls::<u32>(load(Zero32, &bytes[..4])), [0x8382_8180, 0, 0, 0]);
        assert_eq!(
            ls::<u64>(load(Zero64, &bytes[..8])),
            [0x8786_8584_8382_8180, 0]
        );
        for op in [
            Full, Extend8x8S, Splat8, Splat16, Splat32, Splat64, Zero32, Zero64,
        ] {
            // Extra bytes are ignored, missing ones read as zero; no panic.
            assert_eq!(load(op, &bytes[..load_access_size(op)]), load(op, &bytes));
            let _ = load(op, &[]);
        }
        let a = v::<u16>(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let r = load_lane(SimdLaneWidth::W16, 6, a, &[0x34, 0x12]);
        assert_eq!(ls::<u16>(r), [1, 2, 3, 4, 5, 6, 0x1234, 8]);
        assert_eq!(store_lane(SimdLaneWidth::W16, 6, r), 0x1234);
        assert_eq!(store_lane(SimdLaneWidth::W8, 0, a), 1);
        assert_eq!(store_lane(SimdLaneWidth::W32, 1, a), 0x0004_0003);
        assert_eq!(store_lane(SimdLaneWidth::W64, 1, a), 0x0008_0007_0006_0005);
        let r = load_lane(SimdLaneWidth::W64, 0, a, &bytes);
        assert_eq!(ls::<u64>(r), [0x8786_8584_8382_8180, 0x0008_0007_0006_0005]);
        assert_eq!(lane_width_bytes(SimdLaneWidth::W32), 4);
    }

    // --- relaxed SIMD ---------------------------------------------------

    /// The results of running `f` with many seeds.
    fn seeded_results(f: impl Fn(&mut Nondet) -> u128) -> Vec<u128> {
        let mut out: Vec<u128> = (0..64)
            .map(|seed| f(&mut Nondet::new(NondetMode::Seeded(seed))))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn relaxed_madd_is_unfused_deterministically_and_fused_sometimes() {
        let max = f32::MAX;
        let (a, b, c) = (
            v::<f32>(&[max; 4]),
            v::<f32>(&[2.0; 4]),
            v::<f32>(&[-max; 4]),
        );
        let madd = |nd: &mut Nondet| ternary(SimdTernOp::F32x4RelaxedMadd, a, b, c, nd);
        let unfused = v::<f32>(&[f32::INFINITY; 4]);
        let fused = a;
        let mut nd = det();
        assert!((0..10).all(|_| madd(&mut nd) == unfused));
        let mut expected = vec![unfused, fused];
        expected.sort_unstable();
        assert_eq!(seeded_results(madd), expected);
        // nmadd negates the product: -(-x * y) + z.
        let x = v::<f64>(&[-(1.0 + 2f64.powi(-30)); 2]);
        let y = v::<f64>(&[1.0 + 2f64.powi(-23); 2]);
        let z = v::<f64>(&[-(1.0 + 2f64.powi(-23) + 2f64.powi(-30)); 2]);
        let nmadd = |nd: &mut Nondet| ternary(SimdTernOp::F64x2RelaxedNmadd, x, y, z, nd);
        assert_eq!(nmadd(&mut det()), 0);
        assert_eq!(seeded_results(nmadd), [0, v::<f64>(&[2f64.powi(-53); 2])]);
    }

    #[test]
    fn relaxed_laneselect_is_bitselect_or_top_bit_select() {
        let a = v::<u32>(&[0, 1, 0x1234_1234, 0x1234_1234]);
        let b = v::<u32>(&[4, 5, 0x5678_5678, 0x5678_5678]);
        let m = v::<u32>(&[u32::MAX, 0, 0xffff_0000, 0x0000_ffff]);
        let select = |nd: &mut Nondet| ternary(SimdTernOp::I32x4RelaxedLaneselect, a, b, m, nd);
        let bitselect = v::<u32>(&[0, 5, 0x1234_5678, 0x5678_1234]);
        let top_bit = v::<u32>(&[0, 5, 0x1234_1234, 0x5678_5678]);
        assert_eq!(select(&mut det()), bitselect);
        let mut expected = vec![bitselect, top_bit];
        expected.sort_unstable();
        assert_eq!(seeded_results(select), expected);
        let a = v::<u16>(&[0, 1, 0x1234, 0x1234]);
        let b = v::<u16>(&[8, 9, 0x5678, 0x5678]);
        let m = v::<u16>(&[0xffff, 0, 0xff00, 0x0080]);
        let r = ternary(SimdTernOp::I16x8RelaxedLaneselect, a, b, m, &mut det());
        assert_eq!(ls::<u16>(r)[..4], [0, 9, 0x1278, 0x5678]);
    }

    #[test]
    fn relaxed_choices_stay_within_the_allowed_results() {
        // i8x16.relaxed_swizzle: 16..=127 give 0 or a[j % 16]; >= 128 give 0.
        let a = v::<u8>(&core::array::from_fn::<u8, 16, _>(|i| i as u8));
        let idx = v::<u8>(&core::array::from_fn::<u8, 16, _>(|i| 16 + i as u8));
        let got = seeded_results(|nd| binary(SimdBinOp::I8x16RelaxedSwizzle, a, idx, nd));
        assert_eq!(got, [0, a]);
        let idx = v::<u8>(&core::array::from_fn::<u8, 16, _>(|i| 128 + i as u8));
        assert_eq!(
            seeded_results(|nd| binary(SimdBinOp::I8x16RelaxedSwizzle, a, idx, nd)),
            [0]
        );

        // i16x8.relaxed_dot_i8x16_i7x16_s: the i7 operand read signed or unsigned.
        let a = v::<i8>(&[-128, -128]);
        let b = v::<i8>(&[-127, -127]);
        let got = seeded_results(|nd| binary(SimdBinOp::I16x8RelaxedDotI8x16I7x16S, a, b, nd));
        assert_eq!(got, [v::<i16>(&[32512]), v::<i16>(&[-32768])]);
        let simple: [i8; 16] = core::array::from_fn(|i| i as i8);
        let r = binary(
            SimdBinOp::I16x8RelaxedDotI8x16I7x16S,
            v(&simple),
            v(&simple),
            &mut det(),
        );
        assert_eq!(ls::<i16>(r), [1, 13, 41, 85, 145, 221, 313, 421]);

        // i32x4.relaxed_dot_i8x16_i7x16_add_s, from the spec tests.
        let (a, b) = (v::<i8>(&[-128; 4]), v::<i8>(&[-127; 4]));
        let c = v::<i32>(&[1, 2, 3, 4]);
        let got =
            seeded_results(|nd| ternary(SimdTernOp::I32x4RelaxedDotI8x16I7x16AddS, a, b, c, nd));
        assert_eq!(
            got,
            [v::<i32>(&[65025, 2, 3, 4]), v::<i32>(&[-65535, 2, 3, 4])]
        );
        let a = v::<i8>(&[-128, -128, -128, -128, 127, 127, 127, 127]);
        let b = v::<i8>(&[127; 8]);
        let r = ternary(
            SimdTernOp::I32x4RelaxedDotI8x16I7x16AddS,
            a,
            b,
            c,
            &mut det(),
        );
        assert_eq!(ls::<i32>(r), [-65023, 64518, 3, 4]);

        // i16x8.relaxed_q15mulr_s: the overflow gives INT16_MAX or INT16_MIN.
        let a = v::<i16>(&[i16::MIN, 16384]);
        let got = seeded_results(|nd| binary(SimdBinOp::I16x8RelaxedQ15mulrS, a, a, nd));
        assert_eq!(
            got,
            [v::<i16>(&[i16::MAX, 8192]), v::<i16>(&[i16::MIN, 8192])]
        );

        // Relaxed truncation: in-range lanes are exact, the others vary.
        let a = v::<f32>(&[f32::NAN, -1.0, 7.9, 5e9]);
        let got = seeded_results(|nd| unary(SimdUnOp::I32x4RelaxedTruncF32x4U, a, nd));
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|r| ls::<u32>(*r)[2] == 7));
        let got = seeded_results(|nd| {
            unary(
                SimdUnOp::I32x4RelaxedTruncF64x2SZero,
                v::<f64>(&[1e10, -2.5]),
                nd,
            )
        });
        assert_eq!(got, [v::<i32>(&[i32::MAX, -2]), v::<i32>(&[i32::MIN, -2])]);
    }

    #[test]
    fn relaxed_min_max_alternatives() {
        let nan = f32::from_bits(ODD_NAN32);
        let a = v::<f32>(&[nan, 1.0, 0.0, 5.0]);
        let b = v::<f32>(&[1.0, nan, -0.0, 3.0]);
        let min = |nd: &mut Nondet| binary(SimdBinOp::F32x4RelaxedMin, a, b, nd);
        let neg0 = (-0f32).to_bits();
        let one = 1f32.to_bits();
        let three = 3f32.to_bits();
        // Alternative 0 is `fmin`; 1 returns the first operand, 2 the second,
        // 3 the non-NaN one (and -0 for zeros).
        assert_eq!(ls::<u32>(min(&mut det())), [CANON32, CANON32, neg0, three]);
        // Seeded `fmin` NaNs vary: count them all as the canonical one.
        let canonicalize = |r: u128| {
            map1(r, |x: u32| {
                match f32::from_bits(x).is_nan() && x != ODD_NAN32 {
                    true => CANON32,
                    false => x,
                }
            })
        };
        let got = seeded_results(|nd| canonicalize(min(nd)));
        let mut expected = vec![
            v::<u32>(&[CANON32, CANON32, neg0, three]),
            v::<u32>(&[ODD_NAN32, one, 0, three]),
            v::<u32>(&[one, ODD_NAN32, neg0, three]),
            v::<u32>(&[one, one, neg0, three]),
        ];
        expected.sort_unstable();
        assert_eq!(got, expected);
        let max = binary(
            SimdBinOp::F64x2RelaxedMax,
            v::<f64>(&[-0.0, 2.0]),
            v::<f64>(&[0.0, 1.0]),
            &mut det(),
        );
        assert_eq!(ls::<f64>(max), [0.0, 2.0]);
        assert_eq!(ls::<u64>(max)[0], 0);
    }

    #[test]
    fn deterministic_mode_always_gives_the_same_relaxed_result() {
        let a = v::<f32>(&[f32::MAX; 4]);
        let (b, c) = (v::<f32>(&[2.0; 4]), v::<f32>(&[-f32::MAX; 4]));
        let mut nd = det();
        let first = ternary(SimdTernOp::F32x4RelaxedMadd, a, b, c, &mut nd);
        for _ in 0..32 {
            assert_eq!(
                ternary(SimdTernOp::F32x4RelaxedMadd, a, b, c, &mut nd),
                first
            );
            assert_eq!(
                ternary(SimdTernOp::F32x4RelaxedMadd, a, b, c, &mut det()),
                first
            );
        }
        // Within one seeded run the choice is fixed, as the spec requires.
        let mut nd = Nondet::new(NondetMode::Seeded(1));
        let runs: Vec<u128> = (0..32)
            .map(|_| ternary(SimdTernOp::F32x4RelaxedMadd, a, b, c, &mut nd))
            .collect();
        assert!(runs.iter().all(|r| *r == runs[0]));
    }
}
