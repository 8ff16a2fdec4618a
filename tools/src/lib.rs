//! Shared pieces of the cmref command-line tools.

pub mod core_call;
