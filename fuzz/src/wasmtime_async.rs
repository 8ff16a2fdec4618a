//! Running a `component_async` program in Wasmtime: the component is
//! compiled once; each program gets a fresh store, is instantiated and its
//! script's export called with `call_async`, which runs the store's event
//! loop (`run_concurrent`) until the call has returned and traps when
//! nothing can make progress.

use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, OptLevel, Store};

use crate::FUEL;
use crate::component_async::{Case, Outcome, component_wasm};

/// Polls a future to completion. The programs wait only on each other,
/// never on the host, so Wasmtime's futures finish without being woken;
/// `None` if one stays pending for `limit` polls.
pub fn block_on<F: Future>(f: F, limit: usize) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..limit {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return Some(v);
        }
    }
    None
}

/// The engine and the compiled component, or why there are none.
fn compiled() -> &'static Result<(Engine, Component), String> {
    static COMPILED: OnceLock<Result<(Engine, Component), String>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut config = Config::new();
        config.cranelift_opt_level(OptLevel::None);
        config.wasm_component_model(true);
        config.wasm_component_model_async(true);
        // `subtask.cancel async` and the `async` stream cancellations.
        config.wasm_component_model_more_async_builtins(true);
        // `c.sf` and `d.run-sf`, lifted `async` without a callback.
        config.wasm_component_model_async_stackful(true);
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(|e| format!("{e:#}"))?;
        let component = Component::new(&engine, component_wasm()).map_err(|e| format!("{e:#}"))?;
        Ok((engine, component))
    })
}

pub fn run(case: &Case) -> Outcome {
    let (engine, component) = match compiled() {
        Ok(c) => c,
        Err(e) => return Outcome::Rejected(e.clone()),
    };
    let mut store = Store::new(engine, ());
    if let Err(e) = store.set_fuel(FUEL) {
        return Outcome::Rejected(format!("{e:#}"));
    }
    let script = Val::List(case.script.iter().map(|w| Val::U32(*w)).collect());
    let outcome = block_on(
        async {
            let instance = match Linker::new(engine)
                .instantiate_async(&mut store, component)
                .await
            {
                Ok(i) => i,
                Err(e) => return Outcome::Rejected(format!("{e:#}")),
            };
            let Some(func) = instance.get_func(&mut store, case.export()) else {
                return Outcome::Rejected(format!("no export {}", case.export()));
            };
            let mut results = [Val::Bool(false)];
            if let Err(e) = func.call_async(&mut store, &[script], &mut results).await {
                return Outcome::Trapped(format!("{e:#}"));
            }
            Outcome::returned(
                match &results[0] {
                    Val::List(vs) => Some(vs.as_slice()),
                    _ => None,
                },
                |v| match v {
                    Val::U32(x) => Some(*x),
                    _ => None,
                },
            )
        },
        1_000_000,
    );
    outcome.unwrap_or_else(|| Outcome::Trapped("Wasmtime's call stayed pending".into()))
}
