//! The GC and exception instructions, `call_ref` and the tail calls, the
//! atomic memory instructions and wide arithmetic, executed outside the
//! interpreter loop: the loop hands them over in one arm, so that their
//! code does not compete with the hot instructions for registers (the loop
//! keeps its frame state in registers; see `ARCHITECTURE.md`,
//! "Performance").

use crate::error::{Trap, TrapKind};
use crate::exec::instr::{Access, Instr, Target};
use crate::exec::{
    Exit, HostCall, ThreadState, atomics, call_host, enter_frame, enter_tail, exceptions, gc,
    indirect_callee, throw, wide,
};
use crate::module::{CompiledFunc, ModuleInner};
use crate::runtime::store::{FuncInst, Store};
use crate::values::{func_ref_addr, i31_get_s, i31_get_u, i31_ref};

/// What the loop does after an out-of-line instruction.
pub(crate) enum Next {
    Continue,
    /// Branch to this instruction of the running function.
    Jump(Target),
    /// The top frame changed: a call entered a function, a tail call
    /// replaced the frame, or a handler caught an exception.
    Frame,
    /// A host function returned its results to the running frame (and
    /// may have grown its memory).
    Resumed,
    /// The thread stops: a host function suspended it, an exception left
    /// it, or it blocked in `memory.atomic.wait`.
    Exit(Exit),
}

