#![no_main]
//! Arbitrary component value types and values through lifts and lowers
//! (one component round-tripping through its memory, and two composed
//! components with different string encodings), in cmref and in Wasmtime.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(divergence) = cmref_fuzz::component_values::check(data) {
        panic!("{divergence}");
    }
});
