//! Running a `component_async` program in cmref, with a given mode of
//! nondeterminism: `Func::call` runs the store's event loop (`Store.tick`)
//! until the call has returned, and traps on a deadlock.

use cmref_interp::component::{self, Component, Linker, Val};
use cmref_interp::{Config, Engine, NondetMode, Store};

use crate::component_async::{Case, Outcome, component_wasm};
use crate::{FUEL, MEMORY_LIMIT};

pub fn run(case: &Case, mode: NondetMode) -> Outcome {
    let config = Config::default()
        .features(component::features())
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT)
        .nondet(mode);
    let engine = Engine::new(config);
    let component = match Component::new(&engine, component_wasm()) {
        Ok(c) => c,
        Err(e) => return Outcome::Rejected(e.to_string()),
    };
    let mut store = Store::new(&engine);
    let instance = match Linker::new().instantiate(&mut store, &component) {
        Ok(i) => i,
        Err(e) => return Outcome::Rejected(e.to_string()),
    };
    let Some(func) = instance.get_func(case.export()) else {
        return Outcome::Rejected(format!("no export {}", case.export()));
    };
    let script = Val::List(case.script.iter().map(|w| Val::U32(*w)).collect());
    match func.call(&mut store, &[script]) {
        Ok(results) => Outcome::returned(
            match results.as_slice() {
                [Val::List(vs)] => Some(vs.as_slice()),
                _ => None,
            },
            |v| match v {
                Val::U32(x) => Some(*x),
                _ => None,
            },
        ),
        Err(e) => Outcome::Trapped(e.to_string()),
    }
}
