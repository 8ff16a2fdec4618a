//! Translation of one function body into [`Instr`]s, during validation.
//!
//! The translator keeps a compile-time image of the operand stack. Each entry
//! has a fixed frame slot (its "canonical" slot, determined by its depth) and
//! an [`Operand`] saying where its value is right now: already in its slot
//! (`Temp`), still in a local, or a constant not yet written anywhere. An
//! instruction reads its operands from wherever they are, so `local.get` and
//! constants cost nothing until something needs them in their slot.
//!
//! Two hazards of lazy operands are handled explicitly: a `local.set` to a
//! local that lazy entries still refer to first writes those entries to their
//! slots, and every block start does the same for all lazy locals (a write in
//! a conditionally executed block must not change a value pushed before it).
//! At control-flow joins, values are always in their canonical slots.

mod atomics;
mod exceptions;
mod gc;
mod refs;
mod wide;

use wasmparser::{FuncValidator, FunctionBody, MemArg, Operator, ValType, ValidatorResources};

use super::{ModuleInner, block_type_signature};
use crate::error::{Error, Result};
use crate::exec::exceptions::{CatchClause, Handler, NO_HANDLER};
use crate::exec::gc::CastTarget;
use crate::exec::instr::{Instr, LoadKind, MemArgEx, Slot, Target};
use crate::exec::simd::{self, SimdClass};
use crate::types::{TypeId, slot_width, slots_of};

/// A function after translation.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    /// Index in the module's function index space.
    pub(crate) func_index: u32,
    pub(crate) code: Box<[Instr]>,
    /// Byte offset in the module of the operator each instruction came from.
    pub(crate) offsets: Box<[u32]>,
    pub(crate) br_tables: Box<[Box<[Target]>]>,
    pub(crate) consts128: Box<[u128]>,
    pub(crate) memargs: Box<[MemArgEx]>,
    /// Index pairs: `(dst, src)` memories of `memory.copy`, tables of `table.copy`.
    pub(crate) pairs: Box<[(u32, u32)]>,
    /// `call_indirect` sites: expected type, table, and the module's index
    /// of the expected type (for the subtype check).
    pub(crate) call_sites: Box<[(TypeId, u32, u32)]>,
    /// Targets of `ref.test`, `ref.cast`, `br_on_cast`.
    pub(crate) casts: Box<[CastTarget]>,
    /// Exception handlers, in the order their blocks open.
    pub(crate) handlers: Box<[Handler]>,
    pub(crate) catches: Box<[CatchClause]>,
    /// Params and locals of reference type (collector roots).
    pub(crate) ref_locals: Box<[Slot]>,
    /// Stack maps: for each instruction that can lead to a collection and
    /// has live operand-stack references, `(pc, first, len)` into
    /// `gc_slots`, sorted by pc.
    pub(crate) gc_points: Box<[(u32, u32, u32)]>,
    pub(crate) gc_slots: Box<[Slot]>,
    pub(crate) param_slots: u32,
    /// Slots of params plus declared locals.
    pub(crate) local_slots: u32,
    /// Slots the frame needs in total.
    pub(crate) frame_slots: u32,
    pub(crate) params: Box<[ValType]>,
    pub(crate) results: Box<[ValType]>,
}

impl CompiledFunc {
    /// The operand-stack slots holding references while the frame is
    /// stopped at instruction `pc`.
    pub(crate) fn gc_map(&self, pc: u32) -> &[Slot] {
        match self.gc_points.binary_search_by_key(&pc, |p| p.0) {
            Ok(i) => {
                let (_, first, len) = self.gc_points[i];
                &self.gc_slots[first as usize..(first + len) as usize]
            }
            Err(_) => &[],
        }
    }
}

/// Buffers reused across the functions of a module.
#[derive(Default)]
pub(crate) struct Scratch {
    stack: Vec<Entry>,
    controls: Vec<Control>,
}

#[derive(Clone, Copy, Debug)]
enum Operand {
    /// The value is in the entry's canonical slot.
    Temp,
    /// The value is still in this local.
    Local(u32),
    Const(u64),
    Const128(u128),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    ty: ValType,
    slot: Slot,
    operand: Operand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Function,
    Block,
    Loop,
    If,
    Else,
    TryTable,
    /// A legacy `try` in its body.
    LegacyTry,
    /// A legacy `try` in one of its `catch` bodies.
    LegacyCatch,
}

#[derive(Clone, Copy, Debug)]
enum Fixup {
    Instr(usize),
    Table(usize, usize),
    /// The target of catch clause `catches[i]`.
    Catch(usize),
}

#[derive(Debug)]
struct Control {
    kind: Kind,
    /// Stack height below the block's params.
    height: usize,
    /// Canonical slot of the first param/result.
    base: Slot,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Loop header.
    head: Target,
    /// Branches to the end label, patched when it is placed.
    fixups: Vec<Fixup>,
    /// The conditional branch of an `if` that jumps to its `else` (or end).
    else_branch: Option<usize>,
    /// The code being translated in this block cannot be reached.
    unreachable: bool,
    /// The exception handler this block opened (`try_table`, legacy `try`
    /// in its body), or `NO_HANDLER`.
    handler: u32,
    /// Legacy `try`: the hidden slot that keeps a caught exception.
    exn_slot: Option<Slot>,
    /// Legacy `try`: its catch clauses so far (recorded when it ends, so a
    /// handler's clauses stay contiguous).
    legacy_clauses: Vec<CatchClause>,
}

impl Control {
    fn label_types(&self) -> &[ValType] {
        if self.kind == Kind::Loop {
            &self.params
        } else {
            &self.results
        }
    }
}

