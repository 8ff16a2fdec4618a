//! The decoded instruction set the interpreter executes.
//!
//! Each function is translated once from wasm into a `Box<[Instr]>`. Operands
//! are frame slots rather than an implicit operand stack: a [`Slot`] is an
//! offset from the frame pointer, where a frame is laid out as
//! `[params | locals | operand-stack temporaries]`. Every wasm operand-stack
//! position has a fixed slot, so `local.get` and constants rarely need an
//! instruction of their own, and branches carry resolved targets.
//!
//! Instructions are at most 16 bytes. The few that need more operands either
//! find them in consecutive slots starting at a base slot (calls, bulk
//! memory ops) or in a side table of the function (`br_table` targets,
//! 128-bit constants, large memory arguments).

use crate::exec::atomics::RmwOp;
use crate::exec::simd::{
    SimdBinOp, SimdExtractOp, SimdLaneWidth, SimdLoadOp, SimdReplaceOp, SimdShiftOp, SimdSplatOp,
    SimdTernOp, SimdTestOp, SimdUnOp,
};
use crate::exec::wide::WideOp;

/// A frame-relative slot index.
pub(crate) type Slot = u32;

/// An absolute instruction index within one function's code.
pub(crate) type Target = u32;

/// How a load extends the bytes it reads into a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadKind {
    /// Zero-extending loads of 1, 2, 4 and 8 bytes (i32 values are kept
    /// zero-extended in their slot, so `i32.load8_u` and `i64.load8_u` agree).
    U8,
    U16,
    U32,
    U64,
    I32S8,
    I32S16,
    I64S8,
    I64S16,
    I64S32,
}

impl LoadKind {
    pub(crate) fn size(self) -> u64 {
        match self {
            LoadKind::U8 | LoadKind::I32S8 | LoadKind::I64S8 => 1,
            LoadKind::U16 | LoadKind::I32S16 | LoadKind::I64S16 => 2,
            LoadKind::U32 | LoadKind::I64S32 => 4,
            LoadKind::U64 => 8,
        }
    }

    /// Extends the raw little-endian bits of a `size()`-byte access.
    #[inline(always)]
    pub(crate) fn extend(self, raw: u64) -> u64 {
        match self {
            LoadKind::U8 | LoadKind::U16 | LoadKind::U32 | LoadKind::U64 => raw,
            LoadKind::I32S8 => raw as u8 as i8 as i32 as u32 as u64,
            LoadKind::I32S16 => raw as u16 as i16 as i32 as u32 as u64,
            LoadKind::I64S8 => raw as u8 as i8 as i64 as u64,
            LoadKind::I64S16 => raw as u16 as i16 as i64 as u64,
            LoadKind::I64S32 => raw as u32 as i32 as i64 as u64,
        }
    }
}

/// How a struct field or array element is read or written: a full slot,
/// two slots (v128), or a packed i8/i16 (stored masked, so an unsigned read
/// is a full-slot read; `I8`/`I16` reads sign-extend, writes mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    One,
    Two,
    I8,
    I16,
}

/// Memory argument kept in a function's side table when it does not fit the
/// fast form (non-zero memory index or an offset above `u32::MAX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemArgEx {
    pub(crate) memory: u32,
    pub(crate) offset: u64,
}