/// Executes one out-of-line instruction of the frame at `fp` (whose pc
/// the loop saved).
#[inline(never)]
pub(crate) fn execute(
    store: &mut Store,
    ts: &mut ThreadState,
    inst: u32,
    module: &ModuleInner,
    cf: &CompiledFunc,
    fp: usize,
    instr: Instr,
) -> Result<Next, Trap> {
    let r = |ts: &ThreadState, s: u32| ts.stack[fp + s as usize];
    // A field or element value of `access` width from slot `s`.
    let pair = |ts: &ThreadState, s: u32, access: Access| {
        let hi = if access == Access::Two {
            r(ts, s + 1)
        } else {
            0
        };
        [r(ts, s), hi]
    };
    let at = |s: u32| fp + s as usize;
    match instr {
        Instr::StructNew { dst, base, ty } => {
            let v = gc::struct_new(store, ts, module.type_info(ty), Some(at(base)))?;
            ts.stack[at(dst)] = v;
        }
        Instr::StructNewDefault { dst, ty } => {
            let v = gc::struct_new(store, ts, module.type_info(ty), None)?;
            ts.stack[at(dst)] = v;
        }
        Instr::StructGet {
            access,
            dst,
            obj,
            slot,
        } => {
            let v = gc::struct_get(store, r(ts, obj), slot, access)?;
            write(ts, at(dst), access, v);
        }
        Instr::StructSet {
            access,
            obj,
            src,
            slot,
        } => {
            let v = pair(ts, src, access);
            gc::struct_set(store, r(ts, obj), slot, access, v)?;
        }
        Instr::ArrayNew { dst, base, ty } => {
            let v = gc::array_new(store, ts, module.type_info(ty), at(base))?;
            ts.stack[at(dst)] = v;
        }
        Instr::ArrayNewDefault { dst, len, ty } => {
            let n = r(ts, len) as u32 as u64;
            let v = gc::array_new_default(store, ts, module.type_info(ty), n)?;
            ts.stack[at(dst)] = v;
        }
        Instr::ArrayNewFixed { dst, base, site } => {
            let (ty, n) = cf.pairs[site as usize];
            let v = gc::array_new_fixed(store, ts, module.type_info(ty), at(base), n)?;
            ts.stack[at(dst)] = v;
        }
        Instr::ArrayNewData { base, ty, data } => {
            let daddr = store.instances[inst as usize].datas[data as usize];
            let v = gc::array_new_data(store, ts, module.type_info(ty), daddr, at(base))?;
            ts.stack[at(base)] = v;
        }
        Instr::ArrayNewElem { base, ty, elem } => {
            let eaddr = store.instances[inst as usize].elems[elem as usize];
            let v = gc::array_new_elem(store, ts, module.type_info(ty), eaddr, at(base))?;
            ts.stack[at(base)] = v;
        }
        Instr::ArrayGet {
            access,
            dst,
            arr,
            idx,
        } => {
            let v = gc::array_get(store, r(ts, arr), r(ts, idx) as u32 as u64, access)?;
            write(ts, at(dst), access, v);
        }
        Instr::ArraySet {
            access,
            arr,
            idx,
            src,
        } => {
            let v = pair(ts, src, access);
            gc::array_set(store, r(ts, arr), r(ts, idx) as u32 as u64, access, v)?;
        }
        Instr::ArrayLen { dst, arr } => {
            ts.stack[at(dst)] = gc::array_len(store, r(ts, arr))?;
        }
        Instr::ArrayFill { access, base } => gc::array_fill(store, ts, at(base), access)?,
        Instr::ArrayCopy { base } => gc::array_copy(store, ts, at(base))?,
        Instr::ArrayInitData { base, ty, data } => {
            let daddr = store.instances[inst as usize].datas[data as usize];
            gc::array_init_data(store, ts, at(base), module.type_info(ty), daddr)?;
        }
        Instr::ArrayInitElem { base, elem } => {
            let eaddr = store.instances[inst as usize].elems[elem as usize];
            gc::array_init_elem(store, ts, at(base), eaddr)?;
        }
        Instr::RefI31 { dst, src } => ts.stack[at(dst)] = i31_ref(r(ts, src) as u32),
        Instr::I31GetS { dst, src } | Instr::I31GetU { dst, src } => {
            let v = r(ts, src);
            if v == 0 {
                return Err(TrapKind::NullI31Reference.into());
            }
            ts.stack[at(dst)] = if matches!(instr, Instr::I31GetS { .. }) {
                i31_get_s(v)
            } else {
                i31_get_u(v)
            };
        }
        Instr::RefTest { dst, src, cast } => {
            let ok = gc::ref_test(store, r(ts, src), &cf.casts[cast as usize]);
            ts.stack[at(dst)] = ok as u64;
        }
        Instr::RefCast { dst, src, cast } => {
            let v = r(ts, src);
            if !gc::ref_test(store, v, &cf.casts[cast as usize]) {
                return Err(TrapKind::CastFailure.into());
            }
            ts.stack[at(dst)] = v;
        }
        Instr::BrOnCast { src, cast, target } => {
            if gc::ref_test(store, r(ts, src), &cf.casts[cast as usize]) {
                return Ok(Next::Jump(target));
            }
        }
        Instr::BrOnCastFail { src, cast, target } => {
            if !gc::ref_test(store, r(ts, src), &cf.casts[cast as usize]) {
                return Ok(Next::Jump(target));
            }
        }
        Instr::Throw { base, tag } => {
            let taddr = store.instances[inst as usize].tags[tag as usize];
            let exn = exceptions::new_exception(store, ts, taddr, at(base))?;
            return Ok(thrown(store, ts, exn));
        }
        Instr::ThrowRef { src } => {
            let exn = r(ts, src);
            if exn == 0 {
                return Err(TrapKind::NullReference.into());
            }
            return Ok(thrown(store, ts, exn));
        }
        Instr::CallRef { base, func } => {
            let addr = func_ref_addr(r(ts, func)).ok_or(TrapKind::NullFunctionReference)?;
            return call(store, ts, inst, addr, at(base), None);
        }
        Instr::ReturnCallInternal { func, base } => {
            enter_tail(
                store,
                ts,
                inst,
                func,
                &module.funcs[func as usize],
                at(base),
                fp,
            )?;
            return Ok(Next::Frame);
        }
        Instr::ReturnCall { func, base } => {
            let addr = store.instances[inst as usize].funcs[func as usize];
            return call(store, ts, inst, addr, at(base), Some(fp));
        }
        Instr::ReturnCallIndirect { base, index, site } => {
            let addr = indirect_callee(store, inst, module, cf, r(ts, index), site)?;
            return call(store, ts, inst, addr, at(base), Some(fp));
        }
        Instr::ReturnCallRef { base, func } => {
            let addr = func_ref_addr(r(ts, func)).ok_or(TrapKind::NullFunctionReference)?;
            return call(store, ts, inst, addr, at(base), Some(fp));
        }
        Instr::AtomicLoad {
            kind,
            dst,
            addr,
            memarg,
        } => {
            let m = cf.memargs[memarg as usize];
            ts.stack[at(dst)] = atomics::load(store, inst, m, kind.size(), r(ts, addr))?;
        }
        Instr::AtomicStore {
            size,
            addr,
            src,
            memarg,
        } => {
            let m = cf.memargs[memarg as usize];
            atomics::store(store, inst, m, size as u64, r(ts, addr), r(ts, src))?;
        }
        Instr::AtomicRmw {
            op,
            size,
            dst,
            base,
            memarg,
        } => {
            let m = cf.memargs[memarg as usize];
            let (a, v) = (r(ts, base), r(ts, base + 1));
            ts.stack[at(dst)] = atomics::rmw(store, inst, m, op, size as u64, a, v)?;
        }
        Instr::AtomicCmpxchg {
            size,
            dst,
            base,
            memarg,
        } => {
            let m = cf.memargs[memarg as usize];
            let (a, e, v) = (r(ts, base), r(ts, base + 1), r(ts, base + 2));
            ts.stack[at(dst)] = atomics::cmpxchg(store, inst, m, size as u64, a, e, v)?;
        }
        Instr::AtomicNotify { dst, base, memarg } => {
            let m = cf.memargs[memarg as usize];
            let (a, count) = (r(ts, base), r(ts, base + 1) as u32);
            ts.stack[at(dst)] = atomics::notify(store, inst, m, a, count)? as u64;
        }
        Instr::AtomicWait {
            size,
            dst,
            base,
            memarg,
        } => {
            let m = cf.memargs[memarg as usize];
            let (a, e) = (r(ts, base), r(ts, base + 1));
            let timeout = r(ts, base + 2) as i64;
            match atomics::wait(store, inst, m, size as u64, a, e, timeout)? {
                // The value differs: "not-equal".
                None => ts.stack[at(dst)] = 1,
                // Blocked: the result is written when the thread resumes.
                Some(waiter) => {
                    ts.waiting = Some((waiter, at(dst)));
                    return Ok(Next::Exit(Exit::Waiting));
                }
            }
        }
        Instr::Wide { op, base } => {
            let ops = if op.arity() == 4 {
                [
                    r(ts, base),
                    r(ts, base + 1),
                    r(ts, base + 2),
                    r(ts, base + 3),
                ]
            } else {
                [r(ts, base), r(ts, base + 1), 0, 0]
            };
            let (lo, hi) = wide::eval(op, ops);
            ts.stack[at(base)] = lo;
            ts.stack[at(base + 1)] = hi;
        }
        _ => unreachable!("not an out-of-line instruction: {instr:?}"),
    }
    Ok(Next::Continue)
}

