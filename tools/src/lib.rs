//! Shared pieces of the cmref command-line tools.

pub mod component_call;
pub mod core_call;
pub mod wasi_run;