/// Defines the `Instr` enum from families of instructions that share an
/// operand shape, so the executor and translator can be written per family.
macro_rules! define_instrs {
    (
        load { $($ld:ident = $kind:ident)* }
        unary { $($un:ident)* }
        binary { $($bin:ident)* }
        binary_imm { $($binimm:ident)* }
        branch_cmp { $($brc:ident)* }
        branch_cmp_imm { $($brci:ident)* }
    ) => {
        impl LoadKind {
            /// The fast-path load instruction of this kind (memory 0).
            pub(crate) fn instr(self, dst: Slot, addr: Slot, offset: u32) -> Instr {
                match self {
                    $( LoadKind::$kind => Instr::$ld { dst, addr, offset }, )*
                }
            }
        }

        #[derive(Clone, Copy, Debug, PartialEq)]
        pub(crate) enum Instr {
            // ---- control ----
            Unreachable,
            /// Charges `amount` fuel for the basic block it starts.
            ConsumeFuel { amount: u32 },
            Br { target: Target },
            BrIfNez { cond: Slot, target: Target },
            BrIfEqz { cond: Slot, target: Target },
            /// Targets are `br_tables[table][..]`, the last one the default.
            BrTable { index: Slot, table: u32 },
            Return0,
            Return1 { src: Slot },
            ReturnSpan { src: Slot, len: u32 },
            /// Calls a function defined in the current module; its frame starts
            /// at `base` where the arguments are.
            CallInternal { func: u32, base: Slot },
            /// Calls through the instance's function index space (imports).
            Call { func: u32, base: Slot },
            /// `call_indirect`: the callee's index is in slot `index`; the
            /// expected type and the table are `call_sites[site]`.
            CallIndirect { base: Slot, index: Slot, site: u32 },
            // ---- data movement ----
            Copy { dst: Slot, src: Slot },
            Copy2 { dst: Slot, src: Slot },
            /// memmove of `len` slots.
            CopySpan { dst: Slot, src: Slot, len: u32 },
            Const32 { dst: Slot, value: u32 },
            Const64 { dst: Slot, value: u64 },
            /// A 128-bit constant from `consts128[index]`.
            Const128 { dst: Slot, index: u32 },
            /// `select`: `dst = cond != 0 ? a : b` where `cond` is the slot in
            /// the following [`Instr::Operand`].
            Select { dst: Slot, a: Slot, b: Slot },
            Select2 { dst: Slot, a: Slot, b: Slot },
            /// Extra operand of the preceding instruction; never executed.
            Operand { a: Slot },
            GlobalGet { dst: Slot, global: u32 },
            GlobalGet2 { dst: Slot, global: u32 },
            GlobalSet { src: Slot, global: u32 },
            GlobalSet2 { src: Slot, global: u32 },
            // ---- memory (memory 0, offset fits u32) ----
            $( $ld { dst: Slot, addr: Slot, offset: u32 }, )*
            Store8 { addr: Slot, src: Slot, offset: u32 },
            Store16 { addr: Slot, src: Slot, offset: u32 },
            Store32 { addr: Slot, src: Slot, offset: u32 },
            Store64 { addr: Slot, src: Slot, offset: u32 },
            /// Stores of a constant (`value` sign-extended to 64 bits).
            Store8Imm { addr: Slot, value: i32, offset: u32 },
            Store16Imm { addr: Slot, value: i32, offset: u32 },
            Store32Imm { addr: Slot, value: i32, offset: u32 },
            Store64Imm { addr: Slot, value: i32, offset: u32 },
            // ---- memory, general form ----
            LoadEx { kind: LoadKind, dst: Slot, addr: Slot, memarg: u32 },
            /// Store of `size` bytes (1, 2, 4, 8) through `memargs[memarg]`.
            StoreEx { size: u8, addr: Slot, src: Slot, memarg: u32 },
            MemorySize { dst: Slot, memory: u32 },
            MemoryGrow { dst: Slot, delta: Slot, memory: u32 },
            /// Operands `d, val, n` in slots `base..base+3`.
            MemoryFill { base: Slot, memory: u32 },
            /// Operands `d, s, n` in `base..base+3`; memories in the side table.
            MemoryCopy { base: Slot, memories: u32 },
            /// Operands `d, s, n` in `base..base+3`.
            MemoryInit { base: Slot, data: u32, memory: u32 },
            DataDrop { data: u32 },
            // ---- tables and references ----
            TableGet { dst: Slot, index: Slot, table: u32 },
            TableSet { index: Slot, value: Slot, table: u32 },
            TableSize { dst: Slot, table: u32 },
            /// Operands `init, delta` in `base..base+2`; result in `base`.
            TableGrow { base: Slot, table: u32 },
            /// Operands `i, val, n` in `base..base+3`.
            TableFill { base: Slot, table: u32 },
            /// Operands `d, s, n` in `base..base+3`; tables in the side table.
            TableCopy { base: Slot, tables: u32 },
            /// Operands `d, s, n` in `base..base+3`.
            TableInit { base: Slot, elem: u32, table: u32 },
            ElemDrop { elem: u32 },
            RefIsNull { dst: Slot, src: Slot },
            RefFunc { dst: Slot, func: u32 },
            // ---- typed function references and tail calls ----
            /// `call_ref`: the callee is the function reference in slot `func`.
            CallRef { base: Slot, func: Slot },
            /// Tail calls: the callee's frame replaces the caller's. For a
            /// host callee the call is an ordinary one and the instruction
            /// that follows returns its results.
            ReturnCallInternal { func: u32, base: Slot },
            ReturnCall { func: u32, base: Slot },
            ReturnCallIndirect { base: Slot, index: Slot, site: u32 },
            ReturnCallRef { base: Slot, func: Slot },
            RefAsNonNull { dst: Slot, src: Slot },
            BrOnNull { src: Slot, target: Target },
            BrOnNonNull { src: Slot, target: Target },
            // ---- GC (semantics in `exec::gc`) ----
            /// Fields in consecutive slots from `base`; `ty` is a module type index.
            StructNew { dst: Slot, base: Slot, ty: u32 },
            StructNewDefault { dst: Slot, ty: u32 },
            /// `slot` is the field's first slot in the object.
            StructGet { access: Access, dst: Slot, obj: Slot, slot: u32 },
            StructSet { access: Access, obj: Slot, src: Slot, slot: u32 },
            /// Operands `init, len` from `base` (`init` takes two slots if v128).
            ArrayNew { dst: Slot, base: Slot, ty: u32 },
            ArrayNewDefault { dst: Slot, len: Slot, ty: u32 },
            /// Elements from `base`; type index and count in `pairs[site]`.
            ArrayNewFixed { dst: Slot, base: Slot, site: u32 },
            /// Operands `offset, len` in `base..base+2`; result in `base`.
            ArrayNewData { base: Slot, ty: u32, data: u32 },
            ArrayNewElem { base: Slot, ty: u32, elem: u32 },
            ArrayGet { access: Access, dst: Slot, arr: Slot, idx: Slot },
            ArraySet { access: Access, arr: Slot, idx: Slot, src: Slot },
            ArrayLen { dst: Slot, arr: Slot },
            /// Operands `arr, offset, value, n` from `base`.
            ArrayFill { access: Access, base: Slot },
            /// Operands `dst, dst_offset, src, src_offset, n` from `base`.
            ArrayCopy { base: Slot },
            /// Operands `arr, d, s, n` from `base`.
            ArrayInitData { base: Slot, ty: u32, data: u32 },
            ArrayInitElem { base: Slot, elem: u32 },
            RefI31 { dst: Slot, src: Slot },
            I31GetS { dst: Slot, src: Slot },
            I31GetU { dst: Slot, src: Slot },
            /// The target type is `casts[cast]`.
            RefTest { dst: Slot, src: Slot, cast: u32 },
            RefCast { dst: Slot, src: Slot, cast: u32 },
            BrOnCast { src: Slot, cast: u32, target: Target },
            BrOnCastFail { src: Slot, cast: u32, target: Target },
            // ---- exceptions (semantics in `exec::exceptions`) ----
            /// Payload in consecutive slots from `base`.
            Throw { base: Slot, tag: u32 },
            ThrowRef { src: Slot },
            // ---- numeric families ----
            $( $un { dst: Slot, src: Slot }, )*
            $( $bin { dst: Slot, lhs: Slot, rhs: Slot }, )*
            $( $binimm { dst: Slot, lhs: Slot, imm: i32 }, )*
            $( $brc { lhs: Slot, rhs: Slot, target: Target }, )*
            $( $brci { lhs: Slot, imm: i32, target: Target }, )*
            // ---- SIMD (semantics in `exec::simd`) ----
            SimdUnary { op: SimdUnOp, dst: Slot, src: Slot },
            SimdBinary { op: SimdBinOp, dst: Slot, lhs: Slot, rhs: Slot },
            /// Operands in `base`, `base+2`, `base+4`.
            SimdTernary { op: SimdTernOp, dst: Slot, base: Slot },
            SimdShift { op: SimdShiftOp, dst: Slot, lhs: Slot, rhs: Slot },
            SimdSplat { op: SimdSplatOp, dst: Slot, src: Slot },
            SimdTest { op: SimdTestOp, dst: Slot, src: Slot },
            SimdExtractLane { op: SimdExtractOp, lane: u8, dst: Slot, src: Slot },
            SimdReplaceLane { op: SimdReplaceOp, lane: u8, dst: Slot, lhs: Slot, rhs: Slot },
            /// Lane indices in `consts128[lanes]`; operands in `base`, `base+2`.
            SimdShuffle { dst: Slot, base: Slot, lanes: u32 },
            SimdLoad { op: SimdLoadOp, dst: Slot, addr: Slot, memarg: u32 },
            SimdStore { addr: Slot, src: Slot, memarg: u32 },
            /// Operands `addr, vec` in `base`, `base+1`.
            SimdLoadLane { width: SimdLaneWidth, lane: u8, dst: Slot, base: Slot, memarg: u32 },
            SimdStoreLane { width: SimdLaneWidth, lane: u8, base: Slot, memarg: u32 },
            // ---- atomics (semantics in `exec::atomics`), all through `memargs` ----
            /// Zero-extending atomic load (`kind` is U8, U16, U32 or U64).
            AtomicLoad { kind: LoadKind, dst: Slot, addr: Slot, memarg: u32 },
            AtomicStore { size: u8, addr: Slot, src: Slot, memarg: u32 },
            /// Operands `addr, value` in `base`, `base+1`; the old value to `dst`.
            AtomicRmw { op: RmwOp, size: u8, dst: Slot, base: Slot, memarg: u32 },
            /// Operands `addr, expected, replacement` in `base..base+3`.
            AtomicCmpxchg { size: u8, dst: Slot, base: Slot, memarg: u32 },
            /// `memory.atomic.wait32/64` (`size` 4 or 8): operands `addr,
            /// expected, timeout` in `base..base+3`. May suspend the thread.
            AtomicWait { size: u8, dst: Slot, base: Slot, memarg: u32 },
            /// `memory.atomic.notify`: operands `addr, count` in `base`, `base+1`.
            AtomicNotify { dst: Slot, base: Slot, memarg: u32 },
            // ---- wide arithmetic (semantics in `exec::wide`) ----
            /// Operands in `base..` (four for add128/sub128, two for the
            /// multiplications); the low and high halves of the result go
            /// to `base` and `base+1`.
            Wide { op: WideOp, base: Slot },
        }

        macro_rules! dst_of {
            ($i:expr) => {
                match $i {
                    $( Instr::$un { dst, .. } )|*
                    | $( Instr::$bin { dst, .. } )|*
                    | $( Instr::$binimm { dst, .. } )|*
                    | Instr::GlobalGet { dst, .. }
                    | Instr::GlobalGet2 { dst, .. }
                    | $( Instr::$ld { dst, .. } )|*
                    | Instr::LoadEx { dst, .. }
                    | Instr::MemorySize { dst, .. }
                    | Instr::MemoryGrow { dst, .. }
                    | Instr::TableGet { dst, .. }
                    | Instr::TableSize { dst, .. }
                    | Instr::RefIsNull { dst, .. }
                    | Instr::RefFunc { dst, .. }
                    | Instr::RefAsNonNull { dst, .. }
                    | Instr::StructNew { dst, .. }
                    | Instr::StructNewDefault { dst, .. }
                    | Instr::StructGet { dst, .. }
                    | Instr::ArrayNew { dst, .. }
                    | Instr::ArrayNewDefault { dst, .. }
                    | Instr::ArrayNewFixed { dst, .. }
                    | Instr::ArrayGet { dst, .. }
                    | Instr::ArrayLen { dst, .. }
                    | Instr::RefI31 { dst, .. }
                    | Instr::I31GetS { dst, .. }
                    | Instr::I31GetU { dst, .. }
                    | Instr::RefTest { dst, .. }
                    | Instr::RefCast { dst, .. }
                    | Instr::SimdUnary { dst, .. }
                    | Instr::SimdBinary { dst, .. }
                    | Instr::SimdTernary { dst, .. }
                    | Instr::SimdShift { dst, .. }
                    | Instr::SimdSplat { dst, .. }
                    | Instr::SimdTest { dst, .. }
                    | Instr::SimdExtractLane { dst, .. }
                    | Instr::SimdReplaceLane { dst, .. }
                    | Instr::SimdShuffle { dst, .. }
                    | Instr::SimdLoad { dst, .. }
                    | Instr::SimdLoadLane { dst, .. }
                    | Instr::AtomicLoad { dst, .. }
                    | Instr::AtomicRmw { dst, .. }
                    | Instr::AtomicCmpxchg { dst, .. }
                    | Instr::AtomicNotify { dst, .. } => Some(dst),
                    _ => None,
                }
            };
        }
    };
}