/// The integer comparisons that can be fused into a following branch.
macro_rules! comparisons {
    ($( $cmp:ident / $inv:ident : $bin:ident $imm:ident $br:ident $brimm:ident ;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Cmp { $($cmp),* }

        impl Cmp {
            fn inverse(self) -> Cmp {
                match self { $(Cmp::$cmp => Cmp::$inv),* }
            }

            fn branch(self, lhs: Slot, rhs: Slot, target: Target) -> Instr {
                match self { $(Cmp::$cmp => Instr::$br { lhs, rhs, target }),* }
            }

            fn branch_imm(self, lhs: Slot, imm: i32, target: Target) -> Instr {
                match self { $(Cmp::$cmp => Instr::$brimm { lhs, imm, target }),* }
            }

            /// The comparison a just-emitted instruction performs, if any.
            fn of(instr: &Instr) -> Option<(Cmp, Slot, CmpRhs)> {
                match *instr {
                    $(
                        Instr::$bin { lhs, rhs, .. } => Some((Cmp::$cmp, lhs, CmpRhs::Slot(rhs))),
                        Instr::$imm { lhs, imm, .. } => Some((Cmp::$cmp, lhs, CmpRhs::Imm(imm))),
                    )*
                    _ => None,
                }
            }
        }
    };
}

comparisons! {
    I32Eq / I32Ne : I32Eq I32EqImm BrI32Eq BrI32EqImm;
    I32Ne / I32Eq : I32Ne I32NeImm BrI32Ne BrI32NeImm;
    I32LtS / I32GeS : I32LtS I32LtSImm BrI32LtS BrI32LtSImm;
    I32LtU / I32GeU : I32LtU I32LtUImm BrI32LtU BrI32LtUImm;
    I32GtS / I32LeS : I32GtS I32GtSImm BrI32GtS BrI32GtSImm;
    I32GtU / I32LeU : I32GtU I32GtUImm BrI32GtU BrI32GtUImm;
    I32LeS / I32GtS : I32LeS I32LeSImm BrI32LeS BrI32LeSImm;
    I32LeU / I32GtU : I32LeU I32LeUImm BrI32LeU BrI32LeUImm;
    I32GeS / I32LtS : I32GeS I32GeSImm BrI32GeS BrI32GeSImm;
    I32GeU / I32LtU : I32GeU I32GeUImm BrI32GeU BrI32GeUImm;
    I64Eq / I64Ne : I64Eq I64EqImm BrI64Eq BrI64EqImm;
    I64Ne / I64Eq : I64Ne I64NeImm BrI64Ne BrI64NeImm;
    I64LtS / I64GeS : I64LtS I64LtSImm BrI64LtS BrI64LtSImm;
    I64LtU / I64GeU : I64LtU I64LtUImm BrI64LtU BrI64LtUImm;
    I64GtS / I64LeS : I64GtS I64GtSImm BrI64GtS BrI64GtSImm;
    I64GtU / I64LeU : I64GtU I64GtUImm BrI64GtU BrI64GtUImm;
    I64LeS / I64GtS : I64LeS I64LeSImm BrI64LeS BrI64LeSImm;
    I64LeU / I64GtU : I64LeU I64LeUImm BrI64LeU BrI64LeUImm;
    I64GeS / I64LtS : I64GeS I64GeSImm BrI64GeS BrI64GeSImm;
    I64GeU / I64LtU : I64GeU I64GeUImm BrI64GeU BrI64GeUImm;
}

#[derive(Clone, Copy, Debug)]
enum CmpRhs {
    Slot(Slot),
    Imm(i32),
}

/// A branch condition: a slot tested against zero, or a fused comparison.
#[derive(Clone, Copy, Debug)]
enum Cond {
    Nez(Slot),
    Eqz(Slot),
    Cmp(Cmp, Slot, CmpRhs),
}

impl Cond {
    fn negate(self) -> Cond {
        match self {
            Cond::Nez(s) => Cond::Eqz(s),
            Cond::Eqz(s) => Cond::Nez(s),
            Cond::Cmp(c, l, r) => Cond::Cmp(c.inverse(), l, r),
        }
    }

    fn branch(self, target: Target) -> Instr {
        match self {
            Cond::Nez(cond) => Instr::BrIfNez { cond, target },
            Cond::Eqz(cond) => Instr::BrIfEqz { cond, target },
            Cond::Cmp(c, lhs, CmpRhs::Slot(rhs)) => c.branch(lhs, rhs, target),
            Cond::Cmp(c, lhs, CmpRhs::Imm(imm)) => c.branch_imm(lhs, imm, target),
        }
    }
}

type Validator = FuncValidator<ValidatorResources>;

/// Validates and translates one function body.
pub(crate) fn translate(
    m: &ModuleInner,
    func_index: u32,
    body: &FunctionBody<'_>,
    validator: &mut Validator,
    scratch: &mut Scratch,
) -> Result<CompiledFunc> {
    let invalid = |e: wasmparser::BinaryReaderError| {
        Error::Invalid(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
    };
    let ty = m.func_type(func_index).clone();
    let mut local_types: Vec<ValType> = ty.params().to_vec();
    let mut locals_reader = body.get_locals_reader().map_err(invalid)?;
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, lty) = locals_reader.read().map_err(invalid)?;
        validator
            .define_locals(offset, count, lty)
            .map_err(invalid)?;
        // The validator bounds the total number of locals.
        local_types.extend(std::iter::repeat_n(lty, count as usize));
    }
    let mut reader = body.get_operators_reader().map_err(invalid)?;
    let start = reader.original_position() as u32;
    // Each legacy `try` keeps the exception its catches caught in a hidden
    // slot after the locals, for `rethrow`.
    let hidden = if m.engine.config().features.legacy_exceptions() {
        let mut count = 0u32;
        let mut scan = reader.clone();
        while let Ok(op) = scan.read() {
            count += matches!(op, Operator::Try { .. }) as u32;
        }
        count
    } else {
        0
    };
    let mut t = Translator::new(
        m,
        start,
        ty.params(),
        ty.results(),
        local_types,
        hidden,
        scratch,
    );
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset().map_err(invalid)?;
        validator.op(offset, &op).map_err(invalid)?;
        t.offset = offset as u32;
        let top = validator.get_operand_type(0).flatten();
        t.op(&op, top)?;
    }
    reader.finish().map_err(invalid)?;
    Ok(t.finish(func_index, ty.params(), ty.results(), scratch))
}

struct Translator<'m> {
    m: &'m ModuleInner,
    fuel: bool,
    offset: u32,
    code: Vec<Instr>,
    offsets: Vec<u32>,
    br_tables: Vec<Box<[Target]>>,
    consts128: Vec<u128>,
    memargs: Vec<MemArgEx>,
    pairs: Vec<(u32, u32)>,
    call_sites: Vec<(TypeId, u32, u32)>,
    casts: Vec<CastTarget>,
    handlers: Vec<Handler>,
    catches: Vec<CatchClause>,
    gc_points: Vec<(u32, u32, u32)>,
    gc_slots: Vec<Slot>,
    /// Next hidden slot for a legacy `try` (allocated after the locals).
    next_hidden: Slot,
    stack: Vec<Entry>,
    controls: Vec<Control>,
    local_types: Vec<ValType>,
    local_slots: Vec<Slot>,
    /// Number of lazy `Operand::Local(i)` entries per local.
    local_refs: Vec<u32>,
    lazy_locals: u32,
    num_local_slots: u32,
    max_slots: u32,
    /// The last instruction, if it wrote its result to the top entry's slot
    /// and may be retargeted to write a local directly.
    producer: Option<usize>,
    fuel_instr: Option<usize>,
    /// Blocks opened inside unreachable code.
    dead_depth: u32,
}

