#![no_main]
//! Modules from wasm-smith, every export called in cmref and in Wasmtime;
//! results, traps and final exported state must agree.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(divergence) = cmref_fuzz::core_differential::check(data) {
        panic!("{divergence}");
    }
});
