//! Running a differential case in cmref.

use cmref_interp::{Config, Engine, Error, Extern, Func, Linker, Module, Store, TrapKind, Val};

use crate::core_differential::{CallOutcome, Case, FinalState, Run, TrapClass};
use crate::values::Value;
use crate::{FUEL, MEMORY_LIMIT, TABLE_LIMIT};

/// Argument `i` of `func`.
fn to_val(store: &Store, func: Func, i: usize, v: &Value) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x),
        // Only null references are passed in: the null of the parameter's
        // hierarchy. A non-nullable parameter gets a null function
        // reference, which the call rejects (as Wasmtime does).
        Value::Ref { .. } => store.param_default(func, i).unwrap_or(Val::FuncRef(None)),
    }
}

fn from_val(v: &Val) -> Value {
    match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(x) => Value::F32(x),
        Val::F64(x) => Value::F64(x),
        Val::V128(x) => Value::V128(x),
        Val::FuncRef(f) => Value::Ref { null: f.is_none() },
        Val::ExternRef(e) => Value::Ref { null: e.is_none() },
        Val::AnyRef(a) => Value::Ref { null: a.is_none() },
        Val::ExnRef(e) => Value::Ref { null: e.is_none() },
    }
}

pub fn trap_class(kind: TrapKind) -> Option<TrapClass> {
    Some(match kind {
        TrapKind::Unreachable => TrapClass::Unreachable,
        TrapKind::IntegerDivideByZero => TrapClass::IntegerDivideByZero,
        TrapKind::IntegerOverflow => TrapClass::IntegerOverflow,
        TrapKind::InvalidConversionToInteger => TrapClass::InvalidConversion,
        TrapKind::OutOfBoundsMemoryAccess | TrapKind::OutOfBoundsMemoryInit => {
            TrapClass::MemoryOutOfBounds
        }
        TrapKind::OutOfBoundsTableAccess
        | TrapKind::OutOfBoundsTableInit
        | TrapKind::UndefinedElement => TrapClass::TableOutOfBounds,
        TrapKind::UninitializedElement => TrapClass::UninitializedElement,
        TrapKind::IndirectCallTypeMismatch => TrapClass::IndirectCallTypeMismatch,
        // Wasmtime names every null dereference alike.
        TrapKind::NullReference
        | TrapKind::NullFunctionReference
        | TrapKind::NullStructReference
        | TrapKind::NullArrayReference
        | TrapKind::NullI31Reference => TrapClass::NullReference,
        TrapKind::CastFailure => TrapClass::CastFailure,
        TrapKind::OutOfBoundsArrayAccess => TrapClass::ArrayOutOfBounds,
        TrapKind::UnalignedAtomic => TrapClass::UnalignedAtomic,
        TrapKind::ExpectedSharedMemory => TrapClass::ExpectedSharedMemory,
        // Limits the engines bound differently (call depth, fuel, GC heap).
        TrapKind::CallStackExhausted | TrapKind::OutOfFuel | TrapKind::HeapExhausted => {
            return None;
        }
        _ => TrapClass::Other,
    })
}

fn outcome(result: Result<Vec<Val>, Error>) -> CallOutcome {
    match result {
        Ok(vals) => CallOutcome::Returned(vals.iter().map(from_val).collect()),
        Err(Error::Trap(t)) => match trap_class(t.kind) {
            Some(class) => CallOutcome::Trapped(class),
            None => CallOutcome::Exhausted,
        },
        Err(Error::Exception(_)) => CallOutcome::Thrown,
        Err(_) => CallOutcome::Trapped(TrapClass::Other),
    }
}

pub fn run(case: &Case) -> Run {
    let config = Config::default()
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT)
        .max_table_elements(TABLE_LIMIT);
    let engine = Engine::new(config);
    let module = match Module::new(&engine, &case.wasm) {
        Ok(m) => m,
        Err(e) => return Run::Rejected(e.to_string()),
    };
    let mut store = Store::new(&engine);
    let instance = match Linker::new().instantiate(&mut store, &module) {
        Ok(i) => i,
        // A limit the engines bound differently (e.g. the GC heap filled by
        // a constant expression that Wasmtime never evaluates: the items of
        // a declarative element segment, which the spec does evaluate).
        Err(Error::Trap(t)) if trap_class(t.kind).is_none() => {
            return Run::LimitReached(t.to_string());
        }
        Err(e @ Error::Limit(_)) => return Run::LimitReached(e.to_string()),
        Err(e) => return Run::NotInstantiated(e.to_string()),
    };
    let mut calls = Vec::new();
    for (name, args) in &case.calls {
        let Some(func) = instance.get_func(&store, name) else {
            calls.push(CallOutcome::Trapped(TrapClass::Other));
            continue;
        };
        let _ = store.set_fuel(FUEL);
        let args: Vec<Val> = args
            .iter()
            .enumerate()
            .map(|(i, a)| to_val(&store, func, i, a))
            .collect();
        let o = outcome(store.call(func, &args));
        let stop = o == CallOutcome::Exhausted;
        calls.push(o);
        if stop {
            return Run::Ran { calls, state: None };
        }
    }
    let mut state = FinalState {
        memories: Vec::new(),
        globals: Vec::new(),
        tables: Vec::new(),
    };
    for (name, ext) in instance.exports(&store) {
        match ext {
            Extern::Memory(m) => state.memories.push((name, m.data(&store).to_vec())),
            Extern::Global(g) => state.globals.push((name, from_val(&g.get(&mut store)))),
            Extern::Table(t) => {
                let nulls = (0..t.size(&store))
                    .map(|i| {
                        t.get(&mut store, i)
                            .is_none_or(|v| from_val(&v) == Value::Ref { null: true })
                    })
                    .collect();
                state.tables.push((name, nulls));
            }
            Extern::Func(_) | Extern::Tag(_) => {}
        }
    }
    Run::Ran {
        calls,
        state: Some(state),
    }
}
