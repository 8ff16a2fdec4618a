//! Execution (core spec, "Execution"): the interpreter loop.
//!
//! A wasm thread is data: a value stack of 64-bit slots and a stack of
//! [`Frame`]s. The loop keeps only the running frame in local variables and
//! never recurses on the Rust stack for wasm calls, so a thread can stop at
//! any call boundary (a suspending host call) and continue later, and deep
//! wasm recursion ends in a clean "call stack exhausted" trap.

pub(crate) mod atomics;
pub(crate) mod exceptions;
mod ext;
pub(crate) mod gc;
pub(crate) mod instr;
pub(crate) mod numeric;
pub(crate) mod simd;
pub(crate) mod wide;

use std::any::Any;
use std::ptr;
use std::sync::Arc;

use crate::error::{FrameInfo, Trap, TrapKind};
use crate::module::{CompiledFunc, ModuleInner};
use crate::runtime::Instance;
use crate::runtime::host::{Caller, HostResult};
use crate::runtime::store::{FuncInst, Store};
use crate::runtime::waiters::WaiterId;
use crate::types::ValTy;
use crate::values::{Val, func_ref, func_ref_addr};
use instr::{Instr, LoadKind, Slot};
use numeric::*;

/// A wasm activation: which function of which instance, where it resumes,
/// and where its slots start in the thread's value stack.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub(crate) instance: u32,
    /// Index among the module's defined functions.
    pub(crate) func: u32,
    /// For the running frame, the next instruction; for callers, the
    /// instruction after their call.
    pub(crate) pc: u32,
    pub(crate) fp: u32,
}

/// A host call the thread is suspended in: where its results go.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) base: usize,
    pub(crate) results: Vec<ValTy>,
}

/// The explicit state of one wasm thread.
#[derive(Debug, Default)]
pub(crate) struct ThreadState {
    pub(crate) stack: Vec<u64>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) pending: Option<Pending>,
    /// While blocked in `memory.atomic.wait`: the wait, and the absolute
    /// slot its result goes to.
    pub(crate) waiting: Option<(WaiterId, usize)>,
    /// Preempted by a time slice: the top frame stopped *before* the
    /// `ConsumeFuel` at its pc (which runs again on resume), not after the
    /// instruction at `pc - 1` like every other stopped frame. The
    /// collector reads the stack map at `pc` then.
    pub(crate) preempted: bool,
}

/// Why the loop stopped without trapping.
pub(crate) enum Exit {
    /// The outermost frame returned; its results are at the stack's start.
    Returned,
    /// A host function suspended the thread.
    Suspended(Box<dyn Any + Send>),
    /// An exception left the outermost frame: the exception and the wasm
    /// frames it unwound (innermost first). The thread has no frames left.
    Thrown(u64, Vec<FrameInfo>),
    /// `memory.atomic.wait` blocked; `ThreadState::waiting` says on what.
    Waiting,
    /// The store's time slice ran out (preemption); the thread continues
    /// where it stopped when resumed.
    Yielded,
}

/// Pushes a frame for a wasm function whose arguments already sit at `fp`,
/// growing the value stack as needed and zeroing the declared locals.
#[inline(always)]
pub(crate) fn enter_frame(
    store: &Store,
    ts: &mut ThreadState,
    instance: u32,
    def_index: u32,
    code: &CompiledFunc,
    fp: usize,
) -> Result<(), TrapKind> {
    let config = store.engine.config();
    if ts.frames.len() >= config.max_call_depth as usize {
        return Err(TrapKind::CallStackExhausted);
    }
    let need = fp + code.frame_slots as usize;
    if need > ts.stack.len() {
        grow_stack(ts, need, config.max_stack_slots as usize)?;
    }
    // Usually a handful of locals: a plain loop beats a call to memset.
    for slot in &mut ts.stack[fp + code.param_slots as usize..fp + code.local_slots as usize] {
        *slot = 0;
    }
    ts.frames.push(Frame {
        instance,
        func: def_index,
        pc: 0,
        fp: fp as u32,
    });
    Ok(())
}

/// Replaces the top frame by a frame for a wasm function (a tail call):
/// the arguments at `args` move to `fp`, where the replaced frame started.
#[inline(always)]
pub(crate) fn enter_tail(
    store: &Store,
    ts: &mut ThreadState,
    instance: u32,
    def_index: u32,
    code: &CompiledFunc,
    args: usize,
    fp: usize,
) -> Result<(), TrapKind> {
    let need = fp + code.frame_slots as usize;
    if need > ts.stack.len() {
        grow_stack(ts, need, store.engine.config().max_stack_slots as usize)?;
    }
    let params = code.param_slots as usize;
    ts.stack.copy_within(args..args + params, fp);
    for slot in &mut ts.stack[fp + params..fp + code.local_slots as usize] {
        *slot = 0;
    }
    *ts.frames.last_mut().expect("a frame") = Frame {
        instance,
        func: def_index,
        pc: 0,
        fp: fp as u32,
    };
    Ok(())
}

/// How a call of a host function from wasm ended.
pub(crate) enum HostCall {
    /// Its results are in the caller's frame.
    Returned,
    Suspended(Box<dyn Any + Send>),
    /// It threw this exception from the call site.
    Threw(u64),
    Trapped(Trap),
}

/// Calls host function `addr` with the arguments at `ts.stack[base..]`,
/// writing its results there. While it runs, the thread waits in the store
/// (`Store::in_host`), where the collector sees its references; the
/// arguments stay alive through the call because the call site's stack
/// map includes them. Roots the host function took are released when it
/// returns, after its results are in the frame.
#[inline(never)]
pub(crate) fn call_host(
    store: &mut Store,
    ts: &mut ThreadState,
    inst: u32,
    addr: usize,
    base: usize,
) -> HostCall {
    let FuncInst::Host { info, func, .. } = &store.funcs[addr] else {
        unreachable!("a host function")
    };
    let (info, func) = (Arc::clone(info), func.clone());
    let (params, results) = info.func().unwrap_or((&[], &[]));
    let args = store.slots_to_vals(params, &ts.stack[base..], false);
    store.in_host.push(std::mem::take(ts));
    let roots = store.host_roots.len();
    let result = {
        let mut caller = Caller {
            store,
            instance: Some(Instance(inst)),
        };
        (func.0)(&mut caller, &args)
    };
    *ts = store.in_host.pop().expect("the waiting thread");
    let outcome = match result {
        Ok(HostResult::Return(vals)) => {
            match store.vals_to_slots(&vals, results, &mut ts.stack[base..]) {
                Ok(()) => HostCall::Returned,
                Err(e) => HostCall::Trapped(Trap::host(format!(
                    "host function returned {vals:?}, expected values of types {results:?}: {e}"
                ))),
            }
        }
        Ok(HostResult::Suspend(payload)) => {
            ts.pending = Some(Pending {
                base,
                results: results.to_vec(),
            });
            // The host function's roots stay: the embedder may hand them
            // back when it resumes the thread.
            return HostCall::Suspended(payload);
        }
        Ok(HostResult::Throw(exn)) => match store.ref_bits(&Val::ExnRef(Some(exn))) {
            Ok(bits) if bits != 0 => HostCall::Threw(bits),
            Ok(_) => HostCall::Trapped(TrapKind::NullReference.into()),
            Err(e) => HostCall::Trapped(Trap::host(e)),
        },
        Err(t) => HostCall::Trapped(t),
    };
    store.host_roots.truncate(roots);
    outcome
}

/// Throws exception `exn` from the top frame of `ts` (whose pc is saved):
/// `None` when a handler caught it (the top frame is the handler's), the
/// thread's exit when nothing did.
#[inline(never)]
pub(crate) fn throw(store: &Store, ts: &mut ThreadState, exn: u64) -> Option<Exit> {
    if exceptions::unwind(store, ts, exn) {
        return None;
    }
    if let Some(f) = ts.frames.last_mut() {
        f.pc = f.pc.saturating_sub(1);
    }
    let bt = backtrace(store, ts);
    ts.frames.clear();
    Some(Exit::Thrown(exn, bt))
}

/// The function `call_indirect` site `site` calls for table index `i`,
/// after the checks the instruction makes.
#[inline(always)]
pub(crate) fn indirect_callee(
    store: &Store,
    inst: u32,
    module: &ModuleInner,
    cf: &CompiledFunc,
    i: u64,
    site: u32,
) -> Result<u32, Trap> {
    let (expected, table, type_index) = cf.call_sites[site as usize];
    let taddr = store.instances[inst as usize].tables[table as usize];
    let i = if store.tables[taddr as usize].ty.table64 {
        i
    } else {
        i as u32 as u64
    };
    let Ok(r) = store.tables[taddr as usize].get(i) else {
        return Err(Trap::with_message(
            TrapKind::UndefinedElement,
            format!("undefined element {i}"),
        ));
    };
    let Some(addr) = func_ref_addr(r) else {
        return Err(Trap::with_message(
            TrapKind::UninitializedElement,
            format!("uninitialized element {i}"),
        ));
    };
    if store.funcs[addr as usize].type_id() != expected
        && !indirect_subtype(store, module, addr, type_index)
    {
        return Err(TrapKind::IndirectCallTypeMismatch.into());
    }
    Ok(addr)
}

