//! Dummy components made from the official WIT of a registry crate
//! (`wasip2`, `wasip3`): a world importing given interfaces and exporting
//! `wasi:cli/run`, encoded with wit-component's dummy module.

use std::path::PathBuf;

use wit_parser::{ManglingAndAbi, Resolve, WorldItem};

/// The `wit` directory of registry crate `crate_dir` (`wasip2-2.0.1+...`),
/// unpacked by cargo beside every registry crate this workspace builds.
pub fn wit_dir(crate_dir: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let src = home.join("registry").join("src");
    for index in std::fs::read_dir(&src).expect("cargo's registry sources") {
        let dir = index.unwrap().path().join(crate_dir).join("wit");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "the {crate_dir} crate (a dev-dependency) is not unpacked under {}",
        src.display()
    )
}

/// A resolve with the WIT of `wit`, and a world importing `imports` and
/// exporting `run` (e.g. `wasi:cli/run@0.2.12`).
pub fn world(wit: &PathBuf, imports: &[String], run: &str) -> (Resolve, wit_parser::WorldId) {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit).unwrap();
    let body: String = imports.iter().map(|i| format!("  import {i};\n")).collect();
    let text = format!("package cmref:test;\nworld w {{\n{body}  export {run};\n}}\n");
    let pkg = resolve.push_str("test.wit", &text).unwrap();
    let world = resolve.select_world(&[pkg], Some("w")).unwrap();
    (resolve, world)
}

/// The interfaces `wasi:cli/command` of `wit` imports, by name.
pub fn command_imports(wit: &PathBuf) -> Vec<String> {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit).unwrap();
    let cli = resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.namespace == "wasi" && p.name.name == "cli")
        .map(|(id, _)| id)
        .unwrap();
    let command = resolve.select_world(&[cli], Some("command")).unwrap();
    resolve.worlds[command]
        .imports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { .. } => Some(resolve.name_world_key(key)),
            _ => None,
        })
        .collect()
}

/// The dummy component of a world.
pub fn component_of(resolve: &Resolve, world: wit_parser::WorldId) -> Vec<u8> {
    let mut module = wit_component::dummy_module(resolve, world, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}
