//! The WASI 0.3 host provides every function and resource of the
//! interfaces it claims: a dummy component importing all of them, made from
//! the official WIT (the `wasip3` crate's `wit/deps`), instantiates, also
//! together with the 0.2 host on one linker.

mod wit_world;

use cmref_interp::component::{self, Component, Linker};
use cmref_interp::wasi::{WasiCtx, p2, p3};
use cmref_interp::{Config, Engine, Error, Store};
use wit_world::{component_of, wit_dir};

fn wasip3_wit() -> std::path::PathBuf {
    wit_dir("wasip3-0.10.0+wasi-0.3.2")
}

/// The packages the 0.3 host implements (issue 6); sockets and http are
/// not implemented.
const PACKAGES: [&str; 4] = ["wasi:cli", "wasi:clocks", "wasi:filesystem", "wasi:random"];

fn instantiate(bytes: &[u8], with_p2: bool) -> Result<(), Error> {
    let engine = Engine::new(Config::default().features(component::features()));
    let component = Component::new(&engine, bytes)?;
    let mut store = Store::new(&engine);
    store.set_data(WasiCtx::builder().build()?);
    let mut linker = Linker::new();
    if with_p2 {
        p2::add_to_linker(&mut linker, &mut store)?;
    }
    p3::add_to_linker(&mut linker, &mut store)?;
    linker.instantiate(&mut store, &component).map(|_| ())
}

#[test]
fn every_function_and_resource_of_the_claimed_interfaces_is_provided() {
    let wit = wasip3_wit();
    let all = wit_world::command_imports(&wit);
    let ours: Vec<String> = all
        .iter()
        .filter(|n| PACKAGES.iter().any(|p| n.starts_with(&format!("{p}/"))))
        .cloned()
        .collect();
    for expected in [
        "wasi:cli/environment@0.3.2",
        "wasi:cli/types@0.3.2",
        "wasi:cli/stdin@0.3.2",
        "wasi:cli/terminal-stderr@0.3.2",
        "wasi:clocks/monotonic-clock@0.3.2",
        "wasi:clocks/system-clock@0.3.2",
        "wasi:random/insecure-seed@0.3.2",
        "wasi:filesystem/types@0.3.2",
        "wasi:filesystem/preopens@0.3.2",
    ] {
        assert!(ours.iter().any(|n| n == expected), "{expected} in {ours:?}");
    }
    assert_eq!(ours.len(), 19, "{ours:?}");
    let (resolve, w) = wit_world::world(&wit, &ours, "wasi:cli/run@0.3.2");
    let bytes = component_of(&resolve, w);
    instantiate(&bytes, false).unwrap();
    instantiate(&bytes, true).unwrap();
}

#[test]
fn sockets_0_3_is_named_as_missing() {
    let wit = wasip3_wit();
    let imports = ["wasi:sockets/types@0.3.2".to_string()];
    let (resolve, w) = wit_world::world(&wit, &imports, "wasi:cli/run@0.3.2");
    let err = instantiate(&component_of(&resolve, w), true).unwrap_err();
    assert!(
        matches!(&err, Error::Unlinkable(m) if m.contains("wasi:sockets/types@0.3.2")),
        "{err}"
    );
}

#[test]
fn older_patch_versions_are_served_and_prereleases_are_not() {
    let wit = wasip3_wit();
    let imports = ["wasi:cli/stdout@0.3.2".to_string()];
    let (resolve, w) = wit_world::world(&wit, &imports, "wasi:cli/run@0.3.2");
    let text = wasmprinter::print_bytes(component_of(&resolve, w)).unwrap();
    let parse = |v: &str| wat::parse_str(text.replace("@0.3.2", v)).unwrap();
    instantiate(&parse("@0.3.0"), true).unwrap();
    // A release candidate's interfaces may differ from 0.3.x: semver
    // matches a pre-release only exactly.
    let err = instantiate(&parse("@0.3.0-rc-2025-09-16"), true).unwrap_err();
    assert!(
        matches!(&err, Error::Unlinkable(m) if m.contains("0.3.0-rc-2025-09-16")),
        "{err}"
    );
}
