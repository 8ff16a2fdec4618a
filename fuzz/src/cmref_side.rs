//! Running a differential case in cmref.

use cmref_interp::{Config, Engine, Error, Extern, Linker, Module, Store, TrapKind, Val, ValType};

use crate::core_differential::{CallOutcome, Case, FinalState, Run, TrapClass};
use crate::values::Value;
use crate::{FUEL, MEMORY_LIMIT, TABLE_LIMIT};

fn to_val(v: &Value, ty: ValType) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x),
        // Only null references are passed in.
        Value::Ref { .. } => Val::default_for(ty),
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
        TrapKind::NullReference => TrapClass::NullReference,
        TrapKind::CallStackExhausted | TrapKind::OutOfFuel => return None,
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
        Err(e) => return Run::NotInstantiated(e.to_string()),
    };
    let mut calls = Vec::new();
    for (name, args) in &case.calls {
        let Some(func) = instance.get_func(&store, name) else {
            calls.push(CallOutcome::Trapped(TrapClass::Other));
            continue;
        };
        let _ = store.set_fuel(FUEL);
        let Ok(ty) = store.func_type(func) else {
            calls.push(CallOutcome::Trapped(TrapClass::Other));
            continue;
        };
        let args: Vec<Val> = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| to_val(a, *t))
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
            Extern::Global(g) => state.globals.push((name, from_val(&g.get(&store)))),
            Extern::Table(t) => {
                let nulls = (0..t.size(&store))
                    .map(|i| {
                        t.get(&store, i)
                            .is_none_or(|v| from_val(&v) == Value::Ref { null: true })
                    })
                    .collect();
                state.tables.push((name, nulls));
            }
            Extern::Func(_) => {}
        }
    }
    Run::Ran {
        calls,
        state: Some(state),
    }
}
