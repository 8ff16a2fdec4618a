#![no_main]
//! Small async programs (tasks calling each other, streams, waitable sets,
//! cancellation) in cmref and in Wasmtime; cmref may use any of its seeded
//! schedules to reproduce Wasmtime's outcome.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(divergence) = cmref_fuzz::component_async::check(data) {
        panic!("{divergence}");
    }
});