impl<'m> Translator<'m> {
    fn new(
        m: &'m ModuleInner,
        offset: u32,
        params: &[ValType],
        results: &[ValType],
        local_types: Vec<ValType>,
        hidden: u32,
        scratch: &mut Scratch,
    ) -> Translator<'m> {
        let mut local_slots = Vec::with_capacity(local_types.len());
        let mut next = 0;
        for ty in &local_types {
            local_slots.push(next);
            next += slot_width(*ty);
        }
        let next_hidden = next;
        next += hidden;
        let mut stack = std::mem::take(&mut scratch.stack);
        stack.clear();
        let mut controls = std::mem::take(&mut scratch.controls);
        controls.clear();
        controls.push(Control {
            kind: Kind::Function,
            height: 0,
            base: next,
            params: Vec::new(),
            results: results.to_vec(),
            head: 0,
            fixups: Vec::new(),
            else_branch: None,
            unreachable: false,
            handler: NO_HANDLER,
            exn_slot: None,
            legacy_clauses: Vec::new(),
        });
        let mut t = Translator {
            m,
            fuel: m.engine.config().fuel.is_some(),
            offset,
            code: Vec::new(),
            offsets: Vec::new(),
            br_tables: Vec::new(),
            consts128: Vec::new(),
            memargs: Vec::new(),
            pairs: Vec::new(),
            call_sites: Vec::new(),
            casts: Vec::new(),
            handlers: Vec::new(),
            catches: Vec::new(),
            gc_points: Vec::new(),
            gc_slots: Vec::new(),
            next_hidden,
            stack,
            controls,
            local_refs: vec![0; local_types.len()],
            local_types,
            local_slots,
            lazy_locals: 0,
            num_local_slots: next,
            max_slots: next.max(slots_of(params)).max(slots_of(results)),
            producer: None,
            fuel_instr: None,
            dead_depth: 0,
        };
        t.start_fuel_block();
        t
    }

    fn finish(
        self,
        func_index: u32,
        params: &[ValType],
        results: &[ValType],
        scratch: &mut Scratch,
    ) -> CompiledFunc {
        scratch.stack = self.stack;
        scratch.controls = self.controls;
        let mut ref_locals: Vec<Slot> = self
            .local_types
            .iter()
            .zip(&self.local_slots)
            .filter(|(t, _)| matches!(t, ValType::Ref(_)))
            .map(|(_, s)| *s)
            .collect();
        let first_hidden = self.local_slots.last().map_or(0, |s| {
            s + slot_width(*self.local_types.last().expect("a local"))
        });
        ref_locals.extend(first_hidden..self.num_local_slots);
        CompiledFunc {
            func_index,
            code: self.code.into(),
            offsets: self.offsets.into(),
            br_tables: self.br_tables.into(),
            consts128: self.consts128.into(),
            memargs: self.memargs.into(),
            pairs: self.pairs.into(),
            call_sites: self.call_sites.into(),
            casts: self.casts.into(),
            handlers: self.handlers.into(),
            catches: self.catches.into(),
            ref_locals: ref_locals.into(),
            gc_points: self.gc_points.into(),
            gc_slots: self.gc_slots.into(),
            param_slots: slots_of(params),
            local_slots: self.num_local_slots,
            frame_slots: self.max_slots,
            params: params.into(),
            results: results.into(),
        }
    }

    // ---------------------------------------------------------------- emission

    fn emit(&mut self, instr: Instr) -> usize {
        self.producer = None;
        self.code.push(instr);
        self.offsets.push(self.offset);
        self.code.len() - 1
    }

    /// Emits an instruction whose result is the (just pushed) top entry.
    fn emit_producer(&mut self, instr: Instr) {
        let at = self.emit(instr);
        self.producer = Some(at);
    }

    fn pc(&self) -> Target {
        self.code.len() as Target
    }

    /// Starts a basic block for fuel accounting. A time slice may preempt
    /// the thread at this `ConsumeFuel` (it stops *before* it), so it gets a
    /// stack map: the image is exact here, as every block start follows a
    /// join or materializes what it needs.
    fn start_fuel_block(&mut self) {
        if self.fuel {
            self.record_gc_point();
            self.fuel_instr = Some(self.emit(Instr::ConsumeFuel { amount: 0 }));
        }
    }

    fn count_fuel(&mut self) {
        if let Some(at) = self.fuel_instr
            && let Instr::ConsumeFuel { amount } = &mut self.code[at]
        {
            *amount = amount.saturating_add(1);
        }
    }

    /// A position other code jumps to: nothing may be fused across it.
    fn place_label(&mut self) -> Target {
        self.producer = None;
        self.pc()
    }

    fn patch(&mut self, fixup: Fixup, target: Target) {
        match fixup {
            Fixup::Instr(at) => {
                if let Some(t) = self.code[at].target_mut() {
                    *t = target;
                }
            }
            Fixup::Table(table, pos) => self.br_tables[table][pos] = target,
            Fixup::Catch(i) => self.catches[i].target = target,
        }
    }

    // ------------------------------------------------------------ the stack

    fn next_slot(&self) -> Slot {
        self.stack
            .last()
            .map_or(self.num_local_slots, |e| e.slot + slot_width(e.ty))
    }

    fn push(&mut self, ty: ValType, operand: Operand) -> Slot {
        let slot = self.next_slot();
        self.max_slots = self.max_slots.max(slot + slot_width(ty));
        if let Operand::Local(i) = operand {
            self.local_refs[i as usize] += 1;
            self.lazy_locals += 1;
        }
        self.stack.push(Entry { ty, slot, operand });
        slot
    }

    fn push_temp(&mut self, ty: ValType) -> Slot {
        self.push(ty, Operand::Temp)
    }

    fn pop(&mut self) -> Entry {
        let e = self.stack.pop().expect("validated operand stack");
        if let Operand::Local(i) = e.operand {
            self.local_refs[i as usize] -= 1;
            self.lazy_locals -= 1;
        }
        e
    }

    fn truncate(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop();
        }
    }

    /// Emits the copy of a value from `src` to `dst` slots.
    fn emit_copy(&mut self, ty: ValType, dst: Slot, src: Slot) {
        if dst != src {
            if slot_width(ty) == 2 {
                self.emit(Instr::Copy2 { dst, src });
            } else {
                self.emit(Instr::Copy { dst, src });
            }
        }
    }

    /// Writes `operand` (not a Temp) into slot `dst`.
    fn emit_store_operand(&mut self, ty: ValType, operand: Operand, dst: Slot) {
        match operand {
            Operand::Temp => unreachable!("temps are already in a slot"),
            Operand::Local(i) => {
                let src = self.local_slots[i as usize];
                self.emit_copy(ty, dst, src);
            }
            Operand::Const(v) => {
                if v <= u32::MAX as u64 {
                    self.emit(Instr::Const32 {
                        dst,
                        value: v as u32,
                    });
                } else {
                    self.emit(Instr::Const64 { dst, value: v });
                }
            }
            Operand::Const128(v) => {
                let index = self.consts128.len() as u32;
                self.consts128.push(v);
                self.emit(Instr::Const128 { dst, index });
            }
        }
    }

    /// Moves the value of stack entry `i` into its canonical slot.
    fn materialize(&mut self, i: usize) {
        let e = self.stack[i];
        if let Operand::Temp = e.operand {
            return;
        }
        if let Operand::Local(l) = e.operand {
            self.local_refs[l as usize] -= 1;
            self.lazy_locals -= 1;
        }
        self.emit_store_operand(e.ty, e.operand, e.slot);
        self.stack[i].operand = Operand::Temp;
    }

    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for i in len - n..len {
            self.materialize(i);
        }
    }

    fn materialize_all_locals(&mut self) {
        if self.lazy_locals == 0 {
            return;
        }
        for i in 0..self.stack.len() {
            if let Operand::Local(_) = self.stack[i].operand {
                self.materialize(i);
            }
        }
    }

    fn materialize_local(&mut self, local: u32) {
        if self.local_refs[local as usize] == 0 {
            return;
        }
        for i in 0..self.stack.len() {
            if let Operand::Local(l) = self.stack[i].operand
                && l == local
            {
                self.materialize(i);
            }
        }
    }

    /// The slot holding a popped entry's value (constants are written to the
    /// entry's own, now free, canonical slot).
    fn read(&mut self, e: Entry) -> Slot {
        match e.operand {
            Operand::Temp => e.slot,
            Operand::Local(i) => self.local_slots[i as usize],
            operand => {
                self.emit_store_operand(e.ty, operand, e.slot);
                e.slot
            }
        }
    }

    fn pop_read(&mut self) -> Slot {
        let e = self.pop();
        self.read(e)
    }

    /// Materializes the top `n` entries, pops them, and returns the slot of
    /// the first (where they now lie consecutively).
    fn pop_consecutive(&mut self, n: usize) -> Slot {
        self.materialize_top(n);
        let base = self.stack[self.stack.len() - n].slot;
        for _ in 0..n {
            self.pop();
        }
        base
    }

    /// Records the stack map of the instruction emitted next (a call, an
    /// allocation, a wait, a `ConsumeFuel`): every reference-typed entry of
    /// the operand stack that
    /// sits in its slot. Call it after the operands are in place and right
    /// before the emission.
    fn record_gc_point(&mut self) {
        let first = self.gc_slots.len();
        for e in &self.stack {
            if let (Operand::Temp, ValType::Ref(_)) = (e.operand, e.ty) {
                self.gc_slots.push(e.slot);
            }
        }
        let len = self.gc_slots.len() - first;
        if len > 0 {
            self.gc_points.push((self.pc(), first as u32, len as u32));
        }
    }

    /// Like [`Self::pop_consecutive`], recording the stack map (operands
    /// included) of the instruction emitted next.
    fn pop_consecutive_gc(&mut self, n: usize) -> Slot {
        self.materialize_top(n);
        self.record_gc_point();
        let base = self
            .stack
            .get(self.stack.len() - n)
            .map_or(self.next_slot(), |e| e.slot);
        for _ in 0..n {
            self.pop();
        }
        base
    }

    fn const_imm(e: &Entry) -> Option<i32> {
        match (e.operand, e.ty) {
            (Operand::Const(v), ValType::I32) => Some(v as u32 as i32),
            (Operand::Const(v), ValType::I64) => i32::try_from(v as i64).ok(),
            _ => None,
        }
    }

    // -------------------------------------------------------------- control

    fn frame(&self, depth: u32) -> &Control {
        &self.controls[self.controls.len() - 1 - depth as usize]
    }

    fn set_unreachable(&mut self) {
        let height = self.controls.last().expect("control frame").height;
        self.truncate(height);
        self.controls.last_mut().expect("control frame").unreachable = true;
    }

    /// Pops a branch condition, fusing it with the comparison that produced
    /// it when that comparison was the last instruction.
    fn take_condition(&mut self) -> Cond {
        let e = self.pop();
        if let (Operand::Temp, Some(at)) = (e.operand, self.producer)
            && at + 1 == self.code.len()
        {
            let fused = match self.code[at] {
                Instr::I32Eqz { dst, src } | Instr::I64Eqz { dst, src } if dst == e.slot => {
                    Some(Cond::Eqz(src))
                }
                ref instr => Cmp::of(instr)
                    .filter(|_| instr_dst(instr) == Some(e.slot))
                    .map(|(c, l, r)| Cond::Cmp(c, l, r)),
            };
            if let Some(cond) = fused {
                self.code.pop();
                self.offsets.pop();
                self.producer = None;
                return cond;
            }
        }
        Cond::Nez(self.read(e))
    }

    /// Emits a jump to the label of the frame at `depth`, recording a fixup
    /// for forward labels. `make` builds the jump for a given target.
    fn jump_to_label(&mut self, depth: u32, make: impl FnOnce(Target) -> Instr) {
        let idx = self.controls.len() - 1 - depth as usize;
        let is_loop = self.controls[idx].kind == Kind::Loop;
        let target = if is_loop { self.controls[idx].head } else { 0 };
        let at = self.emit(make(target));
        if !is_loop {
            self.controls[idx].fixups.push(Fixup::Instr(at));
        }
    }

    /// Whether the top `n` entries already sit in the label's slots.
    fn label_values_in_place(&self, depth: u32) -> bool {
        let c = self.frame(depth);
        let n = c.label_types().len();
        n == 0 || self.stack.len() - n == c.height
    }

    /// Copies the top label values into the label's slots (not popping them).
    fn move_label_values(&mut self, depth: u32) {
        let (n, base) = {
            let c = self.frame(depth);
            (c.label_types().len(), c.base)
        };
        if n == 0 {
            return;
        }
        self.materialize_top(n);
        let first = self.stack[self.stack.len() - n].slot;
        if first != base {
            let len = self.next_slot() - first;
            match len {
                1 => self.emit(Instr::Copy {
                    dst: base,
                    src: first,
                }),
                2 if n == 1 => self.emit(Instr::Copy2 {
                    dst: base,
                    src: first,
                }),
                _ => self.emit(Instr::CopySpan {
                    dst: base,
                    src: first,
                    len,
                }),
            };
        }
    }

    /// Emits the function's return with the results on top of the stack.
    fn emit_return(&mut self) {
        let results = &self.controls[0].results;
        let n = results.len();
        if n == 0 {
            self.emit(Instr::Return0);
            return;
        }
        let top = *self.stack.last().expect("validated results");
        if n == 1 && slot_width(top.ty) == 1 {
            let src = match top.operand {
                Operand::Temp => top.slot,
                Operand::Local(i) => self.local_slots[i as usize],
                _ => {
                    self.materialize(self.stack.len() - 1);
                    top.slot
                }
            };
            self.emit(Instr::Return1 { src });
            return;
        }
        self.materialize_top(n);
        let src = self.stack[self.stack.len() - n].slot;
        let len = self.next_slot() - src;
        self.emit(Instr::ReturnSpan { src, len });
    }

    /// An unconditional branch to the label at `depth`.
    fn branch(&mut self, depth: u32) {
        if depth as usize == self.controls.len() - 1 {
            self.emit_return();
            return;
        }
        self.move_label_values(depth);
        self.jump_to_label(depth, |target| Instr::Br { target });
    }

    fn block_start(&mut self, kind: Kind, blockty: wasmparser::BlockType, cond: Option<Cond>) {
        let (params, results) = block_type_signature(self.m, blockty);
        self.materialize_all_locals();
        self.materialize_top(params.len());
        let height = self.stack.len() - params.len();
        let base = self.stack.get(height).map_or(self.next_slot(), |e| e.slot);
        let mut control = Control {
            kind,
            height,
            base,
            params,
            results,
            head: 0,
            fixups: Vec::new(),
            else_branch: None,
            unreachable: false,
            handler: NO_HANDLER,
            exn_slot: None,
            legacy_clauses: Vec::new(),
        };
        match kind {
            Kind::Loop => {
                control.head = self.place_label();
                self.controls.push(control);
                self.start_fuel_block();
            }
            Kind::If => {
                let cond = cond.expect("if has a condition");
                control.else_branch = Some(self.emit(cond.negate().branch(0)));
                self.controls.push(control);
                self.start_fuel_block();
            }
            _ => self.controls.push(control),
        }
    }

    /// Ends an arm of an `if` or a legacy `try` (a fall-through jumps to
    /// the end with its values in place) and places the next arm's start.
    fn end_arm(&mut self) -> Target {
        let reachable = !self.controls.last().expect("control frame").unreachable;
        if reachable {
            let n = self.controls.last().expect("control frame").results.len();
            self.materialize_top(n);
            let at = self.emit(Instr::Br { target: 0 });
            self.controls
                .last_mut()
                .expect("control frame")
                .fixups
                .push(Fixup::Instr(at));
        }
        self.place_label()
    }

    fn else_start(&mut self) {
        let here = self.end_arm();
        let c = self.controls.last_mut().expect("if frame");
        let else_branch = c.else_branch.take();
        c.kind = Kind::Else;
        c.unreachable = false;
        let height = c.height;
        let params = c.params.clone();
        if let Some(at) = else_branch {
            self.patch(Fixup::Instr(at), here);
        }
        self.truncate(height);
        for ty in params {
            self.push_temp(ty);
        }
        self.start_fuel_block();
    }

    fn block_end(&mut self) -> Result<()> {
        let c = self.controls.last().expect("control frame");
        let reachable = !c.unreachable;
        if c.kind == Kind::Function {
            if reachable {
                self.emit_return();
            }
            return Ok(());
        }
        if reachable {
            let n = c.results.len();
            self.materialize_top(n);
        }
        let c = self.controls.pop().expect("control frame");
        let here = self.place_label();
        self.close_handler(&c, here);
        let falls_into_end = c.kind == Kind::If;
        let branched = !c.fixups.is_empty();
        for f in &c.fixups {
            self.patch(*f, here);
        }
        if let Some(at) = c.else_branch {
            self.patch(Fixup::Instr(at), here);
        }
        self.truncate(c.height);
        for ty in &c.results {
            self.push_temp(*ty);
        }
        let reachable_after = reachable || (c.kind != Kind::Loop && (branched || falls_into_end));
        if !reachable_after {
            self.set_unreachable();
        } else if branched || falls_into_end {
            self.start_fuel_block();
        }
        Ok(())
    }

    // ------------------------------------------------------------ operators

    fn op(&mut self, op: &Operator<'_>, top: Option<ValType>) -> Result<()> {
        if self.controls.last().is_some_and(|c| c.unreachable) {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. } => {
                    self.dead_depth += 1;
                    return Ok(());
                }
                Operator::Else if self.dead_depth == 0 => {
                    self.else_start();
                    return Ok(());
                }
                Operator::Catch { tag_index } if self.dead_depth == 0 => {
                    self.legacy_catch(Some(*tag_index));
                    return Ok(());
                }
                Operator::CatchAll if self.dead_depth == 0 => {
                    self.legacy_catch(None);
                    return Ok(());
                }
                Operator::End if self.dead_depth == 0 => return self.block_end(),
                Operator::Delegate { relative_depth } if self.dead_depth == 0 => {
                    return self.legacy_delegate(*relative_depth);
                }
                Operator::End | Operator::Delegate { .. } => {
                    self.dead_depth -= 1;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
        self.count_fuel();
        let result_ty = || top.expect("validated result type");
        use Operator as O;
        match *op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(Instr::Unreachable);
                self.set_unreachable();
            }
            O::Block { blockty } => self.block_start(Kind::Block, blockty, None),
            O::Loop { blockty } => self.block_start(Kind::Loop, blockty, None),
            O::If { blockty } => {
                let cond = self.take_condition();
                self.block_start(Kind::If, blockty, Some(cond));
            }
            O::Else => self.else_start(),
            O::End => self.block_end()?,
            O::Br { relative_depth } => {
                self.branch(relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { ref targets } => {
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t.map_err(|e| Error::Malformed(e.message().to_string()))?);
                }
                depths.push(targets.default());
                self.br_table(&depths);
                self.set_unreachable();
            }
            O::Return => {
                self.emit_return();
                self.set_unreachable();
            }
            O::Call { function_index } => self.call(function_index, false),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let cond = self.pop_read();
                let b = self.pop_read();
                let a = self.pop_read();
                let ty = result_ty();
                let dst = self.push_temp(ty);
                if slot_width(ty) == 2 {
                    self.emit(Instr::Select2 { dst, a, b });
                } else {
                    self.emit(Instr::Select { dst, a, b });
                }
                self.emit(Instr::Operand { a: cond });
            }
            O::LocalGet { local_index } => {
                let ty = self.local_types[local_index as usize];
                self.push(ty, Operand::Local(local_index));
            }
            O::LocalSet { local_index } => {
                self.materialize_local(local_index);
                let e = self.pop();
                self.store_local(local_index, e);
            }
            O::LocalTee { local_index } => {
                self.materialize_local(local_index);
                let e = self.pop();
                self.store_local(local_index, e);
                let ty = self.local_types[local_index as usize];
                self.push(ty, Operand::Local(local_index));
            }
            O::GlobalGet { global_index } => {
                let ty = result_ty();
                let dst = self.push_temp(ty);
                if slot_width(ty) == 2 {
                    self.emit_producer(Instr::GlobalGet2 {
                        dst,
                        global: global_index,
                    });
                } else {
                    self.emit_producer(Instr::GlobalGet {
                        dst,
                        global: global_index,
                    });
                }
            }
            O::GlobalSet { global_index } => {
                let e = self.pop();
                let src = self.read(e);
                if slot_width(e.ty) == 2 {
                    self.emit(Instr::GlobalSet2 {
                        src,
                        global: global_index,
                    });
                } else {
                    self.emit(Instr::GlobalSet {
                        src,
                        global: global_index,
                    });
                }
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load(LoadKind::U32, memarg, top),
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(LoadKind::U64, memarg, top),
            O::I32Load8S { memarg } => self.load(LoadKind::I32S8, memarg, top),
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => {
                self.load(LoadKind::U8, memarg, top)
            }
            O::I32Load16S { memarg } => self.load(LoadKind::I32S16, memarg, top),
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(LoadKind::U16, memarg, top)
            }
            O::I64Load8S { memarg } => self.load(LoadKind::I64S8, memarg, top),
            O::I64Load16S { memarg } => self.load(LoadKind::I64S16, memarg, top),
            O::I64Load32S { memarg } => self.load(LoadKind::I64S32, memarg, top),
            O::I64Load32U { memarg } => self.load(LoadKind::U32, memarg, top),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(4, memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(8, memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(1, memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(2, memarg),
            O::MemorySize { mem } => {
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::MemorySize { dst, memory: mem });
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop_read();
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::MemoryGrow {
                    dst,
                    delta,
                    memory: mem,
                });
            }
            O::MemoryFill { mem } => {
                let base = self.pop_consecutive(3);
                self.emit(Instr::MemoryFill { base, memory: mem });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let base = self.pop_consecutive(3);
                let memories = self.pairs.len() as u32;
                self.pairs.push((dst_mem, src_mem));
                self.emit(Instr::MemoryCopy { base, memories });
            }
            O::MemoryInit { data_index, mem } => {
                let base = self.pop_consecutive(3);
                self.emit(Instr::MemoryInit {
                    base,
                    data: data_index,
                    memory: mem,
                });
            }
            O::DataDrop { data_index } => {
                self.emit(Instr::DataDrop { data: data_index });
            }
            O::TableGet { table } => {
                let index = self.pop_read();
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::TableGet { dst, index, table });
            }
            O::TableSet { table } => {
                let value = self.pop_read();
                let index = self.pop_read();
                self.emit(Instr::TableSet {
                    index,
                    value,
                    table,
                });
            }
            O::TableSize { table } => {
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::TableSize { dst, table });
            }
            O::TableGrow { table } => {
                let base = self.pop_consecutive(2);
                self.push_temp(result_ty());
                self.emit(Instr::TableGrow { base, table });
            }
            O::TableFill { table } => {
                let base = self.pop_consecutive(3);
                self.emit(Instr::TableFill { base, table });
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let base = self.pop_consecutive(3);
                let tables = self.pairs.len() as u32;
                self.pairs.push((dst_table, src_table));
                self.emit(Instr::TableCopy { base, tables });
            }
            O::TableInit { elem_index, table } => {
                let base = self.pop_consecutive(3);
                self.emit(Instr::TableInit {
                    base,
                    elem: elem_index,
                    table,
                });
            }
            O::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop { elem: elem_index });
            }
            O::RefNull { .. } => {
                self.push(result_ty(), Operand::Const(0));
            }
            O::RefIsNull => self.unary(|dst, src| Instr::RefIsNull { dst, src }, ValType::I32),
            O::RefFunc { function_index } => {
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            O::I32Const { value } => {
                self.push(ValType::I32, Operand::Const(value as u32 as u64));
            }
            O::I64Const { value } => {
                self.push(ValType::I64, Operand::Const(value as u64));
            }
            O::F32Const { value } => {
                self.push(ValType::F32, Operand::Const(value.bits() as u64));
            }
            O::F64Const { value } => {
                self.push(ValType::F64, Operand::Const(value.bits()));
            }
            // Conversions that keep the bits: only the entry's type changes.
            O::I64ExtendI32U
            | O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => {
                let ty = result_ty();
                self.stack.last_mut().expect("validated operand").ty = ty;
            }
            _ => {
                if !self.numeric(op, top)?
                    && !self.simd(op, top)?
                    && !self.atomic(op, top)
                    && !self.wide(op)
                    && !self.refs_op(op, top)?
                    && !self.gc_op(op, top)?
                    && !self.exn_op(op, top)?
                {
                    return Err(Error::Unsupported(format!(
                        "operator {op:?} (at offset 0x{:x})",
                        self.offset
                    )));
                }
            }
        }
        Ok(())
    }

    fn br_if(&mut self, depth: u32) {
        let cond = self.take_condition();
        let is_return = depth as usize == self.controls.len() - 1;
        // Lazy label values are written to their slots on both paths, so the
        // stack image stays true when the branch is not taken.
        let n = self.frame(depth).label_types().len();
        self.materialize_top(n);
        self.branch_if(
            depth,
            is_return,
            |target| cond.branch(target),
            |target| cond.negate().branch(target),
        );
    }

    /// A conditional branch to the label at `depth` whose values are on
    /// top of the stack, in their slots. `make` builds the branch for a
    /// target, `inverse` the branch on the opposite condition.
    fn branch_if(
        &mut self,
        depth: u32,
        is_return: bool,
        make: impl FnOnce(Target) -> Instr,
        inverse: impl FnOnce(Target) -> Instr,
    ) {
        if !is_return && self.label_values_in_place(depth) {
            self.jump_to_label(depth, make);
            return;
        }
        // Values must move (or we return): skip over the move when not taken.
        let skip = self.emit(inverse(0));
        if is_return {
            self.emit_return();
        } else {
            self.move_label_values(depth);
            self.jump_to_label(depth, |target| Instr::Br { target });
        }
        let here = self.place_label();
        self.patch(Fixup::Instr(skip), here);
    }

    fn br_table(&mut self, depths: &[u32]) {
        let index = self.pop_read();
        let arity = self.frame(depths[depths.len() - 1]).label_types().len();
        self.materialize_top(arity);
        let table = self.br_tables.len();
        self.br_tables.push(vec![0; depths.len()].into());
        self.emit(Instr::BrTable {
            index,
            table: table as u32,
        });
        // Targets whose values are in place jump straight to the label;
        // the others go through a stub that moves the values first.
        let mut stubs: Vec<(u32, Target)> = Vec::new();
        for (pos, &depth) in depths.iter().enumerate() {
            let idx = self.controls.len() - 1 - depth as usize;
            if let Some(&(_, stub)) = stubs.iter().find(|(d, _)| *d == depth) {
                self.br_tables[table][pos] = stub;
            } else if idx != 0 && self.label_values_in_place(depth) {
                if self.controls[idx].kind == Kind::Loop {
                    self.br_tables[table][pos] = self.controls[idx].head;
                } else {
                    self.controls[idx].fixups.push(Fixup::Table(table, pos));
                }
            } else {
                let stub = self.place_label();
                self.branch(depth);
                stubs.push((depth, stub));
                self.br_tables[table][pos] = stub;
            }
        }
    }

    /// `call`, or with `tail` `return_call`.
    fn call(&mut self, func: u32, tail: bool) {
        let ty = self.m.func_type(func);
        let (nparams, results) = (ty.params().len(), ty.results().to_vec());
        let base = self.pop_consecutive_gc(nparams);
        let internal = func.checked_sub(self.m.num_imported_funcs);
        match (internal, tail) {
            (Some(func), false) => self.emit(Instr::CallInternal { func, base }),
            (None, false) => self.emit(Instr::Call { func, base }),
            (Some(func), true) => self.emit(Instr::ReturnCallInternal { func, base }),
            (None, true) => self.emit(Instr::ReturnCall { func, base }),
        };
        self.after_call(base, results, tail && internal.is_none(), tail);
    }

    /// `call_indirect`, or with `tail` `return_call_indirect`.
    fn call_indirect(&mut self, type_index: u32, table: u32, tail: bool) {
        let index = self.pop_read();
        let ty = self.m.func_type_at(type_index);
        let (nparams, results) = (ty.params().len(), ty.results().to_vec());
        let base = self.pop_consecutive_gc(nparams);
        let site = self.call_site(type_index, table);
        if tail {
            self.emit(Instr::ReturnCallIndirect { base, index, site });
        } else {
            self.emit(Instr::CallIndirect { base, index, site });
        }
        self.after_call(base, results, tail, tail);
    }

    /// After a call: its results are on the stack; after a tail call
    /// whose callee may be a host function (`may_return`), the results it
    /// left at `base` are returned; after any tail call, the code that
    /// follows is unreachable.
    fn after_call(&mut self, base: Slot, results: Vec<ValType>, may_return: bool, tail: bool) {
        if may_return {
            // The host callee writes its results at `base`: the frame must
            // hold them even when nothing else is pushed that high.
            self.max_slots = self.max_slots.max(base + slots_of(&results));
            self.return_from(base);
        }
        if tail {
            self.set_unreachable();
        } else {
            for ty in results {
                self.push_temp(ty);
            }
        }
    }

    /// A `call_indirect` site's side-table entry.
    fn call_site(&mut self, type_index: u32, table: u32) -> u32 {
        let site = self.call_sites.len() as u32;
        self.call_sites
            .push((self.m.type_info(type_index).id, table, type_index));
        site
    }

    fn store_local(&mut self, local: u32, e: Entry) {
        let dst = self.local_slots[local as usize];
        if let (Operand::Temp, Some(at)) = (e.operand, self.producer)
            && at + 1 == self.code.len()
            && let Some(d) = instr_dst_mut(&mut self.code[at])
            && *d == e.slot
        {
            *d = dst;
            self.producer = None;
            return;
        }
        match e.operand {
            Operand::Temp => self.emit_copy(e.ty, dst, e.slot),
            operand => self.emit_store_operand(e.ty, operand, dst),
        }
    }

    fn memarg_fast(&self, memarg: &MemArg) -> Option<u32> {
        (memarg.memory == 0)
            .then(|| u32::try_from(memarg.offset).ok())
            .flatten()
    }

    fn memarg_index(&mut self, memarg: &MemArg) -> u32 {
        self.memargs.push(MemArgEx {
            memory: memarg.memory,
            offset: memarg.offset,
        });
        self.memargs.len() as u32 - 1
    }

    fn load(&mut self, kind: LoadKind, memarg: MemArg, top: Option<ValType>) {
        let addr = self.pop_read();
        let dst = self.push_temp(top.expect("validated load"));
        let instr = match self.memarg_fast(&memarg) {
            Some(offset) => kind.instr(dst, addr, offset),
            None => Instr::LoadEx {
                kind,
                dst,
                addr,
                memarg: self.memarg_index(&memarg),
            },
        };
        self.emit_producer(instr);
    }

    fn store(&mut self, size: u8, memarg: MemArg) {
        let value = self.pop();
        if let (Some(offset), Some(imm)) = (self.memarg_fast(&memarg), Self::const_imm(&value)) {
            let addr = self.pop_read();
            self.emit(match size {
                1 => Instr::Store8Imm {
                    addr,
                    value: imm,
                    offset,
                },
                2 => Instr::Store16Imm {
                    addr,
                    value: imm,
                    offset,
                },
                4 => Instr::Store32Imm {
                    addr,
                    value: imm,
                    offset,
                },
                _ => Instr::Store64Imm {
                    addr,
                    value: imm,
                    offset,
                },
            });
            return;
        }
        let src = self.read(value);
        let addr = self.pop_read();
        let instr = match (self.memarg_fast(&memarg), size) {
            (Some(offset), 1) => Instr::Store8 { addr, src, offset },
            (Some(offset), 2) => Instr::Store16 { addr, src, offset },
            (Some(offset), 4) => Instr::Store32 { addr, src, offset },
            (Some(offset), _) => Instr::Store64 { addr, src, offset },
            (None, size) => Instr::StoreEx {
                size,
                addr,
                src,
                memarg: self.memarg_index(&memarg),
            },
        };
        self.emit(instr);
    }

    fn unary(&mut self, make: impl FnOnce(Slot, Slot) -> Instr, ty: ValType) {
        let src = self.pop_read();
        let dst = self.push_temp(ty);
        self.emit_producer(make(dst, src));
    }

    fn binary(
        &mut self,
        make: impl FnOnce(Slot, Slot, Slot) -> Instr,
        make_imm: Option<fn(Slot, Slot, i32) -> Instr>,
        commutative: bool,
        ty: ValType,
    ) {
        let mut b = self.pop();
        let mut a = self.pop();
        if let Some(make_imm) = make_imm {
            if commutative && Self::const_imm(&a).is_some() && Self::const_imm(&b).is_none() {
                std::mem::swap(&mut a, &mut b);
                // The swapped entries keep their own canonical slots; the
                // result goes to the lower one either way.
            }
            if let Some(imm) = Self::const_imm(&b) {
                let lhs = self.read(a);
                let dst = self.push_temp(ty);
                self.emit_producer(make_imm(dst, lhs, imm));
                return;
            }
        }
        let lhs = self.read(a);
        let rhs = self.read(b);
        let dst = self.push_temp(ty);
        self.emit_producer(make(dst, lhs, rhs));
    }

    /// Scalar numeric operators; false if `op` is not one.
    fn numeric(&mut self, op: &Operator<'_>, top: Option<ValType>) -> Result<bool> {
        macro_rules! un {
            ($v:ident) => {
                self.unary(|dst, src| Instr::$v { dst, src }, top.expect("validated"))
            };
        }
        macro_rules! bin {
            ($v:ident) => {
                self.binary(
                    |dst, lhs, rhs| Instr::$v { dst, lhs, rhs },
                    None,
                    false,
                    top.expect("validated"),
                )
            };
            ($v:ident, $imm:ident, $comm:expr) => {
                self.binary(
                    |dst, lhs, rhs| Instr::$v { dst, lhs, rhs },
                    Some(|dst, lhs, imm| Instr::$imm { dst, lhs, imm }),
                    $comm,
                    top.expect("validated"),
                )
            };
        }
        use Operator as O;
        match op {
            O::I32Eqz => un!(I32Eqz),
            O::I64Eqz => un!(I64Eqz),
            O::I32Clz => un!(I32Clz),
            O::I32Ctz => un!(I32Ctz),
            O::I32Popcnt => un!(I32Popcnt),
            O::I64Clz => un!(I64Clz),
            O::I64Ctz => un!(I64Ctz),
            O::I64Popcnt => un!(I64Popcnt),
            O::F32Abs => un!(F32Abs),
            O::F32Neg => un!(F32Neg),
            O::F32Ceil => un!(F32Ceil),
            O::F32Floor => un!(F32Floor),
            O::F32Trunc => un!(F32Trunc),
            O::F32Nearest => un!(F32Nearest),
            O::F32Sqrt => un!(F32Sqrt),
            O::F64Abs => un!(F64Abs),
            O::F64Neg => un!(F64Neg),
            O::F64Ceil => un!(F64Ceil),
            O::F64Floor => un!(F64Floor),
            O::F64Trunc => un!(F64Trunc),
            O::F64Nearest => un!(F64Nearest),
            O::F64Sqrt => un!(F64Sqrt),
            O::I32WrapI64 => un!(I32WrapI64),
            O::I64ExtendI32S => un!(I64ExtendI32S),
            O::I32TruncF32S => un!(I32TruncF32S),
            O::I32TruncF32U => un!(I32TruncF32U),
            O::I32TruncF64S => un!(I32TruncF64S),
            O::I32TruncF64U => un!(I32TruncF64U),
            O::I64TruncF32S => un!(I64TruncF32S),
            O::I64TruncF32U => un!(I64TruncF32U),
            O::I64TruncF64S => un!(I64TruncF64S),
            O::I64TruncF64U => un!(I64TruncF64U),
            O::F32ConvertI32S => un!(F32ConvertI32S),
            O::F32ConvertI32U => un!(F32ConvertI32U),
            O::F32ConvertI64S => un!(F32ConvertI64S),
            O::F32ConvertI64U => un!(F32ConvertI64U),
            O::F32DemoteF64 => un!(F32DemoteF64),
            O::F64ConvertI32S => un!(F64ConvertI32S),
            O::F64ConvertI32U => un!(F64ConvertI32U),
            O::F64ConvertI64S => un!(F64ConvertI64S),
            O::F64ConvertI64U => un!(F64ConvertI64U),
            O::F64PromoteF32 => un!(F64PromoteF32),
            O::I32Extend8S => un!(I32Extend8S),
            O::I32Extend16S => un!(I32Extend16S),
            O::I64Extend8S => un!(I64Extend8S),
            O::I64Extend16S => un!(I64Extend16S),
            O::I64Extend32S => un!(I64Extend32S),
            O::I32TruncSatF32S => un!(I32TruncSatF32S),
            O::I32TruncSatF32U => un!(I32TruncSatF32U),
            O::I32TruncSatF64S => un!(I32TruncSatF64S),
            O::I32TruncSatF64U => un!(I32TruncSatF64U),
            O::I64TruncSatF32S => un!(I64TruncSatF32S),
            O::I64TruncSatF32U => un!(I64TruncSatF32U),
            O::I64TruncSatF64S => un!(I64TruncSatF64S),
            O::I64TruncSatF64U => un!(I64TruncSatF64U),

            O::I32Eq => bin!(I32Eq, I32EqImm, true),
            O::I32Ne => bin!(I32Ne, I32NeImm, true),
            O::I32LtS => bin!(I32LtS, I32LtSImm, false),
            O::I32LtU => bin!(I32LtU, I32LtUImm, false),
            O::I32GtS => bin!(I32GtS, I32GtSImm, false),
            O::I32GtU => bin!(I32GtU, I32GtUImm, false),
            O::I32LeS => bin!(I32LeS, I32LeSImm, false),
            O::I32LeU => bin!(I32LeU, I32LeUImm, false),
            O::I32GeS => bin!(I32GeS, I32GeSImm, false),
            O::I32GeU => bin!(I32GeU, I32GeUImm, false),
            O::I64Eq => bin!(I64Eq, I64EqImm, true),
            O::I64Ne => bin!(I64Ne, I64NeImm, true),
            O::I64LtS => bin!(I64LtS, I64LtSImm, false),
            O::I64LtU => bin!(I64LtU, I64LtUImm, false),
            O::I64GtS => bin!(I64GtS, I64GtSImm, false),
            O::I64GtU => bin!(I64GtU, I64GtUImm, false),
            O::I64LeS => bin!(I64LeS, I64LeSImm, false),
            O::I64LeU => bin!(I64LeU, I64LeUImm, false),
            O::I64GeS => bin!(I64GeS, I64GeSImm, false),
            O::I64GeU => bin!(I64GeU, I64GeUImm, false),
            O::F32Eq => bin!(F32Eq),
            O::F32Ne => bin!(F32Ne),
            O::F32Lt => bin!(F32Lt),
            O::F32Gt => bin!(F32Gt),
            O::F32Le => bin!(F32Le),
            O::F32Ge => bin!(F32Ge),
            O::F64Eq => bin!(F64Eq),
            O::F64Ne => bin!(F64Ne),
            O::F64Lt => bin!(F64Lt),
            O::F64Gt => bin!(F64Gt),
            O::F64Le => bin!(F64Le),
            O::F64Ge => bin!(F64Ge),
            O::I32Add => bin!(I32Add, I32AddImm, true),
            O::I32Sub => bin!(I32Sub, I32SubImm, false),
            O::I32Mul => bin!(I32Mul, I32MulImm, true),
            O::I32DivS => bin!(I32DivS),
            O::I32DivU => bin!(I32DivU),
            O::I32RemS => bin!(I32RemS),
            O::I32RemU => bin!(I32RemU),
            O::I32And => bin!(I32And, I32AndImm, true),
            O::I32Or => bin!(I32Or, I32OrImm, true),
            O::I32Xor => bin!(I32Xor, I32XorImm, true),
            O::I32Shl => bin!(I32Shl, I32ShlImm, false),
            O::I32ShrS => bin!(I32ShrS, I32ShrSImm, false),
            O::I32ShrU => bin!(I32ShrU, I32ShrUImm, false),
            O::I32Rotl => bin!(I32Rotl, I32RotlImm, false),
            O::I32Rotr => bin!(I32Rotr, I32RotrImm, false),
            O::I64Add => bin!(I64Add, I64AddImm, true),
            O::I64Sub => bin!(I64Sub, I64SubImm, false),
            O::I64Mul => bin!(I64Mul, I64MulImm, true),
            O::I64DivS => bin!(I64DivS),
            O::I64DivU => bin!(I64DivU),
            O::I64RemS => bin!(I64RemS),
            O::I64RemU => bin!(I64RemU),
            O::I64And => bin!(I64And, I64AndImm, true),
            O::I64Or => bin!(I64Or, I64OrImm, true),
            O::I64Xor => bin!(I64Xor, I64XorImm, true),
            O::I64Shl => bin!(I64Shl, I64ShlImm, false),
            O::I64ShrS => bin!(I64ShrS, I64ShrSImm, false),
            O::I64ShrU => bin!(I64ShrU, I64ShrUImm, false),
            O::I64Rotl => bin!(I64Rotl, I64RotlImm, false),
            O::I64Rotr => bin!(I64Rotr, I64RotrImm, false),
            O::F32Add => bin!(F32Add),
            O::F32Sub => bin!(F32Sub),
            O::F32Mul => bin!(F32Mul),
            O::F32Div => bin!(F32Div),
            O::F32Min => bin!(F32Min),
            O::F32Max => bin!(F32Max),
            O::F32Copysign => bin!(F32Copysign),
            O::F64Add => bin!(F64Add),
            O::F64Sub => bin!(F64Sub),
            O::F64Mul => bin!(F64Mul),
            O::F64Div => bin!(F64Div),
            O::F64Min => bin!(F64Min),
            O::F64Max => bin!(F64Max),
            O::F64Copysign => bin!(F64Copysign),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// SIMD operators; false if `op` is not one.
    fn simd(&mut self, op: &Operator<'_>, top: Option<ValType>) -> Result<bool> {
        let Some(class) = simd::classify(op) else {
            return Ok(false);
        };
        let result_ty = || top.expect("validated simd result");
        match class {
            SimdClass::Unary(op) => {
                self.unary(|dst, src| Instr::SimdUnary { op, dst, src }, ValType::V128)
            }
            SimdClass::Binary(op) => self.binary(
                |dst, lhs, rhs| Instr::SimdBinary { op, dst, lhs, rhs },
                None,
                false,
                ValType::V128,
            ),
            SimdClass::Shift(op) => self.binary(
                |dst, lhs, rhs| Instr::SimdShift { op, dst, lhs, rhs },
                None,
                false,
                ValType::V128,
            ),
            SimdClass::Ternary(op) => {
                let base = self.pop_consecutive(3);
                let dst = self.push_temp(ValType::V128);
                self.emit_producer(Instr::SimdTernary { op, dst, base });
            }
            SimdClass::Splat(op) => {
                self.unary(|dst, src| Instr::SimdSplat { op, dst, src }, ValType::V128)
            }
            SimdClass::Test(op) => {
                self.unary(|dst, src| Instr::SimdTest { op, dst, src }, ValType::I32)
            }
            SimdClass::ExtractLane(op, lane) => self.unary(
                |dst, src| Instr::SimdExtractLane { op, lane, dst, src },
                result_ty(),
            ),
            SimdClass::ReplaceLane(op, lane) => self.binary(
                |dst, lhs, rhs| Instr::SimdReplaceLane {
                    op,
                    lane,
                    dst,
                    lhs,
                    rhs,
                },
                None,
                false,
                ValType::V128,
            ),
            SimdClass::Const(v) => {
                self.push(ValType::V128, Operand::Const128(v));
            }
            SimdClass::Shuffle(lanes) => {
                let base = self.pop_consecutive(2);
                let index = self.consts128.len() as u32;
                self.consts128.push(u128::from_le_bytes(lanes));
                let dst = self.push_temp(ValType::V128);
                self.emit_producer(Instr::SimdShuffle {
                    dst,
                    base,
                    lanes: index,
                });
            }
            SimdClass::Load(op, memarg) => {
                let addr = self.pop_read();
                let dst = self.push_temp(ValType::V128);
                let memarg = self.memarg_index(&memarg);
                self.emit_producer(Instr::SimdLoad {
                    op,
                    dst,
                    addr,
                    memarg,
                });
            }
            SimdClass::Store(memarg) => {
                let src = self.pop_read();
                let addr = self.pop_read();
                let memarg = self.memarg_index(&memarg);
                self.emit(Instr::SimdStore { addr, src, memarg });
            }
            SimdClass::LoadLane(width, memarg, lane) => {
                let base = self.pop_consecutive(2);
                let dst = self.push_temp(ValType::V128);
                let memarg = self.memarg_index(&memarg);
                self.emit_producer(Instr::SimdLoadLane {
                    width,
                    lane,
                    dst,
                    base,
                    memarg,
                });
            }
            SimdClass::StoreLane(width, memarg, lane) => {
                let base = self.pop_consecutive(2);
                let memarg = self.memarg_index(&memarg);
                self.emit(Instr::SimdStoreLane {
                    width,
                    lane,
                    base,
                    memarg,
                });
            }
        }
        Ok(true)
    }
}

/// The result slot of an instruction that writes exactly one value.
fn instr_dst(instr: &Instr) -> Option<Slot> {
    let mut copy = *instr;
    instr_dst_mut(&mut copy).map(|d| *d)
}

/// The result slot of a single-result instruction, for retargeting it to a
/// local.
fn instr_dst_mut(instr: &mut Instr) -> Option<&mut Slot> {
    crate::exec::instr::dst_mut(instr)
}
