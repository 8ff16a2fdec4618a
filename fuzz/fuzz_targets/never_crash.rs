#![no_main]
//! Arbitrary bytes, generated modules and mutated components through
//! decode, validate, instantiate and run with fuel and memory limits: cmref
//! must never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cmref_fuzz::never_crash::check(data);
});