define_instrs! {
    load {
        Load8U = U8 Load16U = U16 Load32U = U32 Load64 = U64
        LoadI32S8 = I32S8 LoadI32S16 = I32S16 LoadI64S8 = I64S8 LoadI64S16 = I64S16 LoadI64S32 = I64S32
    }
    unary {
        I32Eqz I64Eqz
        I32Clz I32Ctz I32Popcnt I64Clz I64Ctz I64Popcnt
        F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
        F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
        I32WrapI64 I64ExtendI32S
        I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
        I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
        F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
        F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
        I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
        I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
        I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
    }
    binary {
        I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
        I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
        F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
        F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
        I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU
        I32And I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
        I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
        I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
        F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
        F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
    }
    binary_imm {
        I32EqImm I32NeImm I32LtSImm I32LtUImm I32GtSImm I32GtUImm I32LeSImm I32LeUImm I32GeSImm I32GeUImm
        I64EqImm I64NeImm I64LtSImm I64LtUImm I64GtSImm I64GtUImm I64LeSImm I64LeUImm I64GeSImm I64GeUImm
        I32AddImm I32SubImm I32MulImm I32AndImm I32OrImm I32XorImm I32ShlImm I32ShrSImm I32ShrUImm
        I32RotlImm I32RotrImm
        I64AddImm I64SubImm I64MulImm I64AndImm I64OrImm I64XorImm I64ShlImm I64ShrSImm I64ShrUImm
        I64RotlImm I64RotrImm
    }
    branch_cmp {
        BrI32Eq BrI32Ne BrI32LtS BrI32LtU BrI32GtS BrI32GtU BrI32LeS BrI32LeU BrI32GeS BrI32GeU
        BrI64Eq BrI64Ne BrI64LtS BrI64LtU BrI64GtS BrI64GtU BrI64LeS BrI64LeU BrI64GeS BrI64GeU
    }
    branch_cmp_imm {
        BrI32EqImm BrI32NeImm BrI32LtSImm BrI32LtUImm BrI32GtSImm BrI32GtUImm
        BrI32LeSImm BrI32LeUImm BrI32GeSImm BrI32GeUImm
        BrI64EqImm BrI64NeImm BrI64LtSImm BrI64LtUImm BrI64GtSImm BrI64GtUImm
        BrI64LeSImm BrI64LeUImm BrI64GeSImm BrI64GeUImm
    }
}

