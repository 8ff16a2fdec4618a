//! The `.wast` script engine of cmref and the harness that runs the spec
//! suites against it.

pub mod component;
pub mod core_values;
pub mod manifest;
pub mod report;
pub mod runner;
pub mod script;
pub mod spectest;
pub mod suites;
mod threads;

pub use manifest::Manifest;
pub use report::{DirectiveResult, FileReport, render_json, render_text};
pub use runner::{RunOptions, default_jobs, run_all, run_all_opts, run_all_with};
pub use script::{ScriptOptions, run_script};