/// `call_indirect` of a function whose type is not the expected one:
/// whether it is a subtype.
#[cold]
#[inline(never)]
fn indirect_subtype(store: &Store, module: &ModuleInner, addr: u32, type_index: u32) -> bool {
    store.funcs[addr as usize]
        .info()
        .is_subtype_of(module.type_info(type_index))
}

#[cold]
fn grow_stack(ts: &mut ThreadState, need: usize, max: usize) -> Result<(), TrapKind> {
    if need > max {
        return Err(TrapKind::CallStackExhausted);
    }
    let new_len = need.max(ts.stack.len() * 2).max(1024).min(max);
    ts.stack.resize(new_len, 0);
    Ok(())
}

/// Runs the thread's top frame until the outermost frame returns, a host
/// function suspends, or something traps (the trap carries a backtrace).
pub(crate) fn run(store: &mut Store, ts: &mut ThreadState) -> Result<Exit, Trap> {
    run_loop(store, ts).map_err(|mut trap| {
        // A trap raised by a nested thread (a host function that re-entered
        // wasm, e.g. a component call) keeps its inner frames; ours follow.
        trap.backtrace.extend(backtrace(store, ts));
        trap
    })
}

pub(crate) fn backtrace(store: &Store, ts: &ThreadState) -> Vec<FrameInfo> {
    let mut out = Vec::new();
    for (i, f) in ts.frames.iter().rev().enumerate() {
        let module = &store.instances[f.instance as usize].module;
        let code = &module.funcs[f.func as usize];
        // The top frame's pc names the faulting instruction; callers' pcs
        // name the instruction after their call.
        let pc = if i == 0 { f.pc } else { f.pc.saturating_sub(1) };
        out.push(FrameInfo {
            func_index: code.func_index,
            func_name: module.func_names.get(&code.func_index).cloned(),
            offset: code.offsets.get(pc as usize).copied(),
        });
    }
    out
}

/// The base pointer and length of memory 0 of an instance.
#[inline]
fn memory0(store: &mut Store, instance: u32) -> (*mut u8, u64) {
    match store.instances[instance as usize].memories.first() {
        Some(&addr) => {
            let m = &mut store.memories[addr as usize];
            (m.data.as_mut_ptr(), m.data.len() as u64)
        }
        None => (ptr::NonNull::dangling().as_ptr(), 0),
    }
}

/// The start of an in-bounds access of `size` bytes at `addr + offset`.
#[inline(always)]
fn effective(addr: u64, offset: u64, size: u64, len: u64) -> Result<usize, TrapKind> {
    match addr.checked_add(offset) {
        Some(ea) if ea <= len && size <= len - ea => Ok(ea as usize),
        _ => Err(TrapKind::OutOfBoundsMemoryAccess),
    }
}

/// Loads `kind` from a memory given as base pointer and length.
#[inline(always)]
fn load(mem: *const u8, len: u64, addr: u64, offset: u64, kind: LoadKind) -> Result<u64, TrapKind> {
    let ea = effective(addr, offset, kind.size(), len)?;
    // SAFETY: `effective` checked that `ea + size <= len`, and `mem` points
    // to `len` initialised bytes.
    let raw = unsafe {
        let p = mem.add(ea);
        match kind.size() {
            1 => *p as u64,
            2 => u16::from_le(ptr::read_unaligned(p as *const u16)) as u64,
            4 => u32::from_le(ptr::read_unaligned(p as *const u32)) as u64,
            _ => u64::from_le(ptr::read_unaligned(p as *const u64)),
        }
    };
    Ok(kind.extend(raw))
}

/// Stores the low `size` bytes of `value`.
#[inline(always)]
fn store_bytes(
    mem: *mut u8,
    len: u64,
    addr: u64,
    offset: u64,
    size: u64,
    value: u64,
) -> Result<(), TrapKind> {
    let ea = effective(addr, offset, size, len)?;
    // SAFETY: as in `load`.
    unsafe {
        let p = mem.add(ea);
        match size {
            1 => *p = value as u8,
            2 => ptr::write_unaligned(p as *mut u16, (value as u16).to_le()),
            4 => ptr::write_unaligned(p as *mut u32, (value as u32).to_le()),
            _ => ptr::write_unaligned(p as *mut u64, value.to_le()),
        }
    }
    Ok(())
}

/// Reads one of a memory's bytes ranges, for the general (slow) paths.
fn mem_slice(store: &mut Store, instance: u32, memory: u32) -> &mut Vec<u8> {
    let addr = store.instances[instance as usize].memories[memory as usize];
    &mut store.memories[addr as usize].data
}

/// -1 in the index type of a memory or table (the failure result of `grow`).
fn minus_one(is64: bool) -> u64 {
    if is64 { u64::MAX } else { u32::MAX as u64 }
}