/// The result slot of an instruction that writes exactly one value to a
/// slot it names, so the translator can retarget it to a local.
pub(crate) fn dst_mut(instr: &mut Instr) -> Option<&mut Slot> {
    dst_of!(instr)
}

impl Instr {
    /// The branch target of a jump, if this is one (used to patch forward
    /// branches once their label is placed).
    pub(crate) fn target_mut(&mut self) -> Option<&mut Target> {
        macro_rules! cmp_targets {
            ($($v:ident)*) => {
                match self {
                    Instr::Br { target }
                    | Instr::BrIfNez { target, .. }
                    | Instr::BrIfEqz { target, .. }
                    | Instr::BrOnNull { target, .. }
                    | Instr::BrOnNonNull { target, .. }
                    | Instr::BrOnCast { target, .. }
                    | Instr::BrOnCastFail { target, .. } => Some(target),
                    $( Instr::$v { target, .. } => Some(target), )*
                    _ => None,
                }
            };
        }
        cmp_targets!(
            BrI32Eq BrI32Ne BrI32LtS BrI32LtU BrI32GtS BrI32GtU BrI32LeS BrI32LeU BrI32GeS BrI32GeU
            BrI64Eq BrI64Ne BrI64LtS BrI64LtU BrI64GtS BrI64GtU BrI64LeS BrI64LeU BrI64GeS BrI64GeU
            BrI32EqImm BrI32NeImm BrI32LtSImm BrI32LtUImm BrI32GtSImm BrI32GtUImm
            BrI32LeSImm BrI32LeUImm BrI32GeSImm BrI32GeUImm
            BrI64EqImm BrI64NeImm BrI64LtSImm BrI64LtUImm BrI64GtSImm BrI64GtUImm
            BrI64LeSImm BrI64LeUImm BrI64GeSImm BrI64GeUImm
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instructions_stay_compact() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 16);
    }
}
