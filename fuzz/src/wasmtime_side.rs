//! Running a differential case in Wasmtime (Cranelift), configured with the
//! same limits as cmref.

use std::sync::OnceLock;

use wasmtime::{
    Config, Engine, Extern, GcHeapOutOfMemory, Instance, Module, OptLevel, Ref, Store, StoreLimits,
    StoreLimitsBuilder, ThrownException, Trap, Val, ValType,
};

use crate::core_differential::{CallOutcome, Case, FinalState, Run, TrapClass};
use crate::values::Value;
use crate::{FUEL, MEMORY_LIMIT, TABLE_LIMIT};

fn to_val(v: &Value, ty: &ValType) -> Val {
    match (*v, ty) {
        (Value::I32(x), _) => Val::I32(x),
        (Value::I64(x), _) => Val::I64(x),
        (Value::F32(x), _) => Val::F32(x),
        (Value::F64(x), _) => Val::F64(x),
        (Value::V128(x), _) => Val::V128(x.into()),
        (Value::Ref { .. }, ValType::Ref(r)) => Val::null_ref(r.heap_type()),
        (Value::Ref { .. }, _) => Val::null_func_ref(),
    }
}

fn from_val(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(f) => Value::Ref { null: f.is_none() },
        Val::ExternRef(e) => Value::Ref { null: e.is_none() },
        Val::AnyRef(a) => Value::Ref { null: a.is_none() },
        Val::ExnRef(e) => Value::Ref { null: e.is_none() },
        Val::ContRef(c) => Value::Ref { null: c.is_none() },
    }
}

fn trap_class(t: Trap) -> Option<TrapClass> {
    Some(match t {
        Trap::UnreachableCodeReached => TrapClass::Unreachable,
        Trap::IntegerDivisionByZero => TrapClass::IntegerDivideByZero,
        Trap::IntegerOverflow => TrapClass::IntegerOverflow,
        Trap::BadConversionToInteger => TrapClass::InvalidConversion,
        Trap::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapClass::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapClass::UninitializedElement,
        Trap::BadSignature => TrapClass::IndirectCallTypeMismatch,
        Trap::NullReference => TrapClass::NullReference,
        Trap::CastFailure => TrapClass::CastFailure,
        Trap::ArrayOutOfBounds => TrapClass::ArrayOutOfBounds,
        Trap::HeapMisaligned => TrapClass::UnalignedAtomic,
        Trap::AtomicWaitNonSharedMemory => TrapClass::ExpectedSharedMemory,
        // Limits the engines bound differently (stack, fuel, GC heap).
        Trap::StackOverflow | Trap::OutOfFuel | Trap::AllocationTooLarge => return None,
        _ => TrapClass::Other,
    })
}

/// Whether an error is a resource limit rather than a trap the spec
/// defines.
fn is_limit(e: &wasmtime::Error) -> bool {
    e.is::<GcHeapOutOfMemory<()>>()
        || e.downcast_ref::<Trap>()
            .is_some_and(|t| trap_class(*t).is_none())
}

fn outcome(store: &mut Store<StoreLimits>, result: wasmtime::Result<Vec<Val>>) -> CallOutcome {
    match result {
        Ok(vals) => CallOutcome::Returned(vals.iter().map(from_val).collect()),
        Err(e) if e.is::<ThrownException>() => {
            // The exception stays pending on the store until taken.
            let _ = store.take_pending_exception();
            CallOutcome::Thrown
        }
        // The GC heap could not grow: a limit, as on cmref's side.
        Err(e) if e.is::<GcHeapOutOfMemory<()>>() => CallOutcome::Exhausted,
        Err(e) => match e.downcast_ref::<Trap>() {
            Some(t) => match trap_class(*t) {
                Some(class) => CallOutcome::Trapped(class),
                None => CallOutcome::Exhausted,
            },
            None => CallOutcome::Trapped(TrapClass::Other),
        },
    }
}

/// One engine for every input: creating one per input costs more than
/// running most inputs. Cranelift does not optimise: it compiles faster, and
/// optimisation does not change what a program computes.
fn engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.consume_fuel(true);
            config.cranelift_opt_level(OptLevel::None);
            // Wasm 3.0 is on by default; these two proposals are not.
            config.wasm_custom_page_sizes(true);
            config.wasm_wide_arithmetic(true);
            // Shared memories are created (never shared between OS threads here).
            config.shared_memory(true);
            Engine::new(&config).ok()
        })
        .as_ref()
}

pub fn run(case: &Case) -> Run {
    let Some(engine) = engine() else {
        return Run::Rejected("the Wasmtime engine could not be created".into());
    };
    let module = match Module::new(engine, &case.wasm) {
        Ok(m) => m,
        Err(e) => return Run::Rejected(format!("{e:#}")),
    };
    let limits: StoreLimits = StoreLimitsBuilder::new()
        .memory_size(MEMORY_LIMIT as usize)
        .table_elements(TABLE_LIMIT as usize)
        .build();
    let mut store = Store::new(engine, limits);
    store.limiter(|l| l);
    let _ = store.set_fuel(FUEL);
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(i) => i,
        // A limit the engines bound differently (fuel, GC heap), as on
        // cmref's side: e.g. a table's initialiser allocating a huge array
        // (Wasmtime charges fuel for it).
        Err(e) if is_limit(&e) => return Run::LimitReached(format!("{e:#}")),
        Err(e) => return Run::NotInstantiated(e.to_string()),
    };
    let mut calls = Vec::new();
    for (name, args) in &case.calls {
        let Some(func) = instance.get_func(&mut store, name) else {
            calls.push(CallOutcome::Trapped(TrapClass::Other));
            continue;
        };
        let _ = store.set_fuel(FUEL);
        let ty = func.ty(&store);
        let args: Vec<Val> = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| to_val(a, &t))
            .collect();
        let mut results = vec![Val::I32(0); ty.results().len()];
        let result = func.call(&mut store, &args, &mut results).map(|()| results);
        let o = outcome(&mut store, result);
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
    let exports: Vec<(String, Extern)> = instance
        .exports(&mut store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect();
    for (name, ext) in exports {
        match ext {
            Extern::Memory(m) => state.memories.push((name, m.data(&store).to_vec())),
            Extern::SharedMemory(m) => {
                // SAFETY: no other thread has this memory; nothing writes it
                // while it is read.
                let bytes = m.data().iter().map(|c| unsafe { *c.get() }).collect();
                state.memories.push((name, bytes));
            }
            Extern::Global(g) => state.globals.push((name, from_val(&g.get(&mut store)))),
            Extern::Table(t) => {
                let size = t.size(&store);
                let nulls = (0..size)
                    .map(|i| t.get(&mut store, i).is_none_or(|r: Ref| r.is_null()))
                    .collect();
                state.tables.push((name, nulls));
            }
            _ => {}
        }
    }
    Run::Ran {
        calls,
        state: Some(state),
    }
}
