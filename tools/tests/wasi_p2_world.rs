//! The WASI 0.2 host provides every function and resource of the
//! interfaces it claims: a dummy component importing all of them, made from
//! the official WIT (the `wasip2` crate's `wit/deps`), instantiates.

mod wit_world;

use cmref_interp::component::{self, Component, Linker};
use cmref_interp::wasi::{WasiCtx, p2};
use cmref_interp::{Config, Engine, Error, Store};
use wit_world::{component_of, wit_dir};

fn wasip2_wit() -> std::path::PathBuf {
    wit_dir("wasip2-2.0.1+wasi-0.2.12")
}

fn world(imports: &[String]) -> (wit_parser::Resolve, wit_parser::WorldId) {
    wit_world::world(&wasip2_wit(), imports, "wasi:cli/run@0.2.12")
}

fn command_imports() -> Vec<String> {
    wit_world::command_imports(&wasip2_wit())
}

/// The packages the host implements (issue 6), and `wasi:sockets`,
/// which grants no network: every 0.2 interface of `wasi:cli/command`.
const PACKAGES: [&str; 6] = [
    "wasi:cli",
    "wasi:io",
    "wasi:clocks",
    "wasi:random",
    "wasi:filesystem",
    "wasi:sockets",
];

fn instantiate(bytes: &[u8]) -> Result<(), Error> {
    let engine = Engine::new(Config::default().features(component::features()));
    let component = Component::new(&engine, bytes)?;
    let mut store = Store::new(&engine);
    store.set_data(WasiCtx::builder().build()?);
    let mut linker = Linker::new();
    p2::add_to_linker(&mut linker, &mut store)?;
    linker.instantiate(&mut store, &component).map(|_| ())
}

#[test]
fn every_function_and_resource_of_the_claimed_interfaces_is_provided() {
    let all = command_imports();
    let ours: Vec<String> = all
        .iter()
        .filter(|n| PACKAGES.iter().any(|p| n.starts_with(&format!("{p}/"))))
        .cloned()
        .collect();
    // The command world has no other imports.
    assert_eq!(ours, all);
    for expected in [
        "wasi:cli/environment@0.2.12",
        "wasi:cli/terminal-stderr@0.2.12",
        "wasi:io/streams@0.2.12",
        "wasi:clocks/wall-clock@0.2.12",
        "wasi:random/insecure-seed@0.2.12",
        "wasi:filesystem/preopens@0.2.12",
        "wasi:sockets/tcp@0.2.12",
        "wasi:sockets/ip-name-lookup@0.2.12",
    ] {
        assert!(ours.iter().any(|n| n == expected), "{expected} in {ours:?}");
    }
    assert_eq!(ours.len(), 27, "{ours:?}");
    let (resolve, w) = world(&ours);
    instantiate(&component_of(&resolve, w)).unwrap();
}

#[test]
fn an_interface_the_host_lacks_is_named() {
    // `outgoing-handler` uses `types`, the first import the host lacks.
    let (resolve, w) = world(&["wasi:http/outgoing-handler@0.2.12".to_string()]);
    let err = instantiate(&component_of(&resolve, w)).unwrap_err();
    assert!(
        matches!(&err, Error::Unlinkable(m) if m.contains("wasi:http/types@0.2.12")),
        "{err}"
    );
}

#[test]
fn older_minor_versions_are_served_by_semver() {
    // The same interfaces as a component built against 0.2.0 would import
    // them: the names carry 0.2.0, which the host's 0.2.12 satisfies.
    let (resolve, w) = world(&["wasi:cli/environment@0.2.12".to_string()]);
    let bytes = component_of(&resolve, w);
    let text = wasmprinter::print_bytes(&bytes)
        .unwrap()
        .replace("@0.2.12", "@0.2.0");
    instantiate(&wat::parse_str(&text).unwrap()).unwrap();
}