/// Calls the function at store address `addr` with the arguments at
/// `base`; with `tail`, the frame at that `fp` is replaced (a tail call to
/// a host function is an ordinary call, and the instruction after it
/// returns its results).
fn call(
    store: &mut Store,
    ts: &mut ThreadState,
    inst: u32,
    addr: u32,
    base: usize,
    tail: Option<usize>,
) -> Result<Next, Trap> {
    match &store.funcs[addr as usize] {
        FuncInst::Wasm {
            instance,
            def_index,
            code,
            ..
        } => {
            let (instance, def_index) = (*instance, *def_index);
            let code = std::sync::Arc::clone(code);
            match tail {
                Some(fp) => enter_tail(store, ts, instance, def_index, &code, base, fp)?,
                None => enter_frame(store, ts, instance, def_index, &code, base)?,
            }
            Ok(Next::Frame)
        }
        FuncInst::Host { .. } => match call_host(store, ts, inst, addr as usize, base) {
            HostCall::Returned => Ok(Next::Resumed),
            HostCall::Suspended(payload) => Ok(Next::Exit(Exit::Suspended(payload))),
            HostCall::Threw(exn) => Ok(thrown(store, ts, exn)),
            HostCall::Trapped(t) => Err(t),
        },
    }
}

fn write(ts: &mut ThreadState, at: usize, access: Access, v: [u64; 2]) {
    ts.stack[at] = v[0];
    if access == Access::Two {
        ts.stack[at + 1] = v[1];
    }
}

fn thrown(store: &Store, ts: &mut ThreadState, exn: u64) -> Next {
    match throw(store, ts, exn) {
        None => Next::Frame,
        Some(exit) => Next::Exit(exit),
    }
}