fn run_loop(store: &mut Store, ts: &mut ThreadState) -> Result<Exit, Trap> {
    let Some(top) = ts.frames.last().copied() else {
        return Ok(Exit::Returned);
    };
    // The running frame, kept in locals. `module` and `cf` point into Arcs
    // that the store's instances and function instances keep alive for the
    // store's whole life; the store never drops them.
    let mut inst = top.instance;
    let mut module: *const ModuleInner = Arc::as_ptr(&store.instances[inst as usize].module);
    // SAFETY: see above.
    let mut cf: *const CompiledFunc =
        unsafe { Arc::as_ptr(&(&(*module).funcs)[top.func as usize]) };
    let mut code: *const Instr = unsafe { (*cf).code.as_ptr() };
    // The next instruction, as a pointer into `code`.
    let mut ip: *const Instr = unsafe { code.add(top.pc as usize) };
    let mut fp = top.fp as usize;
    // SAFETY: frames are only pushed by `enter_frame`, which ensures
    // `fp + frame_slots <= stack.len()`.
    let mut slots: *mut u64 = unsafe { ts.stack.as_mut_ptr().add(fp) };
    // Memory 0 of the running instance. Memories only move when one grows
    // (the store's epoch counts that) or when another instance runs.
    let (mut mem, mut mem_len) = memory0(store, inst);
    let (mut mem_instance, mut mem_epoch) = (inst, store.memory_epoch);

    // Slot access. Translation only emits slots below the function's
    // `frame_slots`, and the frame was sized for that.
    macro_rules! r {
        ($s:expr) => {{
            debug_assert!(($s as u32) < unsafe { (*cf).frame_slots });
            unsafe { *slots.add($s as usize) }
        }};
    }
    macro_rules! w {
        ($s:expr, $v:expr) => {{
            let v: u64 = $v;
            debug_assert!(($s as u32) < unsafe { (*cf).frame_slots });
            unsafe { *slots.add($s as usize) = v }
        }};
    }
    macro_rules! r128 {
        ($s:expr) => {
            (r!($s) as u128) | ((r!($s + 1) as u128) << 64)
        };
    }
    macro_rules! w128 {
        ($s:expr, $v:expr) => {{
            let v: u128 = $v;
            w!($s, v as u64);
            w!($s + 1, (v >> 64) as u64);
        }};
    }
    // Records the faulting instruction, then leaves with a trap.
    macro_rules! trap {
        ($e:expr) => {{
            if let Some(f) = ts.frames.last_mut() {
                f.pc = (unsafe { ip.offset_from(code) } - 1) as u32;
            }
            return Err(Trap::from($e));
        }};
    }
    macro_rules! check {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(k) => trap!(k),
            }
        };
    }
    // (Re)loads the locals of the frame on top of the frame stack.
    macro_rules! load_top_frame {
        () => {{
            let f = *ts.frames.last().expect("a frame");
            if f.instance != inst {
                inst = f.instance;
                module = Arc::as_ptr(&store.instances[inst as usize].module);
            }
            cf = unsafe { Arc::as_ptr(&(&(*module).funcs)[f.func as usize]) };
            code = unsafe { (*cf).code.as_ptr() };
            ip = unsafe { code.add(f.pc as usize) };
            fp = f.fp as usize;
            slots = unsafe { ts.stack.as_mut_ptr().add(fp) };
            if f.instance != mem_instance || store.memory_epoch != mem_epoch {
                (mem, mem_len) = memory0(store, inst);
                (mem_instance, mem_epoch) = (inst, store.memory_epoch);
            }
        }};
    }
    macro_rules! save_pc {
        () => {
            ts.frames.last_mut().expect("a frame").pc = unsafe { ip.offset_from(code) } as u32
        };
    }
    // Calls the function at store address `$addr` with arguments at `$base`.
    macro_rules! call_addr {
        ($addr:expr, $base:expr) => {{
            let addr = $addr as usize;
            let base = fp + $base as usize;
            save_pc!();
            match &store.funcs[addr] {
                FuncInst::Wasm {
                    instance,
                    def_index,
                    code: callee,
                    ..
                } => {
                    let (instance, def_index) = (*instance, *def_index);
                    let callee: *const CompiledFunc = Arc::as_ptr(callee);
                    // SAFETY: the store keeps the function instance alive.
                    check!(enter_frame(
                        store,
                        ts,
                        instance,
                        def_index,
                        unsafe { &*callee },
                        base
                    ));
                    load_top_frame!();
                }
                FuncInst::Host { .. } => match call_host(store, ts, inst, addr, base) {
                    HostCall::Returned => {
                        slots = unsafe { ts.stack.as_mut_ptr().add(fp) };
                        (mem, mem_len) = memory0(store, inst);
                        (mem_instance, mem_epoch) = (inst, store.memory_epoch);
                    }
                    HostCall::Suspended(payload) => return Ok(Exit::Suspended(payload)),
                    HostCall::Threw(exn) => throw!(exn),
                    HostCall::Trapped(t) => trap!(t),
                },
            }
        }};
    }
    // Throws exception `$exn` from the top frame (whose pc is saved).
    macro_rules! throw {
        ($exn:expr) => {{
            match throw(store, ts, $exn) {
                None => load_top_frame!(),
                Some(exit) => return Ok(exit),
            }
        }};
    }
    macro_rules! do_return {
        () => {{
            ts.frames.pop();
            if ts.frames.is_empty() {
                return Ok(Exit::Returned);
            }
            load_top_frame!();
        }};
    }
    macro_rules! nd {
        () => {
            &mut store.nondet
        };
    }

    loop {
        // SAFETY: translation ends every function with a return or an
        // unconditional jump, and every target is inside the code.
        let instr = unsafe { *ip };
        ip = unsafe { ip.add(1) };
        match instr {
            Instr::Unreachable => trap!(TrapKind::Unreachable),
            Instr::ConsumeFuel { amount } => {
                let amount = amount as u64;
                if store.fuel < amount {
                    if store.refuel(amount) {
                        // Preempted: run this instruction again on resume.
                        if let Some(f) = ts.frames.last_mut() {
                            f.pc = (unsafe { ip.offset_from(code) } - 1) as u32;
                        }
                        return Ok(Exit::Yielded);
                    }
                    trap!(TrapKind::OutOfFuel);
                }
                store.fuel -= amount;
            }
            Instr::Br { target } => ip = unsafe { code.add(target as usize) },
            Instr::BrIfNez { cond, target } => {
                if r!(cond) != 0 {
                    ip = unsafe { code.add(target as usize) };
                }
            }
            Instr::BrIfEqz { cond, target } => {
                if r!(cond) == 0 {
                    ip = unsafe { code.add(target as usize) };
                }
            }
            Instr::BrTable { index, table } => {
                let targets = unsafe { &(&(*cf).br_tables)[table as usize] };
                let i = (r!(index) as u32 as usize).min(targets.len() - 1);
                ip = unsafe { code.add(targets[i] as usize) };
            }
            Instr::Return0 => do_return!(),
            Instr::Return1 { src } => {
                let v = r!(src);
                w!(0u32, v);
                do_return!();
            }
            Instr::ReturnSpan { src, len } => {
                // SAFETY: both ranges are inside the frame.
                unsafe { ptr::copy(slots.add(src as usize), slots, len as usize) };
                do_return!();
            }
            Instr::CallInternal { func, base } => {
                save_pc!();
                // SAFETY: the module outlives the store's instances (see above).
                let funcs: &[Arc<CompiledFunc>] = unsafe { &(*module).funcs };
                let callee: *const CompiledFunc =
                    Arc::as_ptr(unsafe { funcs.get_unchecked(func as usize) });
                check!(enter_frame(
                    store,
                    ts,
                    inst,
                    func,
                    unsafe { &*callee },
                    fp + base as usize
                ));
                cf = callee;
                code = unsafe { (*cf).code.as_ptr() };
                ip = code;
                fp += base as usize;
                slots = unsafe { ts.stack.as_mut_ptr().add(fp) };
            }
            Instr::Call { func, base } => {
                let addr = store.instances[inst as usize].funcs[func as usize];
                call_addr!(addr, base);
            }
            Instr::CallIndirect { base, index, site } => {
                // SAFETY: see `module` and `cf` above.
                let addr = check!(indirect_callee(
                    store,
                    inst,
                    unsafe { &*module },
                    unsafe { &*cf },
                    r!(index),
                    site
                ));
                call_addr!(addr, base);
            }
            Instr::Copy { dst, src } => w!(dst, r!(src)),
            Instr::Copy2 { dst, src } => {
                let (a, b) = (r!(src), r!(src + 1));
                w!(dst, a);
                w!(dst + 1, b);
            }
            Instr::CopySpan { dst, src, len } => unsafe {
                ptr::copy(
                    slots.add(src as usize),
                    slots.add(dst as usize),
                    len as usize,
                )
            },
            Instr::Const32 { dst, value } => w!(dst, value as u64),
            Instr::Const64 { dst, value } => w!(dst, value),
            Instr::Const128 { dst, index } => {
                let v = unsafe { (&(*cf).consts128)[index as usize] };
                w128!(dst, v);
            }
            Instr::Select { dst, a, b } => {
                let Instr::Operand { a: cond } = (unsafe { *ip }) else {
                    unreachable!("select is followed by its condition operand")
                };
                ip = unsafe { ip.add(1) };
                let v = if r!(cond) != 0 { r!(a) } else { r!(b) };
                w!(dst, v);
            }
            Instr::Select2 { dst, a, b } => {
                let Instr::Operand { a: cond } = (unsafe { *ip }) else {
                    unreachable!("select is followed by its condition operand")
                };
                ip = unsafe { ip.add(1) };
                let v = if r!(cond) != 0 { r128!(a) } else { r128!(b) };
                w128!(dst, v);
            }
            Instr::Operand { .. } => unreachable!("operands are consumed by their instruction"),
            Instr::GlobalGet { dst, global } => {
                let addr = store.instances[inst as usize].globals[global as usize];
                w!(dst, store.globals[addr as usize].value[0]);
            }
            Instr::GlobalGet2 { dst, global } => {
                let addr = store.instances[inst as usize].globals[global as usize];
                let [lo, hi] = store.globals[addr as usize].value;
                w!(dst, lo);
                w!(dst + 1, hi);
            }
            Instr::GlobalSet { src, global } => {
                let addr = store.instances[inst as usize].globals[global as usize];
                store.globals[addr as usize].value[0] = r!(src);
            }
            Instr::GlobalSet2 { src, global } => {
                let addr = store.instances[inst as usize].globals[global as usize];
                store.globals[addr as usize].value = [r!(src), r!(src + 1)];
            }
            Instr::Load8U { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::U8))
                )
            }
            Instr::Load16U { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::U16))
                )
            }
            Instr::Load32U { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::U32))
                )
            }
            Instr::Load64 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::U64))
                )
            }
            Instr::LoadI32S8 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::I32S8))
                )
            }
            Instr::LoadI32S16 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(
                        mem,
                        mem_len,
                        r!(addr),
                        offset as u64,
                        LoadKind::I32S16
                    ))
                )
            }
            Instr::LoadI64S8 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(mem, mem_len, r!(addr), offset as u64, LoadKind::I64S8))
                )
            }
            Instr::LoadI64S16 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(
                        mem,
                        mem_len,
                        r!(addr),
                        offset as u64,
                        LoadKind::I64S16
                    ))
                )
            }
            Instr::LoadI64S32 { dst, addr, offset } => {
                w!(
                    dst,
                    check!(load(
                        mem,
                        mem_len,
                        r!(addr),
                        offset as u64,
                        LoadKind::I64S32
                    ))
                )
            }
            Instr::Store8Imm {
                addr,
                value,
                offset,
            } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    1,
                    value as i64 as u64
                ))
            }
            Instr::Store16Imm {
                addr,
                value,
                offset,
            } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    2,
                    value as i64 as u64
                ))
            }
            Instr::Store32Imm {
                addr,
                value,
                offset,
            } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    4,
                    value as i64 as u64
                ))
            }
            Instr::Store64Imm {
                addr,
                value,
                offset,
            } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    8,
                    value as i64 as u64
                ))
            }
            Instr::Store8 { addr, src, offset } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    1,
                    r!(src)
                ))
            }
            Instr::Store16 { addr, src, offset } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    2,
                    r!(src)
                ))
            }
            Instr::Store32 { addr, src, offset } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    4,
                    r!(src)
                ))
            }
            Instr::Store64 { addr, src, offset } => {
                check!(store_bytes(
                    mem,
                    mem_len,
                    r!(addr),
                    offset as u64,
                    8,
                    r!(src)
                ))
            }
            Instr::LoadEx {
                kind,
                dst,
                addr,
                memarg,
            } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let data = mem_slice(store, inst, m.memory);
                let v = check!(load(
                    data.as_ptr(),
                    data.len() as u64,
                    r!(addr),
                    m.offset,
                    kind
                ));
                w!(dst, v);
            }
            Instr::StoreEx {
                size,
                addr,
                src,
                memarg,
            } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let data = mem_slice(store, inst, m.memory);
                check!(store_bytes(
                    data.as_mut_ptr(),
                    data.len() as u64,
                    r!(addr),
                    m.offset,
                    size as u64,
                    r!(src)
                ));
            }
            Instr::MemorySize { dst, memory } => {
                let addr = store.instances[inst as usize].memories[memory as usize];
                w!(dst, store.memories[addr as usize].pages());
            }
            Instr::MemoryGrow { dst, delta, memory } => {
                let addr = store.instances[inst as usize].memories[memory as usize];
                let m = &mut store.memories[addr as usize];
                let is64 = m.ty.memory64;
                let delta = if is64 {
                    r!(delta)
                } else {
                    r!(delta) as u32 as u64
                };
                let result = m.grow(delta, &mut store.nondet).unwrap_or(minus_one(is64));
                w!(dst, result);
                store.memory_epoch += 1;
                (mem, mem_len) = memory0(store, inst);
                mem_epoch = store.memory_epoch;
            }
            Instr::MemoryFill { base, memory } => {
                let (d, val, n) = (r!(base), r!(base + 1) as u8, r!(base + 2));
                let data = mem_slice(store, inst, memory);
                let range = check!(bounds(d, n, data.len()));
                data[range].fill(val);
            }
            Instr::MemoryCopy { base, memories } => {
                let (d, s, n) = (r!(base), r!(base + 1), r!(base + 2));
                let (dm, sm) = unsafe { (&(*cf).pairs)[memories as usize] };
                check!(memory_copy(store, inst, dm, sm, d, s, n));
            }
            Instr::MemoryInit { base, data, memory } => {
                let (d, s, n) = (r!(base), r!(base + 1), r!(base + 2));
                let daddr = store.instances[inst as usize].datas[data as usize];
                let bytes = Arc::clone(&store.datas[daddr as usize].bytes);
                let src = check!(bounds(s, n, bytes.len()));
                let dst_mem = mem_slice(store, inst, memory);
                let dst = check!(bounds(d, n, dst_mem.len()));
                dst_mem[dst].copy_from_slice(&bytes[src]);
            }
            Instr::DataDrop { data } => {
                let daddr = store.instances[inst as usize].datas[data as usize];
                store.datas[daddr as usize].bytes = Arc::from(&[][..]);
            }
            Instr::TableGet { dst, index, table } => {
                let taddr = store.instances[inst as usize].tables[table as usize];
                let t = &store.tables[taddr as usize];
                let i = if t.ty.table64 {
                    r!(index)
                } else {
                    r!(index) as u32 as u64
                };
                w!(dst, check!(t.get(i)));
            }
            Instr::TableSet {
                index,
                value,
                table,
            } => {
                let taddr = store.instances[inst as usize].tables[table as usize];
                let t = &mut store.tables[taddr as usize];
                let i = if t.ty.table64 {
                    r!(index)
                } else {
                    r!(index) as u32 as u64
                };
                check!(t.set(i, r!(value)));
            }
            Instr::TableSize { dst, table } => {
                let taddr = store.instances[inst as usize].tables[table as usize];
                w!(dst, store.tables[taddr as usize].size());
            }
            Instr::TableGrow { base, table } => {
                let (init, delta) = (r!(base), r!(base + 1));
                let taddr = store.instances[inst as usize].tables[table as usize];
                let t = &mut store.tables[taddr as usize];
                let is64 = t.ty.table64;
                let delta = if is64 { delta } else { delta as u32 as u64 };
                let result = t
                    .grow(delta, init, &mut store.nondet)
                    .unwrap_or(minus_one(is64));
                w!(base, result);
            }
            Instr::TableFill { base, table } => {
                let (i, val, n) = (r!(base), r!(base + 1), r!(base + 2));
                let taddr = store.instances[inst as usize].tables[table as usize];
                let t = &mut store.tables[taddr as usize];
                let range = check!(t.range(i, n));
                t.elements[range].fill(val);
            }
            Instr::TableCopy { base, tables } => {
                let (d, s, n) = (r!(base), r!(base + 1), r!(base + 2));
                let (dt, st) = unsafe { (&(*cf).pairs)[tables as usize] };
                check!(table_copy(store, inst, dt, st, d, s, n));
            }
            Instr::TableInit { base, elem, table } => {
                let (d, s, n) = (r!(base), r!(base + 1), r!(base + 2));
                check!(table_init(store, inst, table, elem, d, s, n));
            }
            Instr::ElemDrop { elem } => {
                let eaddr = store.instances[inst as usize].elems[elem as usize];
                store.elems[eaddr as usize].items = Vec::new();
            }
            Instr::RefIsNull { dst, src } => w!(dst, (r!(src) == 0) as u64),
            Instr::RefFunc { dst, func } => {
                let addr = store.instances[inst as usize].funcs[func as usize];
                w!(dst, func_ref(addr));
            }

            // ------------------------------------ typed function references
            Instr::RefAsNonNull { dst, src } => {
                let v = r!(src);
                if v == 0 {
                    trap!(TrapKind::NullReference);
                }
                w!(dst, v);
            }
            Instr::BrOnNull { src, target } => {
                if r!(src) == 0 {
                    ip = unsafe { code.add(target as usize) };
                }
            }
            Instr::BrOnNonNull { src, target } => {
                if r!(src) != 0 {
                    ip = unsafe { code.add(target as usize) };
                }
            }

            // -------------------------------- GC and exceptions, out of line
            Instr::StructNew { .. }
            | Instr::StructNewDefault { .. }
            | Instr::StructGet { .. }
            | Instr::StructSet { .. }
            | Instr::ArrayNew { .. }
            | Instr::ArrayNewDefault { .. }
            | Instr::ArrayNewFixed { .. }
            | Instr::ArrayNewData { .. }
            | Instr::ArrayNewElem { .. }
            | Instr::ArrayGet { .. }
            | Instr::ArraySet { .. }
            | Instr::ArrayLen { .. }
            | Instr::ArrayFill { .. }
            | Instr::ArrayCopy { .. }
            | Instr::ArrayInitData { .. }
            | Instr::ArrayInitElem { .. }
            | Instr::RefI31 { .. }
            | Instr::I31GetS { .. }
            | Instr::I31GetU { .. }
            | Instr::RefTest { .. }
            | Instr::RefCast { .. }
            | Instr::BrOnCast { .. }
            | Instr::BrOnCastFail { .. }
            | Instr::Throw { .. }
            | Instr::ThrowRef { .. }
            | Instr::CallRef { .. }
            | Instr::ReturnCallInternal { .. }
            | Instr::ReturnCall { .. }
            | Instr::ReturnCallIndirect { .. }
            | Instr::ReturnCallRef { .. }
            | Instr::AtomicLoad { .. }
            | Instr::AtomicStore { .. }
            | Instr::AtomicRmw { .. }
            | Instr::AtomicCmpxchg { .. }
            | Instr::AtomicNotify { .. }
            | Instr::AtomicWait { .. }
            | Instr::Wide { .. } => {
                // Frames' pcs are where the collector finds stack maps.
                save_pc!();
                // SAFETY: see `module` and `cf` above.
                match ext::execute(
                    store,
                    ts,
                    inst,
                    unsafe { &*module },
                    unsafe { &*cf },
                    fp,
                    // Read again from the code rather than passing `instr`:
                    // a use of the whole instruction makes the compiler copy
                    // every instruction to the stack before dispatching it,
                    // which slowed every program by 20-70%.
                    // SAFETY: `ip` was advanced past this instruction.
                    unsafe { *ip.sub(1) },
                ) {
                    Ok(ext::Next::Continue) => {}
                    Ok(ext::Next::Jump(target)) => ip = unsafe { code.add(target as usize) },
                    Ok(ext::Next::Frame) => load_top_frame!(),
                    Ok(ext::Next::Resumed) => {
                        slots = unsafe { ts.stack.as_mut_ptr().add(fp) };
                        (mem, mem_len) = memory0(store, inst);
                        (mem_instance, mem_epoch) = (inst, store.memory_epoch);
                    }
                    Ok(ext::Next::Exit(exit)) => return Ok(exit),
                    Err(t) => trap!(t),
                }
            }

            // ---------------------------------------------------- numeric
            Instr::I32Eqz { dst, src } => w!(dst, (r!(src) as u32 == 0) as u64),
            Instr::I64Eqz { dst, src } => w!(dst, (r!(src) == 0) as u64),
            Instr::I32Clz { dst, src } => w!(dst, (r!(src) as u32).leading_zeros() as u64),
            Instr::I32Ctz { dst, src } => w!(dst, (r!(src) as u32).trailing_zeros() as u64),
            Instr::I32Popcnt { dst, src } => w!(dst, (r!(src) as u32).count_ones() as u64),
            Instr::I64Clz { dst, src } => w!(dst, r!(src).leading_zeros() as u64),
            Instr::I64Ctz { dst, src } => w!(dst, r!(src).trailing_zeros() as u64),
            Instr::I64Popcnt { dst, src } => w!(dst, r!(src).count_ones() as u64),
            Instr::F32Abs { dst, src } => w!(dst, r!(src) & 0x7fff_ffff),
            Instr::F32Neg { dst, src } => w!(dst, (r!(src) as u32 ^ 0x8000_0000) as u64),
            Instr::F64Abs { dst, src } => w!(dst, r!(src) & 0x7fff_ffff_ffff_ffff),
            Instr::F64Neg { dst, src } => w!(dst, r!(src) ^ 0x8000_0000_0000_0000),
            Instr::F32Ceil { dst, src } => f32_un(&mut store.nondet, slots, dst, src, f32::ceil),
            Instr::F32Floor { dst, src } => f32_un(&mut store.nondet, slots, dst, src, f32::floor),
            Instr::F32Trunc { dst, src } => f32_un(&mut store.nondet, slots, dst, src, f32::trunc),
            Instr::F32Nearest { dst, src } => {
                f32_un(&mut store.nondet, slots, dst, src, f32::round_ties_even)
            }
            Instr::F32Sqrt { dst, src } => f32_un(&mut store.nondet, slots, dst, src, f32::sqrt),
            Instr::F64Ceil { dst, src } => f64_un(&mut store.nondet, slots, dst, src, f64::ceil),
            Instr::F64Floor { dst, src } => f64_un(&mut store.nondet, slots, dst, src, f64::floor),
            Instr::F64Trunc { dst, src } => f64_un(&mut store.nondet, slots, dst, src, f64::trunc),
            Instr::F64Nearest { dst, src } => {
                f64_un(&mut store.nondet, slots, dst, src, f64::round_ties_even)
            }
            Instr::F64Sqrt { dst, src } => f64_un(&mut store.nondet, slots, dst, src, f64::sqrt),
            Instr::I32WrapI64 { dst, src } => w!(dst, r!(src) as u32 as u64),
            Instr::I64ExtendI32S { dst, src } => w!(dst, r!(src) as u32 as i32 as i64 as u64),
            Instr::I32TruncF32S { dst, src } => {
                let v = check!(trunc_s(f32::from_bits(r!(src) as u32) as f64, 32));
                w!(dst, v as i32 as u32 as u64);
            }
            Instr::I32TruncF32U { dst, src } => {
                let v = check!(trunc_u(f32::from_bits(r!(src) as u32) as f64, 32));
                w!(dst, v);
            }
            Instr::I32TruncF64S { dst, src } => {
                let v = check!(trunc_s(f64::from_bits(r!(src)), 32));
                w!(dst, v as i32 as u32 as u64);
            }
            Instr::I32TruncF64U { dst, src } => {
                let v = check!(trunc_u(f64::from_bits(r!(src)), 32));
                w!(dst, v);
            }
            Instr::I64TruncF32S { dst, src } => {
                let v = check!(trunc_s(f32::from_bits(r!(src) as u32) as f64, 64));
                w!(dst, v as u64);
            }
            Instr::I64TruncF32U { dst, src } => {
                let v = check!(trunc_u(f32::from_bits(r!(src) as u32) as f64, 64));
                w!(dst, v);
            }
            Instr::I64TruncF64S { dst, src } => {
                let v = check!(trunc_s(f64::from_bits(r!(src)), 64));
                w!(dst, v as u64);
            }
            Instr::I64TruncF64U { dst, src } => {
                let v = check!(trunc_u(f64::from_bits(r!(src)), 64));
                w!(dst, v);
            }
            Instr::F32ConvertI32S { dst, src } => {
                w!(dst, (r!(src) as u32 as i32 as f32).to_bits() as u64)
            }
            Instr::F32ConvertI32U { dst, src } => w!(dst, (r!(src) as u32 as f32).to_bits() as u64),
            Instr::F32ConvertI64S { dst, src } => w!(dst, (r!(src) as i64 as f32).to_bits() as u64),
            Instr::F32ConvertI64U { dst, src } => w!(dst, (r!(src) as f32).to_bits() as u64),
            Instr::F32DemoteF64 { dst, src } => {
                let x = f64::from_bits(r!(src));
                let bits = if x.is_nan() {
                    nd!().nan_f32(!is_canonical_nan_f64(x.to_bits()))
                } else {
                    (x as f32).to_bits()
                };
                w!(dst, bits as u64);
            }
            Instr::F64ConvertI32S { dst, src } => w!(dst, (r!(src) as u32 as i32 as f64).to_bits()),
            Instr::F64ConvertI32U { dst, src } => w!(dst, (r!(src) as u32 as f64).to_bits()),
            Instr::F64ConvertI64S { dst, src } => w!(dst, (r!(src) as i64 as f64).to_bits()),
            Instr::F64ConvertI64U { dst, src } => w!(dst, (r!(src) as f64).to_bits()),
            Instr::F64PromoteF32 { dst, src } => {
                let x = f32::from_bits(r!(src) as u32);
                let bits = if x.is_nan() {
                    nd!().nan_f64(!is_canonical_nan_f32(x.to_bits()))
                } else {
                    (x as f64).to_bits()
                };
                w!(dst, bits);
            }
            Instr::I32Extend8S { dst, src } => w!(dst, r!(src) as u8 as i8 as i32 as u32 as u64),
            Instr::I32Extend16S { dst, src } => w!(dst, r!(src) as u16 as i16 as i32 as u32 as u64),
            Instr::I64Extend8S { dst, src } => w!(dst, r!(src) as u8 as i8 as i64 as u64),
            Instr::I64Extend16S { dst, src } => w!(dst, r!(src) as u16 as i16 as i64 as u64),
            Instr::I64Extend32S { dst, src } => w!(dst, r!(src) as u32 as i32 as i64 as u64),
            // Rust's float-to-int `as` saturates and maps NaN to 0, exactly
            // the `trunc_sat` semantics.
            Instr::I32TruncSatF32S { dst, src } => {
                w!(dst, f32::from_bits(r!(src) as u32) as i32 as u32 as u64)
            }
            Instr::I32TruncSatF32U { dst, src } => {
                w!(dst, f32::from_bits(r!(src) as u32) as u32 as u64)
            }
            Instr::I32TruncSatF64S { dst, src } => {
                w!(dst, f64::from_bits(r!(src)) as i32 as u32 as u64)
            }
            Instr::I32TruncSatF64U { dst, src } => w!(dst, f64::from_bits(r!(src)) as u32 as u64),
            Instr::I64TruncSatF32S { dst, src } => {
                w!(dst, f32::from_bits(r!(src) as u32) as i64 as u64)
            }
            Instr::I64TruncSatF32U { dst, src } => w!(dst, f32::from_bits(r!(src) as u32) as u64),
            Instr::I64TruncSatF64S { dst, src } => w!(dst, f64::from_bits(r!(src)) as i64 as u64),
            Instr::I64TruncSatF64U { dst, src } => w!(dst, f64::from_bits(r!(src)) as u64),

            Instr::I32Eq { dst, lhs, rhs } => w!(dst, (r!(lhs) as u32 == r!(rhs) as u32) as u64),
            Instr::I32Ne { dst, lhs, rhs } => w!(dst, (r!(lhs) as u32 != r!(rhs) as u32) as u64),
            Instr::I32LtS { dst, lhs, rhs } => w!(dst, ((r!(lhs) as i32) < r!(rhs) as i32) as u64),
            Instr::I32LtU { dst, lhs, rhs } => w!(dst, ((r!(lhs) as u32) < r!(rhs) as u32) as u64),
            Instr::I32GtS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i32 > r!(rhs) as i32) as u64),
            Instr::I32GtU { dst, lhs, rhs } => w!(dst, (r!(lhs) as u32 > r!(rhs) as u32) as u64),
            Instr::I32LeS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i32 <= r!(rhs) as i32) as u64),
            Instr::I32LeU { dst, lhs, rhs } => w!(dst, (r!(lhs) as u32 <= r!(rhs) as u32) as u64),
            Instr::I32GeS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i32 >= r!(rhs) as i32) as u64),
            Instr::I32GeU { dst, lhs, rhs } => w!(dst, (r!(lhs) as u32 >= r!(rhs) as u32) as u64),
            Instr::I64Eq { dst, lhs, rhs } => w!(dst, (r!(lhs) == r!(rhs)) as u64),
            Instr::I64Ne { dst, lhs, rhs } => w!(dst, (r!(lhs) != r!(rhs)) as u64),
            Instr::I64LtS { dst, lhs, rhs } => w!(dst, ((r!(lhs) as i64) < r!(rhs) as i64) as u64),
            Instr::I64LtU { dst, lhs, rhs } => w!(dst, (r!(lhs) < r!(rhs)) as u64),
            Instr::I64GtS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i64 > r!(rhs) as i64) as u64),
            Instr::I64GtU { dst, lhs, rhs } => w!(dst, (r!(lhs) > r!(rhs)) as u64),
            Instr::I64LeS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i64 <= r!(rhs) as i64) as u64),
            Instr::I64LeU { dst, lhs, rhs } => w!(dst, (r!(lhs) <= r!(rhs)) as u64),
            Instr::I64GeS { dst, lhs, rhs } => w!(dst, (r!(lhs) as i64 >= r!(rhs) as i64) as u64),
            Instr::I64GeU { dst, lhs, rhs } => w!(dst, (r!(lhs) >= r!(rhs)) as u64),
            Instr::F32Eq { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) == f32l(r!(rhs))) as u64),
            Instr::F32Ne { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) != f32l(r!(rhs))) as u64),
            Instr::F32Lt { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) < f32l(r!(rhs))) as u64),
            Instr::F32Gt { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) > f32l(r!(rhs))) as u64),
            Instr::F32Le { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) <= f32l(r!(rhs))) as u64),
            Instr::F32Ge { dst, lhs, rhs } => w!(dst, (f32l(r!(lhs)) >= f32l(r!(rhs))) as u64),
            Instr::F64Eq { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) == f64l(r!(rhs))) as u64),
            Instr::F64Ne { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) != f64l(r!(rhs))) as u64),
            Instr::F64Lt { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) < f64l(r!(rhs))) as u64),
            Instr::F64Gt { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) > f64l(r!(rhs))) as u64),
            Instr::F64Le { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) <= f64l(r!(rhs))) as u64),
            Instr::F64Ge { dst, lhs, rhs } => w!(dst, (f64l(r!(lhs)) >= f64l(r!(rhs))) as u64),

            Instr::I32Add { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as u32).wrapping_add(r!(rhs) as u32) as u64)
            }
            Instr::I32Sub { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as u32).wrapping_sub(r!(rhs) as u32) as u64)
            }
            Instr::I32Mul { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as u32).wrapping_mul(r!(rhs) as u32) as u64)
            }
            Instr::I32DivS { dst, lhs, rhs } => {
                let v = check!(i32_div_s(r!(lhs) as i32, r!(rhs) as i32));
                w!(dst, v as u32 as u64);
            }
            Instr::I32DivU { dst, lhs, rhs } => {
                let Some(v) = (r!(lhs) as u32).checked_div(r!(rhs) as u32) else {
                    trap!(TrapKind::IntegerDivideByZero)
                };
                w!(dst, v as u64);
            }
            Instr::I32RemS { dst, lhs, rhs } => {
                let b = r!(rhs) as i32;
                if b == 0 {
                    trap!(TrapKind::IntegerDivideByZero);
                }
                w!(dst, (r!(lhs) as i32).wrapping_rem(b) as u32 as u64);
            }
            Instr::I32RemU { dst, lhs, rhs } => {
                let Some(v) = (r!(lhs) as u32).checked_rem(r!(rhs) as u32) else {
                    trap!(TrapKind::IntegerDivideByZero)
                };
                w!(dst, v as u64);
            }
            Instr::I32And { dst, lhs, rhs } => w!(dst, r!(lhs) & r!(rhs)),
            Instr::I32Or { dst, lhs, rhs } => w!(dst, r!(lhs) | r!(rhs)),
            Instr::I32Xor { dst, lhs, rhs } => w!(dst, r!(lhs) ^ r!(rhs)),
            Instr::I32Shl { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as u32).wrapping_shl(r!(rhs) as u32) as u64)
            }
            Instr::I32ShrS { dst, lhs, rhs } => {
                w!(
                    dst,
                    (r!(lhs) as i32).wrapping_shr(r!(rhs) as u32) as u32 as u64
                )
            }
            Instr::I32ShrU { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as u32).wrapping_shr(r!(rhs) as u32) as u64)
            }
            Instr::I32Rotl { dst, lhs, rhs } => w!(
                dst,
                (r!(lhs) as u32).rotate_left(r!(rhs) as u32 % 32) as u64
            ),
            Instr::I32Rotr { dst, lhs, rhs } => w!(
                dst,
                (r!(lhs) as u32).rotate_right(r!(rhs) as u32 % 32) as u64
            ),
            Instr::I64Add { dst, lhs, rhs } => w!(dst, r!(lhs).wrapping_add(r!(rhs))),
            Instr::I64Sub { dst, lhs, rhs } => w!(dst, r!(lhs).wrapping_sub(r!(rhs))),
            Instr::I64Mul { dst, lhs, rhs } => w!(dst, r!(lhs).wrapping_mul(r!(rhs))),
            Instr::I64DivS { dst, lhs, rhs } => {
                let v = check!(i64_div_s(r!(lhs) as i64, r!(rhs) as i64));
                w!(dst, v as u64);
            }
            Instr::I64DivU { dst, lhs, rhs } => {
                let Some(v) = r!(lhs).checked_div(r!(rhs)) else {
                    trap!(TrapKind::IntegerDivideByZero)
                };
                w!(dst, v);
            }
            Instr::I64RemS { dst, lhs, rhs } => {
                let b = r!(rhs) as i64;
                if b == 0 {
                    trap!(TrapKind::IntegerDivideByZero);
                }
                w!(dst, (r!(lhs) as i64).wrapping_rem(b) as u64);
            }
            Instr::I64RemU { dst, lhs, rhs } => {
                let Some(v) = r!(lhs).checked_rem(r!(rhs)) else {
                    trap!(TrapKind::IntegerDivideByZero)
                };
                w!(dst, v);
            }
            Instr::I64And { dst, lhs, rhs } => w!(dst, r!(lhs) & r!(rhs)),
            Instr::I64Or { dst, lhs, rhs } => w!(dst, r!(lhs) | r!(rhs)),
            Instr::I64Xor { dst, lhs, rhs } => w!(dst, r!(lhs) ^ r!(rhs)),
            Instr::I64Shl { dst, lhs, rhs } => w!(dst, r!(lhs).wrapping_shl(r!(rhs) as u32)),
            Instr::I64ShrS { dst, lhs, rhs } => {
                w!(dst, (r!(lhs) as i64).wrapping_shr(r!(rhs) as u32) as u64)
            }
            Instr::I64ShrU { dst, lhs, rhs } => w!(dst, r!(lhs).wrapping_shr(r!(rhs) as u32)),
            Instr::I64Rotl { dst, lhs, rhs } => w!(dst, r!(lhs).rotate_left((r!(rhs) % 64) as u32)),
            Instr::I64Rotr { dst, lhs, rhs } => {
                w!(dst, r!(lhs).rotate_right((r!(rhs) % 64) as u32))
            }
            Instr::F32Add { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, |a, b| a + b),
            Instr::F32Sub { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, |a, b| a - b),
            Instr::F32Mul { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, |a, b| a * b),
            Instr::F32Div { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, |a, b| a / b),
            Instr::F32Min { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, fmin32),
            Instr::F32Max { dst, lhs, rhs } => f32_bin(nd!(), slots, dst, lhs, rhs, fmax32),
            Instr::F32Copysign { dst, lhs, rhs } => {
                w!(dst, copysign32(r!(lhs) as u32, r!(rhs) as u32) as u64)
            }
            Instr::F64Add { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, |a, b| a + b),
            Instr::F64Sub { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, |a, b| a - b),
            Instr::F64Mul { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, |a, b| a * b),
            Instr::F64Div { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, |a, b| a / b),
            Instr::F64Min { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, fmin64),
            Instr::F64Max { dst, lhs, rhs } => f64_bin(nd!(), slots, dst, lhs, rhs, fmax64),
            Instr::F64Copysign { dst, lhs, rhs } => w!(dst, copysign64(r!(lhs), r!(rhs))),

            Instr::I32EqImm { dst, lhs, imm } => w!(dst, (r!(lhs) as u32 == imm as u32) as u64),
            Instr::I32NeImm { dst, lhs, imm } => w!(dst, (r!(lhs) as u32 != imm as u32) as u64),
            Instr::I32LtSImm { dst, lhs, imm } => w!(dst, ((r!(lhs) as i32) < imm) as u64),
            Instr::I32LtUImm { dst, lhs, imm } => w!(dst, ((r!(lhs) as u32) < imm as u32) as u64),
            Instr::I32GtSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i32 > imm) as u64),
            Instr::I32GtUImm { dst, lhs, imm } => w!(dst, (r!(lhs) as u32 > imm as u32) as u64),
            Instr::I32LeSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i32 <= imm) as u64),
            Instr::I32LeUImm { dst, lhs, imm } => w!(dst, (r!(lhs) as u32 <= imm as u32) as u64),
            Instr::I32GeSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i32 >= imm) as u64),
            Instr::I32GeUImm { dst, lhs, imm } => w!(dst, (r!(lhs) as u32 >= imm as u32) as u64),
            Instr::I64EqImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i64 == imm as i64) as u64),
            Instr::I64NeImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i64 != imm as i64) as u64),
            Instr::I64LtSImm { dst, lhs, imm } => w!(dst, ((r!(lhs) as i64) < imm as i64) as u64),
            Instr::I64LtUImm { dst, lhs, imm } => w!(dst, (r!(lhs) < imm as i64 as u64) as u64),
            Instr::I64GtSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i64 > imm as i64) as u64),
            Instr::I64GtUImm { dst, lhs, imm } => w!(dst, (r!(lhs) > imm as i64 as u64) as u64),
            Instr::I64LeSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i64 <= imm as i64) as u64),
            Instr::I64LeUImm { dst, lhs, imm } => w!(dst, (r!(lhs) <= imm as i64 as u64) as u64),
            Instr::I64GeSImm { dst, lhs, imm } => w!(dst, (r!(lhs) as i64 >= imm as i64) as u64),
            Instr::I64GeUImm { dst, lhs, imm } => w!(dst, (r!(lhs) >= imm as i64 as u64) as u64),
            Instr::I32AddImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).wrapping_add(imm as u32) as u64)
            }
            Instr::I32SubImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).wrapping_sub(imm as u32) as u64)
            }
            Instr::I32MulImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).wrapping_mul(imm as u32) as u64)
            }
            Instr::I32AndImm { dst, lhs, imm } => w!(dst, r!(lhs) & imm as u32 as u64),
            Instr::I32OrImm { dst, lhs, imm } => w!(dst, r!(lhs) | imm as u32 as u64),
            Instr::I32XorImm { dst, lhs, imm } => w!(dst, r!(lhs) ^ imm as u32 as u64),
            Instr::I32ShlImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).wrapping_shl(imm as u32) as u64)
            }
            Instr::I32ShrSImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as i32).wrapping_shr(imm as u32) as u32 as u64)
            }
            Instr::I32ShrUImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).wrapping_shr(imm as u32) as u64)
            }
            Instr::I32RotlImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).rotate_left(imm as u32 % 32) as u64)
            }
            Instr::I32RotrImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as u32).rotate_right(imm as u32 % 32) as u64)
            }
            Instr::I64AddImm { dst, lhs, imm } => w!(dst, r!(lhs).wrapping_add(imm as i64 as u64)),
            Instr::I64SubImm { dst, lhs, imm } => w!(dst, r!(lhs).wrapping_sub(imm as i64 as u64)),
            Instr::I64MulImm { dst, lhs, imm } => w!(dst, r!(lhs).wrapping_mul(imm as i64 as u64)),
            Instr::I64AndImm { dst, lhs, imm } => w!(dst, r!(lhs) & imm as i64 as u64),
            Instr::I64OrImm { dst, lhs, imm } => w!(dst, r!(lhs) | imm as i64 as u64),
            Instr::I64XorImm { dst, lhs, imm } => w!(dst, r!(lhs) ^ imm as i64 as u64),
            Instr::I64ShlImm { dst, lhs, imm } => w!(dst, r!(lhs).wrapping_shl(imm as u32)),
            Instr::I64ShrSImm { dst, lhs, imm } => {
                w!(dst, (r!(lhs) as i64).wrapping_shr(imm as u32) as u64)
            }
            Instr::I64ShrUImm { dst, lhs, imm } => w!(dst, r!(lhs).wrapping_shr(imm as u32)),
            Instr::I64RotlImm { dst, lhs, imm } => w!(dst, r!(lhs).rotate_left(imm as u32 % 64)),
            Instr::I64RotrImm { dst, lhs, imm } => w!(dst, r!(lhs).rotate_right(imm as u32 % 64)),

            Instr::BrI32Eq { lhs, rhs, target } => {
                if r!(lhs) as u32 == r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32Ne { lhs, rhs, target } => {
                if r!(lhs) as u32 != r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LtS { lhs, rhs, target } => {
                if (r!(lhs) as i32) < r!(rhs) as i32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LtU { lhs, rhs, target } => {
                if (r!(lhs) as u32) < r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GtS { lhs, rhs, target } => {
                if r!(lhs) as i32 > r!(rhs) as i32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GtU { lhs, rhs, target } => {
                if r!(lhs) as u32 > r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LeS { lhs, rhs, target } => {
                if r!(lhs) as i32 <= r!(rhs) as i32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LeU { lhs, rhs, target } => {
                if r!(lhs) as u32 <= r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GeS { lhs, rhs, target } => {
                if r!(lhs) as i32 >= r!(rhs) as i32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GeU { lhs, rhs, target } => {
                if r!(lhs) as u32 >= r!(rhs) as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64Eq { lhs, rhs, target } => {
                if r!(lhs) == r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64Ne { lhs, rhs, target } => {
                if r!(lhs) != r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LtS { lhs, rhs, target } => {
                if (r!(lhs) as i64) < r!(rhs) as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LtU { lhs, rhs, target } => {
                if r!(lhs) < r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GtS { lhs, rhs, target } => {
                if r!(lhs) as i64 > r!(rhs) as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GtU { lhs, rhs, target } => {
                if r!(lhs) > r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LeS { lhs, rhs, target } => {
                if r!(lhs) as i64 <= r!(rhs) as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LeU { lhs, rhs, target } => {
                if r!(lhs) <= r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GeS { lhs, rhs, target } => {
                if r!(lhs) as i64 >= r!(rhs) as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GeU { lhs, rhs, target } => {
                if r!(lhs) >= r!(rhs) {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32EqImm { lhs, imm, target } => {
                if r!(lhs) as u32 == imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32NeImm { lhs, imm, target } => {
                if r!(lhs) as u32 != imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LtSImm { lhs, imm, target } => {
                if (r!(lhs) as i32) < imm {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LtUImm { lhs, imm, target } => {
                if (r!(lhs) as u32) < imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GtSImm { lhs, imm, target } => {
                if r!(lhs) as i32 > imm {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GtUImm { lhs, imm, target } => {
                if r!(lhs) as u32 > imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LeSImm { lhs, imm, target } => {
                if r!(lhs) as i32 <= imm {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32LeUImm { lhs, imm, target } => {
                if r!(lhs) as u32 <= imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GeSImm { lhs, imm, target } => {
                if r!(lhs) as i32 >= imm {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI32GeUImm { lhs, imm, target } => {
                if r!(lhs) as u32 >= imm as u32 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64EqImm { lhs, imm, target } => {
                if r!(lhs) as i64 == imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64NeImm { lhs, imm, target } => {
                if r!(lhs) as i64 != imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LtSImm { lhs, imm, target } => {
                if (r!(lhs) as i64) < imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LtUImm { lhs, imm, target } => {
                if r!(lhs) < imm as i64 as u64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GtSImm { lhs, imm, target } => {
                if r!(lhs) as i64 > imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GtUImm { lhs, imm, target } => {
                if r!(lhs) > imm as i64 as u64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LeSImm { lhs, imm, target } => {
                if r!(lhs) as i64 <= imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64LeUImm { lhs, imm, target } => {
                if r!(lhs) <= imm as i64 as u64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GeSImm { lhs, imm, target } => {
                if r!(lhs) as i64 >= imm as i64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }
            Instr::BrI64GeUImm { lhs, imm, target } => {
                if r!(lhs) >= imm as i64 as u64 {
                    ip = unsafe { code.add(target as usize) }
                }
            }

            // ------------------------------------------------------- SIMD
            Instr::SimdUnary { op, dst, src } => {
                let v = simd::unary(op, r128!(src), nd!());
                w128!(dst, v);
            }
            Instr::SimdBinary { op, dst, lhs, rhs } => {
                let v = simd::binary(op, r128!(lhs), r128!(rhs), nd!());
                w128!(dst, v);
            }
            Instr::SimdTernary { op, dst, base } => {
                let v = simd::ternary(op, r128!(base), r128!(base + 2), r128!(base + 4), nd!());
                w128!(dst, v);
            }
            Instr::SimdShift { op, dst, lhs, rhs } => {
                let v = simd::shift(op, r128!(lhs), r!(rhs) as u32);
                w128!(dst, v);
            }
            Instr::SimdSplat { op, dst, src } => w128!(dst, simd::splat(op, r!(src))),
            Instr::SimdTest { op, dst, src } => w!(dst, simd::test(op, r128!(src)) as u64),
            Instr::SimdExtractLane { op, lane, dst, src } => {
                w!(dst, simd::extract_lane(op, lane, r128!(src)))
            }
            Instr::SimdReplaceLane {
                op,
                lane,
                dst,
                lhs,
                rhs,
            } => {
                let v = simd::replace_lane(op, lane, r128!(lhs), r!(rhs));
                w128!(dst, v);
            }
            Instr::SimdShuffle { dst, base, lanes } => {
                let lanes = unsafe { (&(*cf).consts128)[lanes as usize] }.to_le_bytes();
                let v = simd::shuffle(&lanes, r128!(base), r128!(base + 2));
                w128!(dst, v);
            }
            Instr::SimdLoad {
                op,
                dst,
                addr,
                memarg,
            } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let size = simd::load_access_size(op) as u64;
                let data = mem_slice(store, inst, m.memory);
                let at = check!(effective(r!(addr), m.offset, size, data.len() as u64));
                let v = simd::load(op, &data[at..at + size as usize]);
                w128!(dst, v);
            }
            Instr::SimdStore { addr, src, memarg } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let v = r128!(src);
                let data = mem_slice(store, inst, m.memory);
                let at = check!(effective(r!(addr), m.offset, 16, data.len() as u64));
                data[at..at + 16].copy_from_slice(&v.to_le_bytes());
            }
            Instr::SimdLoadLane {
                width,
                lane,
                dst,
                base,
                memarg,
            } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let size = simd::lane_width_bytes(width);
                let (a, v) = (r!(base), r128!(base + 1));
                let data = mem_slice(store, inst, m.memory);
                let at = check!(effective(a, m.offset, size as u64, data.len() as u64));
                let v = simd::load_lane(width, lane, v, &data[at..at + size]);
                w128!(dst, v);
            }
            Instr::SimdStoreLane {
                width,
                lane,
                base,
                memarg,
            } => {
                let m = unsafe { (&(*cf).memargs)[memarg as usize] };
                let size = simd::lane_width_bytes(width);
                let (a, v) = (r!(base), r128!(base + 1));
                let bits = simd::store_lane(width, lane, v);
                let data = mem_slice(store, inst, m.memory);
                let at = check!(effective(a, m.offset, size as u64, data.len() as u64));
                data[at..at + size].copy_from_slice(&bits.to_le_bytes()[..size]);
            }
        }
    }
}

#[inline(always)]
fn f32l(v: u64) -> f32 {
    f32::from_bits(v as u32)
}

#[inline(always)]
fn f64l(v: u64) -> f64 {
    f64::from_bits(v)
}

#[inline(always)]
fn f32_un(
    nd: &mut crate::nondet::Nondet,
    slots: *mut u64,
    dst: Slot,
    src: Slot,
    f: impl Fn(f32) -> f32,
) {
    // SAFETY: slots are inside the running frame (see `run_loop`).
    unsafe {
        let a = f32l(*slots.add(src as usize));
        *slots.add(dst as usize) = nan32(nd, f(a), &[a]) as u64;
    }
}

#[inline(always)]
fn f64_un(
    nd: &mut crate::nondet::Nondet,
    slots: *mut u64,
    dst: Slot,
    src: Slot,
    f: impl Fn(f64) -> f64,
) {
    // SAFETY: slots are inside the running frame (see `run_loop`).
    unsafe {
        let a = f64l(*slots.add(src as usize));
        *slots.add(dst as usize) = nan64(nd, f(a), &[a]);
    }
}

#[inline(always)]
fn f32_bin(
    nd: &mut crate::nondet::Nondet,
    slots: *mut u64,
    dst: Slot,
    lhs: Slot,
    rhs: Slot,
    f: impl Fn(f32, f32) -> f32,
) {
    // SAFETY: slots are inside the running frame (see `run_loop`).
    unsafe {
        let a = f32l(*slots.add(lhs as usize));
        let b = f32l(*slots.add(rhs as usize));
        *slots.add(dst as usize) = nan32(nd, f(a, b), &[a, b]) as u64;
    }
}

#[inline(always)]
fn f64_bin(
    nd: &mut crate::nondet::Nondet,
    slots: *mut u64,
    dst: Slot,
    lhs: Slot,
    rhs: Slot,
    f: impl Fn(f64, f64) -> f64,
) {
    // SAFETY: slots are inside the running frame (see `run_loop`).
    unsafe {
        let a = f64l(*slots.add(lhs as usize));
        let b = f64l(*slots.add(rhs as usize));
        *slots.add(dst as usize) = nan64(nd, f(a, b), &[a, b]);
    }
}

/// The range `[start, start + n)` of a sequence of length `len`, if in bounds.
fn bounds(start: u64, n: u64, len: usize) -> Result<std::ops::Range<usize>, TrapKind> {
    match start.checked_add(n) {
        Some(end) if end <= len as u64 => Ok(start as usize..end as usize),
        _ => Err(TrapKind::OutOfBoundsMemoryAccess),
    }
}

/// `memory.copy` between (possibly different) memories of an instance.
fn memory_copy(
    store: &mut Store,
    inst: u32,
    dst_mem: u32,
    src_mem: u32,
    d: u64,
    s: u64,
    n: u64,
) -> Result<(), TrapKind> {
    let insts = &store.instances[inst as usize];
    let (da, sa) = (
        insts.memories[dst_mem as usize],
        insts.memories[src_mem as usize],
    );
    if da == sa {
        let data = &mut store.memories[da as usize].data;
        let src = bounds(s, n, data.len())?;
        let dst = bounds(d, n, data.len())?;
        data.copy_within(src, dst.start);
    } else {
        let src = bounds(s, n, store.memories[sa as usize].data.len())?;
        let dst = bounds(d, n, store.memories[da as usize].data.len())?;
        let bytes = store.memories[sa as usize].data[src].to_vec();
        store.memories[da as usize].data[dst].copy_from_slice(&bytes);
    }
    Ok(())
}

/// `table.copy` between (possibly different) tables of an instance.
fn table_copy(
    store: &mut Store,
    inst: u32,
    dst_table: u32,
    src_table: u32,
    d: u64,
    s: u64,
    n: u64,
) -> Result<(), TrapKind> {
    let insts = &store.instances[inst as usize];
    let (da, sa) = (
        insts.tables[dst_table as usize],
        insts.tables[src_table as usize],
    );
    let src = store.tables[sa as usize].range(s, n)?;
    let dst = store.tables[da as usize].range(d, n)?;
    if da == sa {
        store.tables[da as usize]
            .elements
            .copy_within(src, dst.start);
    } else {
        let items = store.tables[sa as usize].elements[src].to_vec();
        store.tables[da as usize].elements[dst].copy_from_slice(&items);
    }
    Ok(())
}

/// `table.init` from an element segment of an instance.
pub(crate) fn table_init(
    store: &mut Store,
    inst: u32,
    table: u32,
    elem: u32,
    d: u64,
    s: u64,
    n: u64,
) -> Result<(), TrapKind> {
    let insts = &store.instances[inst as usize];
    let (ta, ea) = (insts.tables[table as usize], insts.elems[elem as usize]);
    let items = &store.elems[ea as usize].items;
    let src = match s.checked_add(n) {
        Some(end) if end <= items.len() as u64 => s as usize..end as usize,
        _ => return Err(TrapKind::OutOfBoundsTableAccess),
    };
    let dst = store.tables[ta as usize].range(d, n)?;
    let items = items[src].to_vec();
    store.tables[ta as usize].elements[dst].copy_from_slice(&items);
    Ok(())
}
